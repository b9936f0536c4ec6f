import { readFileSync } from 'node:fs';
import type { Payload } from '@temporalio/common';
import type { Stack } from '../../dev-stack/stack';

/** A secret to look for, and what to call it in a report (never its value). */
export interface NamedSecret {
  name: string;
  value: string;
}

/** Where a secret was found: `histories (decoded payloads)`, `worker 1 log line 12`, `table public.sync_runs`, `worker 0 /metrics`. */
export interface SecretLeak {
  secret: string;
  place: string;
}

export interface SecretSearch {
  leaks: SecretLeak[];
  /** How much was searched, so a test can tell an empty search from a clean one. */
  searched: { histories: number; payloads: number; logLines: number; tables: number; metricsPages: number };
}

/** The password and the Basic header of a platform login: what the worker sends for a token. */
export const loginSecrets = (login: { email: string; password: string }, name = login.email): NamedSecret[] => [
  { name: `${name} password`, value: login.password },
  { name: `${name} Basic header`, value: Buffer.from(`${login.email}:${login.password}`).toString('base64') },
];

/**
 * Every secret the stack has handed out or seen issued, by name. One line per kind: a part that
 * gives the stack a new secret (a Temporal API key, a TLS private key, a codec token) adds it here.
 */
export async function stackSecrets(stack: Stack): Promise<NamedSecret[]> {
  return [
    ...stack.logins.flatMap((login) => loginSecrets(login)),
    ...(await stack.mock.tokens()).map((value, i) => ({ name: `platform token ${i + 1}`, value })),
    ...Object.entries(stack.encryption?.keys ?? {}).map(([id, value]) => ({ name: `history encryption key ${id}`, value })),
    ...temporalSecrets(stack.temporalEnv),
  ];
}

/** The secrets a client of a secured Temporal holds: its API key, and its TLS private key (the first line of the PEM body). */
function temporalSecrets(env: Record<string, string>): NamedSecret[] {
  const secrets: NamedSecret[] = [];
  if (env.TEMPORAL_API_KEY) secrets.push({ name: 'Temporal API key', value: env.TEMPORAL_API_KEY });
  const keyFile = env.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const keyLine =
    keyFile &&
    readFileSync(keyFile, 'utf8')
      .split('\n')
      .find((line) => line && !line.startsWith('-----'));
  if (keyLine) secrets.push({ name: 'Temporal TLS client key', value: keyLine });
  return secrets;
}

/** Every Temporal payload in a history (any object with `data` bytes and `metadata`), at any depth. */
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const candidate = value as Payload;
  if (candidate.data instanceof Uint8Array && candidate.metadata && typeof candidate.metadata === 'object') found.push(candidate);
  for (const item of Array.isArray(value) ? value : Object.values(value)) payloadsIn(item, found);
  return found;
}

/** A history as the server stores and serves it: JSON with every byte field in base64. */
const rawJson = (history: unknown): string =>
  JSON.stringify(history, function (this: Record<string, unknown>, key, value: unknown) {
    const original = this[key];
    return original instanceof Uint8Array ? Buffer.from(original).toString('base64') : value;
  });

/** A payload's metadata and data as text, after the stack's codec (decryption) when it has one. */
async function decodedText(stack: Stack, payload: Payload): Promise<string> {
  let decoded = payload;
  if (stack.codec) decoded = (await stack.codec.decode([payload]).catch(() => [payload]))[0] ?? payload;
  const utf8 = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : '');
  return [...Object.values(decoded.metadata ?? {}).map(utf8), utf8(decoded.data)].join('\n');
}

/** The text of every row of every table of the application's database, by table. */
async function tableTexts(stack: Stack): Promise<Map<string, string>> {
  const pool = stack.database.pool;
  const { rows: tables } = await pool.query<{ name: string }>(
    `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
  );
  const texts = new Map<string, string>();
  for (const { name } of tables) {
    // The name comes from format('%I'), quoted as PostgreSQL quotes identifiers.
    const { rows } = await pool.query<{ t: string | null }>(`SELECT string_agg(row_to_json(r)::text, E'\\n') AS t FROM ${name} r`);
    texts.set(name, rows[0]?.t ?? '');
  }
  return texts;
}

/**
 * Searches everything a full sync leaves behind for each secret: every history of the stack's
 * task queue both raw (the server's JSON, bytes in base64) and decoded (each payload's data and
 * metadata as text, decrypted with the stack's codec), every line every worker printed, every
 * table of the application database, and each running worker's /metrics.
 */
export async function findSecretLeaks(
  stack: Stack,
  secrets: readonly NamedSecret[],
  /** Output of processes outside the stack (the CLI, a codec server), searched line by line too. */
  otherOutputs: Record<string, string> = {},
): Promise<SecretSearch> {
  const empty = secrets.filter((secret) => secret.value.length < 4).map((secret) => secret.name);
  if (empty.length > 0) throw new Error(`secrets too short to search for: ${empty.join(', ')}`);
  const places: { place: string; text: string }[] = [];
  const histories = await stack.historyObjects();
  let payloads = 0;
  for (const [i, history] of histories.entries()) {
    places.push({ place: `history ${i} (raw)`, text: rawJson(history) });
    const found = payloadsIn(history);
    payloads += found.length;
    places.push({
      place: `history ${i} (decoded payloads)`,
      text: (await Promise.all(found.map((p) => decodedText(stack, p)))).join('\n'),
    });
  }
  let logLines = 0;
  for (const [w, worker] of stack.workers.entries()) {
    for (const [n, line] of worker.output().split('\n').entries()) {
      logLines += 1;
      places.push({ place: `worker ${w} log line ${n + 1}`, text: line });
    }
  }
  for (const [what, output] of Object.entries(otherOutputs)) {
    for (const [n, line] of output.split('\n').entries()) {
      logLines += 1;
      places.push({ place: `${what} log line ${n + 1}`, text: line });
    }
  }
  const tables = await tableTexts(stack);
  for (const [table, text] of tables) places.push({ place: `table ${table}`, text });
  let metricsPages = 0;
  for (const [w, worker] of stack.workers.entries()) {
    const running = worker.child.exitCode === null && worker.child.signalCode === null;
    if (!running || !worker.metricsUrl) continue;
    const response = await fetch(worker.metricsUrl);
    if (!response.ok) throw new Error(`worker ${w}'s ${worker.metricsUrl} answered ${response.status}`);
    places.push({ place: `worker ${w} /metrics`, text: await response.text() });
    metricsPages += 1;
  }
  const leaks = places.flatMap(({ place, text }) =>
    secrets.filter((secret) => text.includes(secret.value)).map((secret) => ({ secret: secret.name, place })),
  );
  return { leaks, searched: { histories: histories.length, payloads, logLines, tables: tables.size, metricsPages } };
}
