import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../src/contract/sync';
import { waitFor } from '../src/infra/wait-for';
import { findTemporalCli } from './temporal-cli';
import { freePort, spawnTied, type TiedProcess } from './processes';

export interface DevServerOptions {
  cliPath: string;
  /** SQLite file that keeps workflow histories across restarts. */
  dbFilename: string;
  ip?: string;
  port: number;
  uiPort: number;
  /** Its Prometheus `/metrics` port (absent: the CLI picks a free one and does not say which). */
  metricsPort?: number;
  /** A codec server the Web UI calls to show encrypted payloads. */
  uiCodecEndpoint?: string;
  /** false: the namespace lacks our search attributes, like a cluster nobody has set up for campaign-sync (default true). */
  searchAttributes?: boolean;
  onOutput?: (chunk: string) => void;
}

export interface DevServer {
  options: DevServerOptions;
  address: string;
  uiUrl: string;
  /** Its Prometheus metrics (service requests, persistence requests, tasks by operation), when known. */
  metricsUrl?: string;
  process: TiedProcess;
  /** What a client needs to reach it, as Temporal's environment variables (TEMPORAL_ADDRESS, TEMPORAL_TLS_*, TEMPORAL_API_KEY); absent: the address alone. */
  connectEnv?: Record<string, string>;
  stop(): Promise<void>;
}

/** `temporal server start-dev`: server and Web UI in one process, state in a persistent SQLite file. */
export function devServerArgs(options: DevServerOptions): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    options.ip ?? '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--db-filename',
    options.dbFilename,
    // Write-ahead log, synced at checkpoints: a commit is not an fsync, and a killed server still
    // keeps every committed transaction (only a power cut could lose the last ones).
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    // There is no internet here; the version check would only log failures.
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    // A workflow task's new activities go straight back to the worker that scheduled them,
    // skipping the task queue (the server's default before 1.32 is off).
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
    // Our search attributes (client, outcome), so the Web UI can filter syncs by them.
    ...(options.searchAttributes === false ? [] : SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`])),
    '--log-level',
    'warn',
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
    ...(options.metricsPort ? ['--metrics-port', String(options.metricsPort)] : []),
  ];
}

/** Waits until a Temporal frontend answers a call (a listening port is not enough). */
export async function waitForFrontend(what: string, frontend: ConnectionOptions, options: Parameters<typeof waitFor>[2]): Promise<void> {
  await waitFor(
    what,
    async () => {
      const connection = await Connection.connect({ ...frontend, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
      } finally {
        await connection.close();
      }
    },
    options,
  );
}

/**
 * The CLI picks its internal services' ports (history, matching, worker) as it starts; an outgoing
 * connection of any process can take one before the service binds it. The server then logs this,
 * does not exit (the CLI's logger does not end the process on Fatal) and panics on a nil listener.
 * Its next start picks other ports.
 */
const INTERNAL_PORT_TAKEN = 'Failed to start gRPC listener';
const STARTS_WHEN_INTERNAL_PORT_TAKEN = 3;

/**
 * Why the dev server stopped: its error lines (a port it could not bind, a panic's first line),
 * which a panic's stack trace would otherwise push out of the end of its output (and with them the
 * reason to start again on other ports); else the end of its output.
 */
export function exitReason(output: string): string {
  const errors = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /address already in use|level=ERROR|^panic:/.test(line));
  return errors.length ? errors.slice(0, 3).join(' / ').slice(0, 1000) : output.trim().slice(-500);
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  for (let start = 1; ; start++) {
    const started = await startDevServerOnce(options);
    if ('server' in started) return started.server;
    if (start >= STARTS_WHEN_INTERNAL_PORT_TAKEN || !started.output.includes(INTERNAL_PORT_TAKEN)) throw started.error;
  }
}

async function startDevServerOnce(options: DevServerOptions): Promise<{ server: DevServer } | { error: unknown; output: string }> {
  mkdirSync(dirname(options.dbFilename), { recursive: true });
  let output = '';
  const server = spawnTied(options.cliPath, devServerArgs(options), {
    onOutput: (chunk) => {
      output = (output + chunk).slice(-4000);
      options.onOutput?.(chunk);
    },
  });
  const ip = options.ip ?? '127.0.0.1';
  const address = `${ip}:${options.port}`;
  const exitedEarly = () => (server.child.exitCode !== null ? `the dev server exited: ${exitReason(output)}` : undefined);
  try {
    await waitForFrontend(`Temporal dev server at ${address}`, { address }, { timeoutMs: 90_000, intervalMs: 300, gaveUp: exitedEarly });
  } catch (error) {
    await server.stop('SIGKILL');
    return { error, output };
  }
  return {
    server: {
      options,
      address,
      uiUrl: `http://${ip === '127.0.0.1' ? 'localhost' : ip}:${options.uiPort}`,
      ...(options.metricsPort && { metricsUrl: `http://${ip}:${options.metricsPort}/metrics` }),
      process: server,
      stop: () => server.stop('SIGTERM', 15_000),
    },
  };
}

/**
 * The pinned dev server as a separate process, on free ports, with a throwaway SQLite file.
 * A port freePort found can be taken before the server binds it (by another test's server, or by
 * the dev server's own internal services, which pick ports the same way): then it starts again on
 * other ports.
 */
export async function startThrowawayDevServer(options: Pick<DevServerOptions, 'searchAttributes'> = {}): Promise<DevServer> {
  const cliPath = findTemporalCli();
  if (!cliPath) throw new Error('No Temporal CLI: run `npm run temporal:ensure` first (or set TEMPORAL_CLI)');
  const dir = mkdtempSync(join(tmpdir(), 'campaign-sync-temporal-'));
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServer({
        ...options,
        cliPath,
        dbFilename: join(dir, `temporal-${attempt}.sqlite`),
        port: await freePort(),
        uiPort: await freePort(),
        // The CLI serves metrics on a random port anyway: this one is known (bench-fleet reads it).
        metricsPort: await freePort(),
      });
    } catch (err) {
      if (attempt >= 3 || !String(err).includes('address already in use')) throw err;
    }
  }
}
