import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { closest, distance } from 'fastest-levenshtein';
import { currentKeyProblem, KEY_BYTES, parseKeyList } from './codec/key-ring';
import { DEFAULT_ANSWER_BOUNDS } from './platform/answer-bounds';
import type { PlatformLimits } from './platform/api';
import { isCredentialVariable } from './platform/credentials';
import { readSecretFile, SecretFileError } from './secret-file';

/** The folder holding package.json, found the same way compiled (dist/src) and from source (tests). */
export const PROJECT_ROOT = folderWithPackageJson(__dirname);

function folderWithPackageJson(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in ${start} or above it`);
  }
}

const port = z.coerce.number().int().min(1).max(65535);
/** The `temporal` CLI's spelling of a boolean variable (it reads `1` and `true` as on). */
const booleanText = z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' });

/** A comma-separated list, each item checked by `item`. */
const list = (item: z.ZodString) =>
  z.string().transform((text, ctx) => {
    const items = text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    for (const value of items) {
      const checked = item.safeParse(value);
      if (!checked.success) ctx.addIssue({ code: 'custom', message: checked.error.issues[0]!.message });
    }
    return items;
  });

/** Batch activities mostly wait for rate slots and answers: cheap to hold, so a worker runs many. */
export const DEFAULT_MAX_CONCURRENT_ACTIVITIES = 1000;
/**
 * A sync's first workflow task waits for a local activity (its policy and sync_runs row); when a fleet starts at once, 100 such
 * tasks in flight (the SDK's default is 40) brought the last client's first request from 3.5 s to
 * 2.5 s after the start (ARCHITECTURE.md).
 */
export const DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS = 100;

const settingsSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must look like postgres://user:password@host:5432/database')
    .optional(),
  CAMPAIGN_SYNC_DATA_DIR: z.string().default(join(PROJECT_ROOT, 'data')),
  EMBEDDED_PG_PORT: port.default(54329),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:/]+:\d+$/, 'must be host:port, for example 127.0.0.1:7233')
    .optional(),
  /** Unset: the profile's namespace, else `default` (src/infra/temporal-connection.ts applies the default, after the profile). */
  TEMPORAL_NAMESPACE: z.string().min(1).optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('campaign-sync'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).default(DEFAULT_MAX_CONCURRENT_ACTIVITIES),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).default(DEFAULT_MAX_CONCURRENT_WORKFLOW_TASKS),
  /** Workflows a worker keeps in memory between their tasks; unset: the SDK's default for the heap size. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  /** Port of the worker's Prometheus endpoint (`/metrics`); unset: none. */
  WORKER_METRICS_PORT: port.optional(),
  /** Address it listens on: 0.0.0.0 in a container, for Prometheus to reach it. */
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  PLATFORM_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  /** A request with no response headers by then is treated as hung and retried. */
  PLATFORM_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  PLATFORM_BODY_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /**
   * A successful answer's body, at most (a page of 100 campaigns is about 25 KB). Below Temporal's
   * 2 MB payload limit, since a page's campaigns become an activity result.
   */
  PLATFORM_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .max(1_900_000, "must stay below Temporal's 2 MB payload limit: a page's campaigns are an activity result")
    .default(DEFAULT_ANSWER_BOUNDS.maxBodyBytes),
  /** The longest wait a 429 may impose (3 windows at the reference limit); a longer one is clamped, logged and counted. */
  PLATFORM_MAX_RETRY_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(3_600_000, 'must be at most an hour: a sync never sleeps for hours on what a platform says')
    .default(DEFAULT_ANSWER_BOUNDS.maxRetryAfterMs),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  // --- History encryption and the codec endpoint ---
  /** 32 bytes, base64: when set, every payload in Temporal history is encrypted (AES-256-GCM). The single-key form. */
  CAMPAIGN_SYNC_ENCRYPTION_KEY: z
    .string()
    .refine((key) => Buffer.from(key, 'base64').length === KEY_BYTES, 'must be 32 bytes in base64 (openssl rand -base64 32)')
    .optional(),
  /** The key ring, `id1:base64,id2:base64`: encrypt with CAMPAIGN_SYNC_ENCRYPTION_KEY_ID's key, decrypt with any (rotation). */
  CAMPAIGN_SYNC_ENCRYPTION_KEYS: z
    .string()
    .superRefine((text, ctx) => {
      try {
        parseKeyList(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .optional(),
  /** The id of the key that encrypts (written into each payload's metadata). */
  CAMPAIGN_SYNC_ENCRYPTION_KEY_ID: z.string().min(1).default('campaign-sync-1'),
  /** `true`: refuse to start (worker, CLI, codec server) without a key, so a misconfigured deployment never writes plaintext history. */
  CAMPAIGN_SYNC_REQUIRE_ENCRYPTION: z
    .enum(['true', 'false'], 'must be true or false')
    .default('false')
    .transform((value) => value === 'true'),
  /** Port of the codec server the Web UI calls to show encrypted payloads. */
  CODEC_SERVER_PORT: port.default(8888),
  /** The Web UI origins (comma-separated), the only browser pages the codec server answers; unset: the local UI on TEMPORAL_UI_PORT. */
  CODEC_SERVER_UI_ORIGIN: list(
    z.string().regex(/^https?:\/\/[^\s/,]+$/, 'must be origins (scheme, host and port, no path), for example http://localhost:8233'),
  ).optional(),
  /** Address the codec server listens on; anything but loopback needs a credential below. */
  CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  /** Host header values it serves (DNS-rebinding guard); unset: localhost, 127.0.0.1 and [::1] on its port. */
  CODEC_SERVER_ALLOWED_HOSTS: list(z.string().regex(/^[^\s/,]+$/, 'must be host names, each with an optional :port')).optional(),
  /** A shared bearer token (at least 32 characters: `openssl rand -hex 32`) callers send as `Authorization: Bearer <token>`. */
  CODEC_SERVER_TOKEN: z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)').optional(),
  /** JWKS of the identity provider whose access tokens the Web UI forwards ("pass access token"). */
  CODEC_SERVER_JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL of a JWKS' }).optional(),
  CODEC_SERVER_JWT_ISSUER: z.string().min(1).optional(),
  CODEC_SERVER_JWT_AUDIENCE: z.string().min(1).optional(),
  /** Namespaces (comma-separated) whose payloads it decodes, as the X-Namespace header names them; unset: TEMPORAL_NAMESPACE. */
  CODEC_SERVER_NAMESPACES: list(z.string().min(1)).optional(),
  /** `true`: serve /encode too (it encrypts whatever it is sent under the current key; the Web UI needs it only to send signals). */
  CODEC_SERVER_ENABLE_ENCODE: z
    .enum(['true', 'false'], 'must be true or false')
    .default('false')
    .transform((value) => value === 'true'),
  /** PEM certificate and key: serve HTTPS (set both). */
  CODEC_SERVER_TLS_CERT_FILE: z.string().min(1).optional(),
  CODEC_SERVER_TLS_KEY_FILE: z.string().min(1).optional(),
  /** A request body, at most (a larger one is 413), and payloads per request. */
  CODEC_SERVER_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(4 * 1024 * 1024),
  CODEC_SERVER_MAX_PAYLOADS: z.coerce.number().int().min(1).default(1000),
  // --- end of history encryption and the codec endpoint ---

  // --- Database roles and limits (least privilege: `campaign-sync migrate` as the owner, workers and CLI as a runtime role) ---
  /** The owner role's URL, for `campaign-sync migrate` only; unset: DATABASE_URL. */
  DATABASE_OWNER_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must look like postgres://owner:password@host:5432/database')
    .optional(),
  /** The runtime role's password when DATABASE_URL has none, so it can live in a secret file (DATABASE_PASSWORD_FILE). */
  DATABASE_PASSWORD: z.string().optional(),
  /** true: workers and the CLI on DATABASE_URL migrate at start, as before `campaign-sync migrate` (their role then needs DDL rights). */
  DATABASE_MIGRATE_ON_START: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true'),
  /** Days of campaign history (snapshots) `campaign-sync maintain` keeps; unset: all. */
  HISTORY_KEEP_DAYS: z.coerce.number().int().min(1).optional(),
  /** Any statement, and any transaction left idle, longer than this is cancelled by the server. */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(1000).default(20_000),
  /** Opening a connection, or waiting for a free one of the pool, at most. */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(500).default(10_000),

  // --- Temporal connection: the `temporal` CLI's variables, read by @temporalio/envconfig.
  // Parsed here so a typo'd value fails as one line; src/infra/temporal-connection.ts turns them into options.
  /** A temporal.toml other than the user's (~/.config/temporalio/temporal.toml), shared with the `temporal` CLI. */
  TEMPORAL_CONFIG_FILE: z.string().min(1).optional(),
  /** The profile of that file to use; unset: `default` when the file has one. */
  TEMPORAL_PROFILE: z.string().min(1).optional(),
  /** Sent as `Authorization: Bearer`; turns TLS on unless TEMPORAL_TLS=false. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /**
   * A file holding the API key, re-read when it changes (rotation without a restart). Kept as a path,
   * not folded into TEMPORAL_API_KEY like the other secrets' `_FILE`s, because it is watched.
   */
  TEMPORAL_API_KEY_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS: booleanText.optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_CERT_DATA: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CLIENT_KEY_DATA: z.string().min(1).optional(),
  /** The name the server's certificate carries, when the address's host is not it. */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** Accepted because the `temporal` CLI has it; `true` is refused: the TypeScript SDK cannot skip the check. */
  TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: booleanText.optional(),
  // --- end of Temporal connection
});

export type Settings = z.infer<typeof settingsSchema>;

/** Every variable the settings read (deployment files are checked against it). */
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as (keyof Settings)[];

export class ConfigError extends Error {}

/**
 * Settings that are secrets: each may come instead from the file named by `<NAME>_FILE`, the
 * container convention (Docker and Kubernetes secrets), so it need not sit in the environment.
 */
export const SECRET_SETTINGS = [
  'DATABASE_URL',
  'CAMPAIGN_SYNC_ENCRYPTION_KEY',
  'DATABASE_OWNER_URL',
  'DATABASE_PASSWORD',
  'CAMPAIGN_SYNC_ENCRYPTION_KEYS',
  'CODEC_SERVER_TOKEN',
] as const satisfies readonly (keyof Settings)[];

/**
 * The environment with each `<NAME>_FILE` of a secret setting replaced by the file's text (one
 * trailing newline dropped); a file others may read or write is refused (src/secret-file.ts).
 */
function withSecretFiles(env: Record<string, string>): Record<string, string> {
  const resolved = { ...env };
  for (const name of SECRET_SETTINGS) {
    const fileVariable = `${name}_FILE`;
    const file = resolved[fileVariable];
    if (file === undefined) continue;
    if (resolved[name] !== undefined) throw new ConfigError(`Set ${name} or ${fileVariable}, not both`);
    try {
      resolved[name] = readSecretFile(fileVariable, file).text.replace(/\r?\n$/, '');
    } catch (err) {
      throw err instanceof SecretFileError ? new ConfigError(err.message) : err;
    }
    delete resolved[fileVariable];
  }
  return resolved;
}

/**
 * Variables with a campaign-sync prefix read outside the schema above (test-only ones, files read
 * elsewhere): known, so the misspelling check leaves them alone. Add yours here.
 */
export const OTHER_VARIABLES: readonly string[] = ['CAMPAIGN_SYNC_SECRETS_FILE', 'CAMPAIGN_SYNC_VERSION'];

/** The prefixes whose variables must be known: a misspelled one would otherwise be silently ignored (encryption left off, say). */
const CHECKED_PREFIXES = ['CAMPAIGN_SYNC_', 'CODEC_SERVER_'];

/** The first variable with a checked prefix that no part of campaign-sync reads, as one line suggesting the nearest name. */
export function unknownVariableProblem(names: readonly string[]): string | undefined {
  const known = [...SETTING_NAMES, ...SECRET_SETTINGS.map((name) => `${name}_FILE`), ...OTHER_VARIABLES];
  const unknown = names.find(
    (name) => CHECKED_PREFIXES.some((prefix) => name.startsWith(prefix)) && !known.includes(name) && !isCredentialVariable(name),
  );
  if (unknown === undefined) return undefined;
  const nearest = closest(unknown, known);
  // Farther than a third of the name: a guess would mislead more than it helps.
  const hint =
    distance(unknown, nearest) <= Math.ceil(unknown.length / 3)
      ? `did you mean ${nearest}?`
      : 'no setting has that name (see the settings table in docs/configuration.md)';
  return `Unknown variable ${unknown}: ${hint} Unset or rename it`;
}

/** Rules between settings, each as [variable, one line]; the schema checks each value alone. */
function crossSettingProblem(settings: Settings): [string, string] | undefined {
  const keys = settings.CAMPAIGN_SYNC_ENCRYPTION_KEYS;
  if (keys && settings.CAMPAIGN_SYNC_ENCRYPTION_KEY)
    return ['CAMPAIGN_SYNC_ENCRYPTION_KEY', 'set it or CAMPAIGN_SYNC_ENCRYPTION_KEYS, not both (list the older key in the ring)'];
  const problem = keys && currentKeyProblem(parseKeyList(keys), settings.CAMPAIGN_SYNC_ENCRYPTION_KEY_ID);
  if (problem) return ['CAMPAIGN_SYNC_ENCRYPTION_KEY_ID', problem];
  if (settings.CAMPAIGN_SYNC_REQUIRE_ENCRYPTION && !keys && !settings.CAMPAIGN_SYNC_ENCRYPTION_KEY)
    return [
      'CAMPAIGN_SYNC_REQUIRE_ENCRYPTION',
      'true, but no encryption key is set; set CAMPAIGN_SYNC_ENCRYPTION_KEYS (or CAMPAIGN_SYNC_ENCRYPTION_KEYS_FILE) and CAMPAIGN_SYNC_ENCRYPTION_KEY_ID',
    ];
  const jwt = [settings.CODEC_SERVER_JWKS_URL, settings.CODEC_SERVER_JWT_ISSUER, settings.CODEC_SERVER_JWT_AUDIENCE];
  if (jwt.some(Boolean) && !jwt.every(Boolean))
    return ['CODEC_SERVER_JWKS_URL', 'set it with CODEC_SERVER_JWT_ISSUER and CODEC_SERVER_JWT_AUDIENCE, all three or none'];
  if (Boolean(settings.CODEC_SERVER_TLS_CERT_FILE) !== Boolean(settings.CODEC_SERVER_TLS_KEY_FILE))
    return ['CODEC_SERVER_TLS_CERT_FILE', 'set it and CODEC_SERVER_TLS_KEY_FILE together (PEM certificate and key)'];
  return undefined;
}

/** Reads settings from the environment; a bad value becomes one line that names the variable. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const unknown = unknownVariableProblem(Object.keys(env));
  if (unknown) throw new ConfigError(unknown);
  const present = withSecretFiles(
    Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')),
  );
  const parsed = settingsSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Invalid ${issue.path.join('.')}: ${issue.message}`);
  }
  const problem = crossSettingProblem(parsed.data);
  if (problem) throw new ConfigError(`Invalid ${problem[0]}: ${problem[1]}`);
  return withDatabasePassword(parsed.data);
}

