import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { startCodecServer } from '../../src/codec/codec-server';
import { EncryptionCodec } from '../../src/codec/encryption-codec';
import { generatedAccountCredentials } from '../../mock-api/accounts';
import { encryptionCodecFor, encryptionEnv, Stack } from '../../dev-stack/stack';
import { freePort, spawnTied } from '../../dev-stack/processes';
import { findSecretLeaks, stackSecrets } from '../helpers/secret-leaks';
import { BUILT } from '../../dev-stack/built';
import { failureReason } from '../../src/cli/progress';
import { setClientSchedule } from '../../src/temporal-ops/schedules';
import { setClientEnabled } from '../../src/db/clients';
import { waitFor } from '../../src/infra/wait-for';
import { scheduleId } from '../../src/contract/sync';

const LOGIN = generatedAccountCredentials(1);

jest.setTimeout(180_000);

const KEY = randomBytes(32).toString('base64');
const TOKEN = randomBytes(32).toString('hex');
const ENCRYPTION = { keys: { 'key-a': KEY }, currentKeyId: 'key-a' };
let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start(
    { generatedAccounts: 1, campaignsPerAccount: 12, rateLimit: 10, rateWindowMs: 1000, rate503: 0, hangRate: 0, syncLatencyMs: 20 },
    { encryption: ENCRYPTION },
  );
  await stack.addClient('sealed', LOGIN, { rateLimit: 10, rateWindowMs: 1000 });
  await stack.addClient('sealed-off', LOGIN, { rateLimit: 10, rateWindowMs: 1000 });
  // A slow client (1 request a second), so its sync is still running when the worker is replaced.
  await stack.addClient('rotated', LOGIN, { rateLimit: 1, rateWindowMs: 1000 });
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
  const codec = encryptionCodecFor(ENCRYPTION);
  expect(text(await codec.decode(payloads))).toContain('Campaign 1');
  // A wrong key cannot read them (GCM authenticates).
  await expect(EncryptionCodec.withKey(randomBytes(32), 'key-a').decode(payloads.slice(0, 1))).rejects.toThrow();
});

