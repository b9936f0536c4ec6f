import { DefaultFailureConverter } from '@temporalio/common';

/**
 * With history encryption on, a failure's message and stack trace move into its encoded
 * attributes, a payload the encryption codec then encrypts like any other: failures quote
 * campaign names and platform answers, which must not sit in history in the clear. Loaded by path
 * (`failureConverterPath`) in the workflow bundle, the worker and the client alike.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
