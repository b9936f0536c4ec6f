/**
 * The one place that turns settings into a connection to Temporal, for the worker (NativeConnection)
 * and the CLI (Connection) alike. It follows the `temporal` CLI's conventions through
 * @temporalio/envconfig (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*,
 * TEMPORAL_PROFILE / temporal.toml), so a profile that works for `temporal workflow list` works here.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { Connection, ServiceError } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, type Settings } from '../config';
import { describeTemporalConnectFailure, isCredentialRefusal, type TemporalConnectionSummary } from './temporal-connect-failure';
import { probeTemporalConnection } from './temporal-tls-probe';

export { describeTemporalConnectFailure, type TemporalConnectionSummary };

/** Where the API key comes from: a value, or a file re-read when it changes. */
export type ApiKeySource = { value: string; file?: undefined } | { file: string; value?: undefined };

/** Everything needed to connect, resolved once; holds key material, so it is never logged whole (log `summary`). */
export interface TemporalConnectionConfig {
  address: string;
  namespace: string;
  /** True when a setting or profile names the cluster; false: the local dev server (`npm start` starts one). */
  addressConfigured: boolean;
  /** undefined or false: plaintext. */
  tls: TLSConfig | boolean | undefined;
  apiKey: ApiKeySource | undefined;
  /** gRPC headers from the profile's grpc_meta. */
  metadata: Record<string, string> | undefined;
  /** What was configured, by name only: for log lines and for saying what to fix when connecting fails. */
  summary: TemporalConnectionSummary;
}

/** The settings envconfig reads, passed on as the environment it sees (so nothing else reads process.env). */
const ENVCONFIG_SETTINGS = [
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_PROFILE',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
] as const satisfies readonly (keyof Settings)[];

/** The variables envconfig uses to find the user's temporal.toml when TEMPORAL_CONFIG_FILE is unset. */
const CONFIG_DIR_VARIABLES = ['HOME', 'XDG_CONFIG_HOME', 'APPDATA'] as const;

/** Each TLS file: the variable that names it and the PEM block it must hold. */
const TLS_FILES = {
  serverCACert: { variable: 'TEMPORAL_TLS_SERVER_CA_CERT', toml: 'server_ca_cert', pem: 'CERTIFICATE' },
  clientCert: { variable: 'TEMPORAL_TLS_CLIENT_CERT', toml: 'client_cert', pem: 'CERTIFICATE' },
  clientKey: { variable: 'TEMPORAL_TLS_CLIENT_KEY', toml: 'client_key', pem: 'PRIVATE KEY' },
} as const;
type TlsFile = keyof typeof TLS_FILES;

const DEFAULT_NAMESPACE = 'default';

/** The local dev server's frontend, when neither a setting nor a profile names a cluster. */
export const localTemporalAddress = (settings: Settings): string => `127.0.0.1:${settings.TEMPORAL_PORT}`;

/**
 * The connection the settings describe: a temporal.toml profile (TEMPORAL_CONFIG_FILE, else the
 * user's; TEMPORAL_PROFILE, else `default`), overridden by the TEMPORAL_* settings, as the CLI does.
 * With nothing set: plaintext to the local dev server, namespace `default`. A contradiction or an
 * unreadable file is a ConfigError of one line naming what to change. `env` only locates the
 * user's temporal.toml (HOME, XDG_CONFIG_HOME, APPDATA).
 */
export function resolveTemporalConnection(settings: Settings, env: NodeJS.ProcessEnv = process.env): TemporalConnectionConfig {
  if (settings.TEMPORAL_API_KEY !== undefined && settings.TEMPORAL_API_KEY_FILE !== undefined)
    throw new ConfigError('Set TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE, not both');
  if (settings.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === 'true' || settings.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === '1')
    throw new ConfigError(
      "Invalid TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: Temporal's TypeScript SDK always checks the server's name; set TEMPORAL_TLS_SERVER_NAME to the name in its certificate instead",
    );
  const profile = loadProfile(settings, env);
  const apiKey = apiKeySource(settings, profile);
  if (apiKey?.file !== undefined) profile.apiKey = readApiKeyFile(apiKey.file);
  checkTls(profile);
  const options = toClientOptions(profile);
  const tls = options.connectionOptions.tls ?? undefined;
  const address = profile.address ?? localTemporalAddress(settings);
  const source = (variable: string, toml: string) =>
    settings[variable as keyof Settings] !== undefined ? variable : `${toml} in ${profileName(settings)}`;
  const fileOrigin = (file: TlsFile) => {
    const given = profile.tls?.[file];
    if (!given) return undefined;
    const { variable, toml } = TLS_FILES[file];
    return 'path' in given
      ? `${source(`${variable}_PATH`, `tls.${toml}_path`)} (${given.path})`
      : source(`${variable}_DATA`, `tls.${toml}_data`);
  };
  return {
    address,
    namespace: profile.namespace ?? DEFAULT_NAMESPACE,
    addressConfigured: profile.address !== undefined,
    tls,
    apiKey,
    metadata: options.connectionOptions.metadata as Record<string, string> | undefined,
    summary: {
      address,
      tls: tls !== undefined && tls !== false,
      serverCa: fileOrigin('serverCACert'),
      clientCert: fileOrigin('clientCert'),
      clientKey: fileOrigin('clientKey'),
      serverName: profile.tls?.serverName,
      apiKey: apiKey && (apiKey.file !== undefined ? `TEMPORAL_API_KEY_FILE (${apiKey.file})` : source('TEMPORAL_API_KEY', 'api_key')),
      addressFrom:
        settings.TEMPORAL_ADDRESS !== undefined
          ? 'TEMPORAL_ADDRESS'
          : profile.address !== undefined
            ? profileName(settings)
            : 'the default',
    },
  };
}