/** DATABASE_PASSWORD goes into DATABASE_URL, which then names the whole connection (the password is nowhere else). */
function withDatabasePassword(settings: Settings): Settings {
  const { DATABASE_PASSWORD: password, ...rest } = settings;
  if (password === undefined) return settings;
  if (!settings.DATABASE_URL) throw new ConfigError('Invalid DATABASE_PASSWORD: set DATABASE_URL too (the password is for its role)');
  const url = new URL(settings.DATABASE_URL);
  if (url.password) throw new ConfigError('Invalid DATABASE_PASSWORD: DATABASE_URL has a password already; keep one of them');
  // Percent-encoded in full: the URL setter leaves `%` as it is, and pg decodes the password.
  url.password = encodeURIComponent(password);
  return { ...rest, DATABASE_URL: url.toString() };
}

export const platformLimits = (settings: Settings): PlatformLimits => ({
  connectMs: settings.PLATFORM_CONNECT_TIMEOUT_MS,
  headersMs: settings.PLATFORM_HEADERS_TIMEOUT_MS,
  bodyMs: settings.PLATFORM_BODY_TIMEOUT_MS,
  maxBodyBytes: settings.PLATFORM_MAX_BODY_BYTES,
  maxRetryAfterMs: settings.PLATFORM_MAX_RETRY_AFTER_MS,
});

