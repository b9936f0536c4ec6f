import { MAX_RECORD_BYTES, MAX_RECORD_DEPTH, recordProblem, reportedId } from '../../src/platform/answer-bounds';
import { plainCampaign } from '../helpers/campaigns';

const record = (extra: Record<string, unknown> = {}) => ({ ...plainCampaign('c1'), ...extra });

/** `leaf` inside `levels` arrays, built with a loop: JSON.stringify or a recursive builder could not make 10,000 levels. */
function nested(levels: number, leaf: unknown = 'deepest'): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

/**
 * A record whose JSON is exactly `bytes` bytes, its name filled with `filler` (a character of 1 to
 * 4 UTF-8 bytes) and ASCII for the remainder.
 */
function recordOfBytes(bytes: number, filler: string) {
  const base = record({ name: '' });
  const room = bytes - Buffer.byteLength(JSON.stringify(base));
  const each = Buffer.byteLength(filler);
  const made = { ...base, name: filler.repeat(Math.floor(room / each)) + 'n'.repeat(room % each) };
  expect(Buffer.byteLength(JSON.stringify(made))).toBe(bytes);
  return made;
}

describe('recordProblem: depth, counted as the walk counts it (the record itself is level 0)', () => {
  // A record's field holding n arrays: the outermost is at level 1, the innermost at level n.
  test.each<[string, unknown, string | undefined]>([
    ['a field of 31 nested arrays (the innermost at level 31)', record({ extra: nested(31) }), undefined],
    [
      'a field of 32 nested arrays (the innermost at level 32)',
      record({ extra: nested(32) }),
      `extra${'.0'.repeat(31)}: nested deeper than 32 levels`,
    ],
    ['an empty array at level 31', record({ extra: nested(30, []) }), undefined],
    [
      'an empty object at level 32 counts: it is a container',
      record({ extra: nested(31, {}) }),
      `extra${'.0'.repeat(31)}: nested deeper than 32 levels`,
    ],
    ['a string, number or null at level 32 is no container', record({ extra: nested(30, ['text', 1, null]) }), undefined],
    ['objects, not arrays: 31 levels', record({ extra: nested(30, { a: 1 }) }), undefined],
    // A bare array root is level 0: 32 arrays reach level 31.
    ['a root of 32 nested arrays', nested(32), undefined],
    ['a root of 33 nested arrays', nested(33), `0${'.0'.repeat(31)}: nested deeper than 32 levels`],
  ])('%s', (_name, value, problem) => {
    expect(recordProblem(value)).toBe(problem);
  });

  test('the edges are MAX_RECORD_DEPTH', () => {
    expect(MAX_RECORD_DEPTH).toBe(32);
  });

  test.each([
    ['arrays', (levels: number) => nested(levels)],
    [
      'objects',
      (levels: number) => {
        let value: unknown = 'deepest';
        for (let i = 0; i < levels; i++) value = { a: value };
        return value;
      },
    ],
  ])('a record of 10,000 nested %s is a problem, found without recursion (no stack overflow)', (_name, build) => {
    const deep = record({ extra: build(10_000) });

    const problem = recordProblem(deep);

    expect(problem).toMatch(/^extra(\.(0|a)){31}: nested deeper than 32 levels$/);
  });
});

describe('recordProblem: NUL characters and unpaired surrogates, in keys and strings at any depth', () => {
  test.each<[string, unknown, string | undefined]>([
    ['a NUL in a value', record({ name: 'a\u0000b' }), 'name: contains a NUL character'],
    ['a NUL alone', record({ name: '\u0000' }), 'name: contains a NUL character'],
    ['a NUL in a nested array', record({ extra: { note: ['fine', 'a\u0000b'] } }), 'extra.note.1: contains a NUL character'],
    ['a NUL in a field name', record({ 'a\u0000b': 1 }), 'a field name contains a NUL character'],
    ['a NUL in a nested field name', record({ extra: [{ ok: 1 }, { 'x\u0000': 1 }] }), 'a field name contains a NUL character'],
    ['a NUL in a root string', 'a\u0000', '(record): contains a NUL character'],
    ['"\\u0000" spelled out is six harmless characters', record({ name: '\\u0000' }), undefined],
    ['other control characters are text PostgreSQL stores', record({ name: '\u0001\u001b[31m\u007f' }), undefined],
    ['an unpaired high surrogate', record({ name: 'a\ud800b' }), 'name: contains an unpaired surrogate (not valid Unicode)'],
    ['a high surrogate at the end', record({ name: 'abc\udbff' }), 'name: contains an unpaired surrogate (not valid Unicode)'],
    ['an unpaired low surrogate', record({ name: '\udc00z' }), 'name: contains an unpaired surrogate (not valid Unicode)'],
    ['a pair the wrong way round', record({ name: '\udc00\ud800' }), 'name: contains an unpaired surrogate (not valid Unicode)'],
    ['a pair and then half of another', record({ name: '🚀\ud83d' }), 'name: contains an unpaired surrogate (not valid Unicode)'],
    ['a valid pair (an emoji)', record({ name: 'rocket \ud83d\ude80' }), undefined],
    ['valid pairs in a field name', record({ '🚀🚀': '𝄞' }), undefined],
    [
      'an unpaired surrogate in a field name',
      record({ ['k\udfff']: 1 }),
      'a field name contains an unpaired surrogate (not valid Unicode)',
    ],
    [
      'an unpaired surrogate deep down',
      record({ extra: nested(20, '\ud800') }),
      `extra${'.0'.repeat(20)}: contains an unpaired surrogate (not valid Unicode)`,
    ],
  ])('%s', (_name, value, problem) => {
    expect(recordProblem(value)).toBe(problem);
  });

  test('the path a problem names is cut at 200 characters, however long the field names', () => {
    const long = 'k'.repeat(500);

    const problem = recordProblem(record({ [long]: { [long]: 'a\u0000' } }));

    expect(problem).toBe(`${long.slice(0, 200)}: contains a NUL character`);
  });
});