const profileName = (settings: Settings) =>
  `profile "${settings.TEMPORAL_PROFILE ?? 'default'}" of ${settings.TEMPORAL_CONFIG_FILE ?? 'temporal.toml'}`;

/** The namespace the settings (or their temporal.toml profile) name: what the codec server decodes for by default. */
export const temporalNamespace = (settings: Settings, env: NodeJS.ProcessEnv = process.env): string =>
  loadProfile(settings, env).namespace ?? DEFAULT_NAMESPACE;

function loadProfile(settings: Settings, env: NodeJS.ProcessEnv): ClientConfigProfile {
  const vars: Record<string, string> = {};
  for (const name of CONFIG_DIR_VARIABLES) if (env[name]) vars[name] = env[name];
  for (const name of ENVCONFIG_SETTINGS) if (settings[name] !== undefined) vars[name] = settings[name];
  const file = settings.TEMPORAL_CONFIG_FILE;
  // envconfig treats a missing file as no file: right for the user's default, wrong for one named on purpose.
  if (file !== undefined) readable(file, 'TEMPORAL_CONFIG_FILE', 'name the temporal.toml to use');
  try {
    return loadClientConfigProfile({ overrideEnvVars: vars });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const both = /Cannot specify both (\w+)_path and \w+_data/.exec(message);
    if (both) {
      const variable = Object.values(TLS_FILES).find((f) => f.toml === both[1])?.variable ?? both[1]!;
      throw new ConfigError(
        `Set ${variable}_PATH or ${variable}_DATA (or tls.${both[1]}_path or _data in ${profileName(settings)}), not both`,
      );
    }
    if (/Profile '.*' not found/.test(message))
      throw new ConfigError(
        `Invalid TEMPORAL_PROFILE: ${file ?? 'the temporal.toml'} has no [profile.${settings.TEMPORAL_PROFILE}]; name one of its profiles`,
      );
    throw new ConfigError(`Invalid ${file !== undefined ? 'TEMPORAL_CONFIG_FILE' : 'temporal.toml'}: ${message.split('\n')[0]}`);
  }
}

function apiKeySource(settings: Settings, profile: ClientConfigProfile): ApiKeySource | undefined {
  if (settings.TEMPORAL_API_KEY_FILE !== undefined) return { file: settings.TEMPORAL_API_KEY_FILE };
  return profile.apiKey !== undefined ? { value: profile.apiKey } : undefined;
}

/** Contradictions envconfig would let through silently, each refused with what to change. */
function checkTls(profile: ClientConfigProfile): void {
  const tls = profile.tls;
  if (!tls) return;
  const given = (Object.keys(TLS_FILES) as TlsFile[]).filter((file) => tls[file] !== undefined);
  if (tls.disabled === true && (given.length > 0 || tls.serverName !== undefined))
    throw new ConfigError('TEMPORAL_TLS=false but TLS certificates or a server name are set: remove one or the other');
  if ((tls.clientCert === undefined) !== (tls.clientKey === undefined)) {
    const missing = tls.clientCert === undefined ? 'TEMPORAL_TLS_CLIENT_CERT_PATH' : 'TEMPORAL_TLS_CLIENT_KEY_PATH';
    throw new ConfigError(`mTLS needs a client certificate and its key: set ${missing} too`);
  }
  for (const file of given) checkPem(tls[file]!, file);
}

/** A certificate or key file that is missing or holds something else fails here, naming the variable, instead of deep in the TLS handshake. */
function checkPem(source: ConfigDataSource, file: TlsFile): void {
  const { variable, pem } = TLS_FILES[file];
  const text =
    'path' in source
      ? readable(source.path, `${variable}_PATH`, `name a PEM file this process can read`)
      : typeof source.data === 'string'
        ? source.data
        : Buffer.from(source.data).toString('utf8');
  if (!new RegExp(`-----BEGIN [A-Z ]*${pem}-----`).test(text))
    throw new ConfigError(
      `Invalid ${variable}_${'path' in source ? 'PATH' : 'DATA'}: ${'path' in source ? `${source.path} holds` : 'it is'} no PEM ${pem.toLowerCase()} (-----BEGIN ${pem}-----)`,
    );
}