export const dataPaths = (settings: Settings) => ({
  temporalDb: join(settings.CAMPAIGN_SYNC_DATA_DIR, 'temporal', 'dev-server.sqlite'),
  embeddedPostgres: join(settings.CAMPAIGN_SYNC_DATA_DIR, 'postgres'),
});

/** The Web UI origins the codec server answers: CODEC_SERVER_UI_ORIGIN, else the local UI. */
export const codecServerUiOrigins = (settings: Settings): string[] =>
  settings.CODEC_SERVER_UI_ORIGIN ?? [`http://localhost:${settings.TEMPORAL_UI_PORT}`];

/** Where a worker serves its metrics: WORKER_METRICS_PORT, else `defaultPort`, else nowhere. */
export function metricsAddress(settings: Settings, defaultPort?: number): string | undefined {
  const port = settings.WORKER_METRICS_PORT ?? defaultPort;
  return port === undefined ? undefined : `${settings.WORKER_METRICS_HOST}:${port}`;
}

/** The role `campaign-sync migrate` applies migrations as: DATABASE_OWNER_URL, else DATABASE_URL. */
export const ownerDatabaseUrl = (settings: Settings): string | undefined => settings.DATABASE_OWNER_URL ?? settings.DATABASE_URL;

/** How the pool of a process connects: its name in pg_stat_activity, and the limits the server enforces. */
export const databasePoolOptions = (settings: Settings, applicationName: string) => ({
  applicationName,
  statementTimeoutMs: settings.DATABASE_STATEMENT_TIMEOUT_MS,
  connectTimeoutMs: settings.DATABASE_CONNECT_TIMEOUT_MS,
});