test('the codec server decodes payloads for the Web UI, for its origin only', async () => {
  const codec = encryptionCodecFor(ENCRYPTION);
  const origin = 'http://localhost:8233';
  const server = await startCodecServer(codec, {
    port: 0,
    host: '127.0.0.1',
    uiOrigins: [origin],
    namespaces: ['default'],
    credentials: { token: TOKEN },
    encodeEnabled: false,
    maxBodyBytes: 4 * 1024 * 1024,
    maxPayloads: 100,
  });
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
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin, authorization: `Bearer ${TOKEN}` },
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

/** The codec endpoint as `npm run codec-server` runs it (the token from a file), asked with its token and with a wrong one: its output. */
async function codecServerProcessOutput(): Promise<string> {
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'codec-token-')), 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  const port = await freePort();
  let output = '';
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...encryptionEnv(ENCRYPTION),
    CODEC_SERVER_PORT: String(port),
    CODEC_SERVER_TOKEN_FILE: tokenFile,
  };
  const server = spawnTied(process.execPath, [BUILT.codecServer], { env, onOutput: (chunk) => (output += chunk) });
  try {
    await waitFor(
      'the codec server',
      async () => {
        if (!output.includes('codec server on')) throw new Error(output || 'no output yet');
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    for (const [token, status] of [
      [TOKEN, 200],
      ['f'.repeat(64), 403], // a credential, refused (none at all would be 401)
    ] as const) {
      const response = await fetch(`http://127.0.0.1:${port}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': 'default', authorization: `Bearer ${token}` },
        body: JSON.stringify({ payloads: [] }),
      });
      expect(response.status).toBe(status);
    }
  } finally {
    await server.stop();
  }
  return output;
}

test('the leak search reads encrypted histories decrypted: campaign data is found there, no secret anywhere (the codec token too)', async () => {
  const campaign = { name: 'campaign data', value: 'Campaign 1' }; // only in payloads, and only once decrypted
  const secrets = [...(await stackSecrets(stack)), { name: 'codec token', value: TOKEN }];
  expect(secrets.map((secret) => secret.name)).toContain('history encryption key key-a');
  const { leaks } = await findSecretLeaks(stack, [...secrets, campaign], { 'codec server': await codecServerProcessOutput() });
  expect(leaks.filter((leak) => leak.secret !== campaign.name)).toEqual([]);
  const places = leaks.map((leak) => leak.place);
  expect(places).toEqual(expect.arrayContaining([expect.stringMatching(/decoded payloads/)]));
  expect(places.filter((place) => /\(raw\)|log line/.test(place))).toEqual([]);
});

/** The key ids named by a history's encrypted payloads. */
const keyIdsIn = (payloads: Payload[]) =>
  new Set(payloads.filter((p) => p.metadata?.['encryption-key-id']).map((p) => Buffer.from(p.metadata!['encryption-key-id']!).toString()));

test('failure messages and stack traces are encrypted in history too', async () => {
  await setClientEnabled(stack.database.pool, 'sealed-off', false);
  const handle = await stack.startSync({ clientId: 'sealed-off' });
  // Decoded by the stack's client (it holds the key): the operator still reads the reason.
  const error = await handle.result().then(
    () => undefined,
    (err: Error) => err,
  );
  expect(failureReason(error!)).toContain('Client "sealed-off" is disabled');
  const raw = JSON.stringify(
    await new Client({ connection: stack.temporal.connection }).workflow.getHandle(handle.workflowId).fetchHistory(),
  );
  expect(raw).toContain('Encoded failure');
  expect(raw).not.toContain('is disabled');
});

test('rotating the key in the middle of a sync and after creating a schedule breaks neither', async () => {
  await setClientSchedule(stack.temporal, stack.taskQueue, 'rotated', { every: '1h' }, { jitterMs: 0, catchupWindowMs: 60_000 });
  const { workflowId } = await stack.startSync({ clientId: 'rotated', pageSize: 3 });
  const raw = new Client({ connection: stack.temporal.connection });
  await waitFor(
    'an activity scheduled under key A',
    async () => {
      const history = await raw.workflow.getHandle(workflowId).fetchHistory();
      if (!history.events?.some((event) => event.activityTaskScheduledEventAttributes)) throw new Error('no activity scheduled yet');
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );

  // Rotation: the ring gets key B as the current key; key A stays listed to read what it sealed.
  await stack.workers.at(-1)!.stop('SIGTERM');
  const rotated = { keys: { 'key-a': KEY, 'key-b': randomBytes(32).toString('base64') }, currentKeyId: 'key-b' };
  stack.useEncryption(rotated);
  await stack.startWorker();
  expect(await stack.temporal.workflow.getHandle(workflowId).result()).toMatchObject({ state: 'completed', listed: 12, synced: 12 });
  const history = await raw.workflow.getHandle(workflowId).fetchHistory();
  expect(keyIdsIn(payloadsIn(history))).toEqual(new Set(['key-a', 'key-b']));
  expect(text(await encryptionCodecFor(rotated).decode(payloadsIn(history)))).toContain('Campaign 1');

  // The schedule's action (its input sealed under key A) still starts syncs that complete.
  const schedule = stack.temporal.schedule.getHandle(scheduleId('rotated'));
  await schedule.trigger();
  const started = await waitFor(
    'the scheduled sync',
    async () => {
      const action = (await schedule.describe()).info.recentActions[0]?.action;
      if (!action) throw new Error('not started yet');
      return action.workflow.workflowId;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  expect(await stack.temporal.workflow.getHandle(started).result()).toMatchObject({
    ran: true,
    summary: { state: 'completed', listed: 12 },
  });
  await schedule.delete();
});

test('CAMPAIGN_SYNC_REQUIRE_ENCRYPTION=true without a key: the worker, the CLI and the codec server refuse to start, in one line', () => {
  const env = { PATH: process.env.PATH!, HOME: process.env.HOME!, CAMPAIGN_SYNC_REQUIRE_ENCRYPTION: 'true' };
  for (const [script, ...args] of [[BUILT.worker], [BUILT.cli, 'clients', 'list'], [BUILT.codecServer]] as const) {
    const run = spawnSync(process.execPath, [script, ...args], { env, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringContaining(
        'Invalid CAMPAIGN_SYNC_REQUIRE_ENCRYPTION: true, but no encryption key is set; set CAMPAIGN_SYNC_ENCRYPTION_KEYS',
      ),
    ]);
  }
});
