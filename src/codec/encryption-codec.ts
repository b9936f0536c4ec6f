import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * Encrypts every payload Temporal stores (workflow inputs, results, activity arguments, campaign
 * data) with AES-256-GCM, so the history at rest holds no campaign data in the clear. The whole
 * original payload (metadata and data) is encrypted; the key id travels in the metadata.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(
    private readonly key: Buffer,
    private readonly keyId: string,
  ) {
    if (key.length !== 32) throw new Error('CAMPAIGN_SYNC_ENCRYPTION_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)');
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [METADATA_ENCODING_KEY]: utf8(ENCODING), [KEY_ID]: utf8(this.keyId) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (new TextDecoder().decode(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCODING) return payload;
      const keyId = new TextDecoder().decode(payload.metadata?.[KEY_ID]);
      if (keyId !== this.keyId) throw new Error(`payload encrypted with key "${keyId}", but this process has key "${this.keyId}"`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', this.key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}

/** The codec when CAMPAIGN_SYNC_ENCRYPTION_KEY is set (the flag), else none: payloads stay plain JSON. */
export function encryptionCodec(settings: {
  CAMPAIGN_SYNC_ENCRYPTION_KEY?: string;
  CAMPAIGN_SYNC_ENCRYPTION_KEY_ID: string;
}): EncryptionCodec | undefined {
  if (!settings.CAMPAIGN_SYNC_ENCRYPTION_KEY) return undefined;
  return new EncryptionCodec(Buffer.from(settings.CAMPAIGN_SYNC_ENCRYPTION_KEY, 'base64'), settings.CAMPAIGN_SYNC_ENCRYPTION_KEY_ID);
}

export function dataConverter(codec: PayloadCodec | undefined): DataConverter | undefined {
  return codec ? { payloadCodecs: [codec] } : undefined;
}
