import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { startCodecServer } from '../src/codec/codec-server';
import { EncryptionCodec } from '../src/codec/encryption-codec';
import { generatedAccountCredentials } from '../mock-api/accounts';
import { ENCRYPTION_KEY_ID, Stack } from '../dev-stack/stack';
import { findSecretLeaks, stackSecrets } from '../dev-stack/secret-leaks';

const LOGIN = generatedAccountCredentials(1);

jest.setTimeout(180_000);

const KEY = randomBytes(32).toString('base64');
let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start(
    { generatedAccounts: 1, campaignsPerAccount: 12, rateLimit: 10, rateWindowMs: 1000, rate503: 0, hangRate: 0, syncLatencyMs: 20 },
    { encryptionKey: KEY },
  );
  await stack.addClient('sealed', LOGIN, { rateLimit: 10, rateWindowMs: 1000 });
  await stack.startWorker();
});
afterAll(() => stack?.stop());

/** Every payload anywhere in a history (inputs, results, query-free events), found by shape. */
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (value && typeof value === 'object') {
    const candidate = value as Payload;
    if (candidate.metadata && 'data' in candidate) found.push(candidate);
    else for (const child of Object.values(value)) payloadsIn(child, found);
  }
  return found;
}

/**
 * Payloads that are not ours to encrypt: a local activity marker's `data` (sequence number,
 * attempt, times) and a patch marker's patch id, which the SDK writes for its own bookkeeping,
 * and search attributes, which are for the server to index, so no codec ever encodes them (ours
 * hold a client id and an outcome; the SDK's TemporalChangeVersion names the patches).
 */
type WithSearchAttributes = { searchAttributes?: { indexedFields?: Record<string, unknown> | null } | null } | null;
interface HistoryEvent {
  markerRecordedEventAttributes?: { markerName?: string | null; details?: Record<string, unknown> | null } | null;
}
const SEARCH_ATTRIBUTE_NAMES = ['TemporalChangeVersion', 'CampaignSyncClientId', 'CampaignSyncOutcome'];
function bookkeepingPayloads(history: { events?: HistoryEvent[] | null }): Set<Payload> {
  const found = new Set<Payload>();
  for (const event of history.events ?? []) {
    const marker = event.markerRecordedEventAttributes;
    // Set at a start, a child's start or an upsert.
    const indexed = Object.assign(
      {},
      ...Object.values(event).map((attributes) => (attributes as WithSearchAttributes)?.searchAttributes?.indexedFields),
    );
    expect(SEARCH_ATTRIBUTE_NAMES).toEqual(expect.arrayContaining(Object.keys(indexed)));
    const own = marker?.details ? (marker.markerName === 'core_patch' ? marker.details : { data: marker.details.data }) : indexed;
    for (const payload of payloadsIn(own)) found.add(payload);
  }
  return found;
}

const text = (payloads: Payload[]) => payloads.map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8')).join('\n');

test('with a key set, every payload in history is AES-GCM ciphertext, and the sync still works', async () => {
  const handle = await stack.startSync({ clientId: 'sealed', pageSize: 5 });
  const summary = await handle.result();
  expect(summary).toMatchObject({ state: 'completed', listed: 12, synced: 12 });
  expect(await stack.campaignRows('sealed')).toHaveLength(12);

  // Read the raw history with a client that has no codec: what is stored at rest.
  const raw = new Client({ connection: stack.temporal.connection });
  const history = await raw.workflow.getHandle(handle.workflowId).fetchHistory();
  const all = payloadsIn(history);
  const bookkeeping = bookkeepingPayloads(history);
  const payloads = all.filter((p) => !bookkeeping.has(p));
  expect(payloads.length).toBeGreaterThan(10);
  for (const payload of payloads) {
    expect(Buffer.from(payload.metadata!.encoding!).toString()).toBe('binary/encrypted');
  }
  expect(text(all)).not.toContain('Campaign 1');
  // The same payloads, decrypted, hold the campaign data: the search above could have found it.
  const codec = new EncryptionCodec(Buffer.from(KEY, 'base64'), ENCRYPTION_KEY_ID);
  expect(text(await codec.decode(payloads))).toContain('Campaign 1');
  // A wrong key cannot read them (GCM authenticates).
  await expect(new EncryptionCodec(randomBytes(32), ENCRYPTION_KEY_ID).decode(payloads.slice(0, 1))).rejects.toThrow();
});

test('the codec server decodes payloads for the Web UI, for its origin only', async () => {
  const codec = new EncryptionCodec(Buffer.from(KEY, 'base64'), ENCRYPTION_KEY_ID);
  const origin = 'http://localhost:8233';
  const server = await startCodecServer(codec, { port: 0, uiOrigin: origin });
  try {
    const [sealed] = await codec.encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"name":"Campaign 1"}') },
    ]);
    const body = {
      payloads: [
        {
          metadata: {
            encoding: Buffer.from(sealed!.metadata!.encoding!).toString('base64'),
            'encryption-key-id': Buffer.from(sealed!.metadata!['encryption-key-id']!).toString('base64'),
          },
          data: Buffer.from(sealed!.data!).toString('base64'),
        },
      ],
    };
    const response = await fetch(`${server.url}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    const decoded = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(decoded.payloads[0]!.data, 'base64').toString()).toBe('{"name":"Campaign 1"}');
    expect(Buffer.from(decoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
  } finally {
    await server.close();
  }
});

test('the leak search reads encrypted histories decrypted: campaign data is found there, no secret anywhere', async () => {
  const campaign = { name: 'campaign data', value: 'Campaign 1' }; // only in payloads, and only once decrypted
  const secrets = await stackSecrets(stack);
  expect(secrets.map((secret) => secret.name)).toContain('history encryption key');
  const { leaks } = await findSecretLeaks(stack, [...secrets, campaign]);
  expect(leaks.filter((leak) => leak.secret !== campaign.name)).toEqual([]);
  const places = leaks.map((leak) => leak.place);
  expect(places).toEqual(expect.arrayContaining([expect.stringMatching(/decoded payloads/)]));
  expect(places.filter((place) => /\(raw\)|log line/.test(place))).toEqual([]);
});
