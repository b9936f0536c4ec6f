import { printable } from '../printable';

/** One tab-separated line of fields, each made printable (a tab inside a field would shift the columns). */
export const tabbed = (fields: string[]): string => fields.map(printable).join('\t');