function readable(path: string, variable: string, fix: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Invalid ${variable}: cannot read ${path} (${(err as { code?: string }).code ?? 'unreadable'}); ${fix}`);
  }
}

function readApiKeyFile(path: string): string {
  const key = readable(path, 'TEMPORAL_API_KEY_FILE', 'name a file this process can read').trim();
  if (!key) throw new ConfigError(`Invalid TEMPORAL_API_KEY_FILE: ${path} is empty; write the API key into it`);
  return key;
}

/**
 * The key in `path`, re-read when the file changes (size, time or inode: a rename over it, as
 * Kubernetes does, counts). A file that is empty or unreadable mid-rotation keeps the last key.
 */
export function apiKeyFileReader(path: string): { current(): string } {
  let key = readApiKeyFile(path);
  let seen: Stats | undefined = statSync(path);
  const changed = (now: Stats) => !seen || now.mtimeMs !== seen.mtimeMs || now.size !== seen.size || now.ino !== seen.ino;
  return {
    current() {
      const now = statSync(path, { throwIfNoEntry: false });
      if (!now || !changed(now)) return key;
      seen = now;
      try {
        key = readApiKeyFile(path);
      } catch {
        // keep the last key: the next change will be read
      }
      return key;
    },
  };
}

/** How often a worker's connection looks at TEMPORAL_API_KEY_FILE for a rotated key. */
const API_KEY_FILE_POLL_MS = 5_000;

/** The worker's connection. A key from TEMPORAL_API_KEY_FILE is re-read when the file changes and set on the live connection. */
export async function connectNativeTemporal(config: TemporalConnectionConfig): Promise<NativeConnection> {
  const reader = config.apiKey?.file !== undefined ? apiKeyFileReader(config.apiKey.file) : undefined;
  const apiKey = reader ? reader.current() : config.apiKey?.value;
  const connection = await NativeConnection.connect({ address: config.address, tls: config.tls, apiKey, metadata: config.metadata }).catch(
    (err: unknown) => explainFailure(err, config),
  );
  await requireNamespaceAccess(connection, config);
  if (reader) {
    let sent = apiKey;
    // NativeConnection has no per-call hook, so the file is polled; unref'd: it never keeps the
    // process alive. The reader compares with what it read first, synchronously: fs.watchFile
    // takes its first look later, and missed a key rotated before that look (seen under load).
    const poll = setInterval(() => {
      const key = reader.current();
      if (key === sent) return;
      sent = key;
      connection.setApiKey(key).catch(() => undefined); // a closed connection: nothing to update
    }, API_KEY_FILE_POLL_MS).unref();
    const close = connection.close.bind(connection);
    connection.close = async () => {
      clearInterval(poll);
      await close();
    };
  }
  return connection;
}

/** The connection of the CLI and of src/temporal-ops/ callers. A key from TEMPORAL_API_KEY_FILE is looked up on each call, re-read when the file changed. */
export async function connectOpsTemporal(
  config: TemporalConnectionConfig,
  options: { connectTimeoutMs?: number } = {},
): Promise<Connection> {
  const reader = config.apiKey?.file !== undefined ? apiKeyFileReader(config.apiKey.file) : undefined;
  const apiKey = reader ? () => reader.current() : config.apiKey?.value;
  // Wrapped: a certificate and key that are not a pair throw before the promise exists.
  const connection = await Promise.resolve()
    .then(() =>
      Connection.connect({
        address: config.address,
        tls: config.tls,
        apiKey,
        metadata: config.metadata,
        connectTimeout: options.connectTimeoutMs ?? 5_000,
      }),
    )
    .catch((err: unknown) => explainFailure(err, config));
  await requireNamespaceAccess(connection, config);
  return connection;
}

/**
 * The SDKs connect with GetSystemInfo, which Temporal's authorizer answers for anyone: a missing
 * API key, or one for another namespace, is refused only by the first call on the namespace, deep in
 * a sync. One such call at connect turns that refusal into the same one line as any other; other
 * failures (a namespace that does not exist) are left to the calls that meet them.
 */
async function requireNamespaceAccess(connection: Connection | NativeConnection, config: TemporalConnectionConfig): Promise<void> {
  const failure = await connection.workflowService.describeNamespace({ namespace: config.namespace }).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (failure === undefined || !isCredentialRefusal(failure)) return;
  await connection.close().catch(() => undefined);
  throw new Error(describeTemporalConnectFailure(failure, config.summary));
}

/**
 * Throws the failure as one line. Unless the server answered (a ServiceError: refused credentials), Node's TLS stack
 * is asked why: grpc-js says only "Failed to connect before the deadline", and the Rust core sometimes only "connection closed".
 */
async function explainFailure(err: unknown, config: TemporalConnectionConfig): Promise<never> {
  const observed = err instanceof ServiceError ? undefined : await probeTemporalConnection(config.address, config.tls);
  throw new Error(describeTemporalConnectFailure(err, config.summary, observed));
}
