/**
 * The encryption keys a process holds: the current one encrypts, every listed one decrypts, so a
 * key can be rotated while syncs and schedules started under the old key keep running (their
 * payloads name the key that sealed them). Messages name key ids, never key material.
 */
export interface KeyRing {
  readonly currentKeyId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

export const KEY_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** `id1:base64,id2:base64` (spaces and newlines around entries allowed, for files) as a map; throws a message naming the bad entry's id. */
export function parseKeyList(text: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  const entries = text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error('must list at least one key as id:base64 (for example 2026-12:<openssl rand -base64 32>)');
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    if (!KEY_ID_PATTERN.test(id)) throw new Error(`entry ${index + 1} must be id:base64 with an id of letters, digits, '.', '_' or '-'`);
    if (keys.has(id)) throw new Error(`key id "${id}" is listed twice`);
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== KEY_BYTES) throw new Error(`key "${id}" must be 32 bytes in base64 (openssl rand -base64 32)`);
    keys.set(id, key);
  }
  return keys;
}

/** Why the current key id cannot encrypt with this ring, or undefined when it can. */
export function currentKeyProblem(keys: ReadonlyMap<string, Buffer>, currentKeyId: string): string | undefined {
  if (keys.has(currentKeyId)) return undefined;
  return `"${currentKeyId}" names no key in CAMPAIGN_SYNC_ENCRYPTION_KEYS (ids: ${[...keys.keys()].join(', ')}); set it to the id of the key to encrypt with`;
}

/**
 * The ring the settings describe: CAMPAIGN_SYNC_ENCRYPTION_KEYS, or the single
 * CAMPAIGN_SYNC_ENCRYPTION_KEY under CAMPAIGN_SYNC_ENCRYPTION_KEY_ID (the older form), or none.
 * The settings were validated by src/config.ts, so a problem here is a bug, not an operator error.
 */
export function keyRing(settings: {
  CAMPAIGN_SYNC_ENCRYPTION_KEYS?: string;
  CAMPAIGN_SYNC_ENCRYPTION_KEY?: string;
  CAMPAIGN_SYNC_ENCRYPTION_KEY_ID: string;
}): KeyRing | undefined {
  const currentKeyId = settings.CAMPAIGN_SYNC_ENCRYPTION_KEY_ID;
  if (settings.CAMPAIGN_SYNC_ENCRYPTION_KEYS) {
    const keys = parseKeyList(settings.CAMPAIGN_SYNC_ENCRYPTION_KEYS);
    const problem = currentKeyProblem(keys, currentKeyId);
    if (problem) throw new Error(`CAMPAIGN_SYNC_ENCRYPTION_KEY_ID ${problem}`);
    return { currentKeyId, keys };
  }
  if (settings.CAMPAIGN_SYNC_ENCRYPTION_KEY)
    return { currentKeyId, keys: new Map([[currentKeyId, Buffer.from(settings.CAMPAIGN_SYNC_ENCRYPTION_KEY, 'base64')]]) };
  return undefined;
}
