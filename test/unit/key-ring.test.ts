import { randomBytes } from 'node:crypto';
import { keyRing, parseKeyList } from '../../src/codec/key-ring';

const A = randomBytes(32).toString('base64');
const B = randomBytes(32).toString('base64');
const SHORT = randomBytes(16).toString('base64');

test.each([
  ['one key', `a:${A}`, ['a']],
  ['two keys', `a:${A},b:${B}`, ['a', 'b']],
  ['spaces and newlines (a file)', ` a:${A} ,\nb:${B}\n`, ['a', 'b']],
  ['ids with dots, dashes, underscores', `2026-12.k_1:${A}`, ['2026-12.k_1']],
])('parses %s', (_, text, ids) => {
  expect([...parseKeyList(text).keys()]).toEqual(ids);
});

test.each([
  ['nothing listed', ' , ', /at least one key/],
  ['no id', A, /entry 1 must be id:base64/],
  ['a bad id', `a b:${A}`, /entry 1 must be id:base64/],
  ['a short key', `a:${A},b:${SHORT}`, /key "b" must be 32 bytes/],
  ['a repeated id', `a:${A},a:${B}`, /"a" is listed twice/],
])('refuses %s, without repeating key material', (_, text, message) => {
  expect(() => parseKeyList(text)).toThrow(message);
  try {
    parseKeyList(text);
  } catch (err) {
    for (const key of [A, B, SHORT]) expect((err as Error).message).not.toContain(key);
  }
});

test('the ring: the list with the current id, else the single key under its id, else none', () => {
  expect(keyRing({ CAMPAIGN_SYNC_ENCRYPTION_KEYS: `a:${A},b:${B}`, CAMPAIGN_SYNC_ENCRYPTION_KEY_ID: 'b' })).toEqual({
    currentKeyId: 'b',
    keys: new Map([
      ['a', Buffer.from(A, 'base64')],
      ['b', Buffer.from(B, 'base64')],
    ]),
  });
  expect(keyRing({ CAMPAIGN_SYNC_ENCRYPTION_KEY: A, CAMPAIGN_SYNC_ENCRYPTION_KEY_ID: 'old' })).toEqual({
    currentKeyId: 'old',
    keys: new Map([['old', Buffer.from(A, 'base64')]]),
  });
  expect(keyRing({ CAMPAIGN_SYNC_ENCRYPTION_KEY_ID: 'x' })).toBeUndefined();
});
