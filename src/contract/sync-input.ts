// What a sync's input may say, checked before the sync does anything (a start from the CLI, a
// schedule, or `temporal workflow start --input '…'` with anything in it). Pure, no imports:
// the workflow bundle and the CLI both use it.

/** Each tuning field's allowed whole-number range, and why its ends are there. */
export const SYNC_INPUT_RANGES = {
  /** The platform caps a page at 100; more than 1,000 would not fit an answer's byte bound. */
  pageSize: { min: 1, max: 1000 },
  /** A batch is cut from a page. */
  batchSize: { min: 1, max: 1000 },
  /** 0 would wait forever for a free batch slot. */
  maxBatchesInFlight: { min: 1, max: 100 },
  /** 0 means unlimited attempts to Temporal's retry policy: a call would retry forever. */
  maxAttempts: { min: 1, max: 100 },
  /** Temporal refuses a history past 51,200 events. */
  maxHistoryEvents: { min: 1, max: 50_000 },
} as const;

const describe = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value).slice(0, 40));

/** The first thing wrong with a sync's input, as one line naming the field and its range; undefined if nothing is. */
export function syncInputProblem(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return 'the sync input must be an object like {"clientId": "mixoads"}';
  const fields = input as Record<string, unknown>;
  if (typeof fields.clientId !== 'string' || fields.clientId === '')
    return `clientId must be a client's id, not ${describe(fields.clientId)}`;
  for (const [field, { min, max }] of Object.entries(SYNC_INPUT_RANGES)) {
    const value = fields[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      return `${field} must be a whole number from ${min} to ${max}, not ${describe(value)}`;
  }
  if (fields.retryFailed !== undefined && typeof fields.retryFailed !== 'boolean') {
    return `retryFailed must be true or false, not ${describe(fields.retryFailed)}`;
  }
  return undefined;
}
