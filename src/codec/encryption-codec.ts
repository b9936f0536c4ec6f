import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { KEY_BYTES, keyRing, type KeyRing } from './key-ring';

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * A payload this process cannot decrypt: sealed with a key id it does not hold (a key removed
 * from the ring too early), or with a different key under that id. Names the id, never a key.
 */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

/**
 * Encrypts every payload Temporal stores (workflow inputs, results, activity arguments, campaign
 * data, and with encoded failures their messages and stack traces) with AES-256-GCM, so the history
 * at rest holds no campaign data in the clear. The whole original payload (metadata and data) is
 * encrypted with the ring's current key; the key id travels in the metadata, so any key of the
 * ring decrypts what it sealed.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly ring: KeyRing) {
    for (const [id, key] of ring.keys)
      if (key.length !== KEY_BYTES) throw new Error(`encryption key "${id}" must be 32 bytes, base64-encoded (openssl rand -base64 32)`);
    if (!ring.keys.has(ring.currentKeyId)) throw new Error(`the current encryption key id "${ring.currentKeyId}" names no key of the ring`);
  }

  /** A ring of one key (tests and the older single-key setting). */
  static withKey(key: Buffer, keyId: string): EncryptionCodec {
    return new EncryptionCodec({ currentKeyId: keyId, keys: new Map([[keyId, key]]) });
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.ring.currentKeyId;
    const key = this.ring.keys.get(keyId)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [METADATA_ENCODING_KEY]: utf8(ENCODING), [KEY_ID]: utf8(keyId) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (new TextDecoder().decode(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCODING) return payload;
      const keyId = new TextDecoder().decode(payload.metadata?.[KEY_ID]);
      const key = this.ring.keys.get(keyId);
      if (!key)
        throw new PayloadDecryptionError(
          `payload encrypted with key id "${keyId}", which is not in this process's key ring (ids: ${[...this.ring.keys.keys()].join(', ')}); add it to CAMPAIGN_SYNC_ENCRYPTION_KEYS`,
        );
      const data = Buffer.from(payload.data ?? new Uint8Array());
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
        return temporal.api.common.v1.Payload.decode(plain) as Payload;
      } catch {
        throw new PayloadDecryptionError(`payload does not decrypt with key id "${keyId}": that id names a different key here`);
      }
    });
  }
}

/** The codec when a key is configured (the flag), else none: payloads stay plain JSON. */
export function encryptionCodec(settings: Parameters<typeof keyRing>[0]): EncryptionCodec | undefined {
  const ring = keyRing(settings);
  return ring && new EncryptionCodec(ring);
}

/** Where the failure converter that encodes messages and stack traces lives, for bundles and `failureConverterPath`. */
export const ENCODED_FAILURE_CONVERTER_PATH = require.resolve('./encoded-failure-converter');

/** With a codec, failures are encoded too, so their text is encrypted with the payloads. */
export function dataConverter(codec: PayloadCodec | undefined): DataConverter | undefined {
  return codec ? { payloadCodecs: [codec], failureConverterPath: ENCODED_FAILURE_CONVERTER_PATH } : undefined;
}
