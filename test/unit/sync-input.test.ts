import { SYNC_INPUT_RANGES, syncInputProblem } from '../../src/contract/sync-input';

// What a sync's input may say (a start from the CLI, a schedule, or `temporal workflow start`
// with anything in it): the first thing wrong, as one line naming the field, or nothing.

describe('syncInputProblem', () => {
  test.each<[string, unknown, string | undefined]>([
    ['a client id alone', { clientId: 'acme' }, undefined],
    [
      'every field at a valid value',
      {
        clientId: 'acme',
        pageSize: 100,
        batchSize: 50,
        maxBatchesInFlight: 2,
        maxAttempts: 5,
        maxHistoryEvents: 10_000,
        retryFailed: false,
      },
      undefined,
    ],
    ['fields it does not know (a cursor from continue-as-new)', { clientId: 'acme', resume: { nextPage: 3 } }, undefined],
    ['no input', undefined, 'the sync input must be an object like {"clientId": "mixoads"}'],
    ['null', null, 'the sync input must be an object like {"clientId": "mixoads"}'],
    ['a bare client id', 'acme', 'the sync input must be an object like {"clientId": "mixoads"}'],
    ['a number', 42, 'the sync input must be an object like {"clientId": "mixoads"}'],
    ['an array', ['acme'], "clientId must be a client's id, not undefined"],
    ['clientId missing', { pageSize: 10 }, "clientId must be a client's id, not undefined"],
    ['clientId empty', { clientId: '' }, `clientId must be a client's id, not ""`],
    ['clientId a number', { clientId: 7 }, "clientId must be a client's id, not 7"],
    ['clientId null', { clientId: null }, "clientId must be a client's id, not null"],
    ['clientId an object', { clientId: { id: 'acme' } }, "clientId must be a client's id, not [object Object]"],
    ['clientId checked first', { pageSize: 0 }, "clientId must be a client's id, not undefined"],
    ['retryFailed true', { clientId: 'acme', retryFailed: true }, undefined],
    ['retryFailed as text', { clientId: 'acme', retryFailed: 'yes' }, 'retryFailed must be true or false, not "yes"'],
    ['retryFailed as 1', { clientId: 'acme', retryFailed: 1 }, 'retryFailed must be true or false, not 1'],
    [
      'the first bad field is named',
      { clientId: 'acme', batchSize: 0, maxAttempts: 0 },
      'batchSize must be a whole number from 1 to 1000, not 0',
    ],
    [
      'a long text value is cut at 40 characters',
      { clientId: 'acme', pageSize: 'x'.repeat(100) },
      `pageSize must be a whole number from 1 to 1000, not "${'x'.repeat(40)}"`,
    ],
  ])('%s', (_name, input, problem) => {
    expect(syncInputProblem(input)).toBe(problem);
  });

  // Every range at its ends, just past them, and at values that are not whole numbers.
  const rows = Object.entries(SYNC_INPUT_RANGES).flatMap(([field, { min, max }]) => {
    const problem = (shown: string) => `${field} must be a whole number from ${min} to ${max}, not ${shown}`;
    return [
      [field, min, undefined],
      [field, max, undefined],
      [field, min - 1, problem(String(min - 1))],
      [field, max + 1, problem(String(max + 1))],
      [field, min + 0.5, problem(String(min + 0.5))],
      [field, String(min), problem(`"${min}"`)],
      [field, NaN, problem('NaN')],
      [field, Infinity, problem('Infinity')],
      [field, null, problem('null')],
      [field, true, problem('true')],
      [field, undefined, undefined],
    ] as [string, unknown, string | undefined][];
  });

  test.each(rows)('%s = %p', (field, value, problem) => {
    expect(syncInputProblem({ clientId: 'acme', [field]: value })).toBe(problem);
  });

  test('the ranges are the documented ones', () => {
    expect(SYNC_INPUT_RANGES).toEqual({
      pageSize: { min: 1, max: 1000 },
      batchSize: { min: 1, max: 1000 },
      maxBatchesInFlight: { min: 1, max: 100 },
      maxAttempts: { min: 1, max: 100 },
      maxHistoryEvents: { min: 1, max: 50_000 },
    });
  });
});
