import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { EncryptionCodec, PayloadDecryptionError } from '../../src/codec/encryption-codec';

const A = randomBytes(32);
const B = randomBytes(32);
const plain: Payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"name":"Campaign 1"}') };
const ring = (currentKeyId: string, keys: Record<string, Buffer>) =>
  new EncryptionCodec({ currentKeyId, keys: new Map(Object.entries(keys)) });
const keyIdOf = (payload: Payload) => Buffer.from(payload.metadata!['encryption-key-id']!).toString();

test('after a rotation, new payloads carry the new key id and old ones still decrypt', async () => {
  const before = ring('a', { a: A });
  const after = ring('b', { a: A, b: B });
  const [old] = await before.encode([plain]);
  const [fresh] = await after.encode([plain]);
  expect([keyIdOf(old!), keyIdOf(fresh!)]).toEqual(['a', 'b']);
  expect(await after.decode([old!, fresh!])).toEqual([plain, plain].map((p) => expect.objectContaining({ data: p.data })));
});

test('a payload under a key id the ring lacks is a PayloadDecryptionError naming the id, never a key', async () => {
  const [sealed] = await ring('b', { b: B }).encode([plain]);
  const attempt = ring('a', { a: A }).decode([sealed!]);
  await expect(attempt).rejects.toBeInstanceOf(PayloadDecryptionError);
  await expect(attempt).rejects.toThrow('payload encrypted with key id "b", which is not in this process\'s key ring (ids: a)');
  await attempt.catch((err: Error) => {
    for (const key of [A, B]) expect(err.message).not.toContain(key.toString('base64'));
  });
});

test('the same id with another key fails authentication, as a PayloadDecryptionError', async () => {
  const [sealed] = await ring('a', { a: A }).encode([plain]);
  await expect(ring('a', { a: B }).decode([sealed!])).rejects.toThrow('does not decrypt with key id "a"');
});

test('payloads that are not encrypted pass through', async () => {
  expect(await ring('a', { a: A }).decode([plain])).toEqual([plain]);
});