describe('recordProblem: size, in UTF-8 bytes of the JSON', () => {
  const tooBig = (bytes: number) => `(record): ${bytes} bytes, more than ${MAX_RECORD_BYTES}`;

  test.each([
    ['ASCII', 'n'],
    ['2-byte é', 'é'],
    ['3-byte €', '€'],
    ['4-byte 🚀 (two UTF-16 units)', '🚀'],
  ])('with %s: exactly MAX_RECORD_BYTES is fine, one byte more is a problem', (_name, filler) => {
    expect(recordProblem(recordOfBytes(MAX_RECORD_BYTES, filler))).toBeUndefined();
    expect(recordProblem(recordOfBytes(MAX_RECORD_BYTES + 1, filler))).toBe(tooBig(MAX_RECORD_BYTES + 1));
  });

  test('characters JSON escapes count as their escapes (\\u0001 is six bytes)', () => {
    const base = record({ name: '' });
    const room = MAX_RECORD_BYTES - Buffer.byteLength(JSON.stringify(base));
    const name = '\u0001'.repeat(Math.floor(room / 6)) + 'n'.repeat((room % 6) + 1);

    expect(recordProblem({ ...base, name })).toBe(tooBig(MAX_RECORD_BYTES + 1));
  });

  test('an array root is measured the same way', () => {
    const strings = Array.from({ length: MAX_RECORD_BYTES / 8 }, () => 'abcde');
    // Each element is "abcde" and a comma: 8 bytes; the brackets and no last comma make +1.
    expect(recordProblem(strings)).toBe(tooBig(MAX_RECORD_BYTES + 1));
    expect(recordProblem(strings.slice(1))).toBeUndefined();
  });
});

describe('recordProblem: roots that are not objects', () => {
  test.each<[string, unknown, string | undefined]>([
    ['null', null, undefined],
    ['a number', 42, undefined],
    ['a boolean', false, undefined],
    ['a string', 'text', undefined],
    ['an empty array', [], undefined],
    ['an array of values', [1, 'x', null, { a: [] }], undefined],
    ['an array holding a NUL', ['ok', ['a\u0000']], '1.0: contains a NUL character'],
    ['an empty object', {}, undefined],
  ])('%s', (_name, value, problem) => {
    expect(recordProblem(value)).toBe(problem);
  });
});

describe('reportedId', () => {
  test.each<[string, unknown, string | null]>([
    ['a plain id', { id: 'c-42' }, 'c-42'],
    ['an empty id', { id: '' }, ''],
    ['control characters escaped', { id: '\u001b[31mred\u0007' }, '\\x1B[31mred\\x07'],
    ['an unpaired surrogate escaped', { id: 'a\ud800' }, 'a\\uD800'],
    ['a long id cut at 80 characters, with its length', { id: 'z'.repeat(10_000) }, `${'z'.repeat(80)}… (10000 characters)`],
    ['an id of exactly 80 characters is whole', { id: 'y'.repeat(80) }, 'y'.repeat(80)],
    ['a number id', { id: 42 }, null],
    ['a null id', { id: null }, null],
    ['an object id', { id: { value: 'c1' } }, null],
    ['an array id', { id: ['c1'] }, null],
    ['a boolean id', { id: true }, null],
    ['no id', { name: 'x' }, null],
    ['a null record', null, null],
    ['a number record', 7, null],
    ['a string record', 'c1', null],
    ['an array record', ['c1'], null],
    ['an undefined record', undefined, null],
  ])('%s', (_name, value, id) => {
    expect(reportedId(value)).toBe(id);
  });
});
