import type { ConnectionLike } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../contract/sync';

/** Our search attributes (SEARCH_ATTRIBUTES) that the namespace has not registered. */
export async function missingSearchAttributes(connection: Pick<ConnectionLike, 'operatorService'>, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return SEARCH_ATTRIBUTES.map((key) => key.name).filter((name) => !(name in (customAttributes ?? {})));
}

/**
 * The command that registers them. Only the missing ones: the Temporal CLI adds none of a list
 * when one of them exists already, and still says they were added.
 */
export const registerSearchAttributesCommand = (namespace: string, names: string[]) =>
  `temporal operator search-attribute create --namespace ${namespace} ${names.map((name) => `--name ${name}`).join(' ')} --type Keyword`;
