/** The fleet benchmark's arguments, parsed (pure: no files, no environment), and the bound they imply. */
import { parseArgs } from 'node:util';

/** Each client's syncs read pages of this many campaigns (the CLI's default page size). */
export const PAGE_SIZE = 100;

/** The load a run puts on the fleet; its field order is the order of `load` in the results. */
export interface FleetLoad {
  clients: number;
  campaigns: number;
  limit: number;
  windowMs: number;
  /** One shared budget every client names, and the mock's application limit (0: none). */
  sharedLimit: number;
  sharedWindowMs: number;
  workers: number;
  syncLatencyMs: number;
  faults: boolean;
  killEveryS: number;
  /** `dev`: the CLI's dev server on SQLite; `server`: Temporal's own server on PostgreSQL (npm run temporal-server:ensure). */
  temporal: 'dev' | 'server';
  workerEnv: Record<string, string>;
  label: string;
}

export interface BenchOptions {
  load: FleetLoad;
  explain: boolean;
  /** The history census reads this many clients' histories (all when the fleet has no more; 0: no census). */
  censusSample: number;
  resultsFile: string;
}

/** Clients whose histories the census reads unless told otherwise: a few seconds of reading after a run. */
export const DEFAULT_CENSUS_SAMPLE = 100;

function integer(values: Record<string, unknown>, name: string, min = 1): number {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min} (got ${String(values[name])})`);
  return value;
}

function oneOf<T extends string>(values: Record<string, unknown>, name: string, allowed: readonly T[]): T {
  const value = values[name] as T;
  if (!allowed.includes(value)) throw new Error(`--${name} must be ${allowed.join(' or ')} (got ${value})`);
  return value;
}

function workerEnv(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`--worker-env must be KEY=VALUE (got ${pair})`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** node:util's messages for a value that starts with a dash run over three lines: the error is shown as one. */
function oneLine<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new Error((err as Error).message.replace(/\s*\n\s*/g, ' '), { cause: err });
  }
}

/** `argv` without node and the script; throws an Error with a one-line message for a bad argument. */
export function parseBenchOptions(argv: string[], defaults: { resultsFile: string }): BenchOptions {
  const { values } = oneLine(() =>
    parseArgs({
      args: argv,
      options: {
        clients: { type: 'string', default: '100' },
        campaigns: { type: 'string', default: '100' },
        limit: { type: 'string', default: '10' },
        'window-ms': { type: 'string', default: '6000' },
        'shared-limit': { type: 'string', default: '0' },
        // No default here: it is --window-ms's value.
        'shared-window-ms': { type: 'string' },
        workers: { type: 'string', default: '1' },
        'sync-latency-ms': { type: 'string', default: '2000' },
        faults: { type: 'string', default: 'off' },
        'kill-every-s': { type: 'string', default: '0' },
        temporal: { type: 'string', default: 'dev' },
        'worker-env': { type: 'string', multiple: true, default: [] },
        label: { type: 'string', default: '' },
        explain: { type: 'boolean', default: false },
        'census-sample': { type: 'string', default: String(DEFAULT_CENSUS_SAMPLE) },
        results: { type: 'string', default: defaults.resultsFile },
      },
    }),
  );
  const windowMs = integer(values, 'window-ms');
  return {
    load: {
      clients: integer(values, 'clients'),
      campaigns: integer(values, 'campaigns'),
      limit: integer(values, 'limit'),
      windowMs,
      sharedLimit: integer(values, 'shared-limit', 0),
      sharedWindowMs: values['shared-window-ms'] === undefined ? windowMs : integer(values, 'shared-window-ms'),
      workers: integer(values, 'workers'),
      syncLatencyMs: integer(values, 'sync-latency-ms', 0),
      faults: oneOf(values, 'faults', ['on', 'off'] as const) === 'on',
      killEveryS: integer(values, 'kill-every-s', 0),
      temporal: oneOf(values, 'temporal', ['dev', 'server'] as const),
      workerEnv: workerEnv(values['worker-env']),
      label: values.label,
    },
    explain: values.explain,
    censusSample: integer(values, 'census-sample', 0),
    resultsFile: values.results,
  };
}

/** The earliest the last of `requests` can be sent at `limit` per sliding window of `windowMs`: W × floor((R − 1) / L). */
const lastRequestMs = (requests: number, limit: number, windowMs: number) => windowMs * Math.floor((requests - 1) / limit);

/**
 * The bound: a client needs R = pages + campaigns requests; with L per window W the last one
 * cannot be sent before W × floor((R − 1) / L), and it takes the /sync latency to answer. With a
 * shared budget the fleet's clients × R requests share its limit too, and the bound is the later
 * of the two (`boundBy`: which; the client's own on a tie).
 */
export function fleetBound(load: FleetLoad): {
  pages: number;
  requestsPerClient: number;
  boundS: number;
  boundBy: 'client' | 'shared';
} {
  const pages = Math.max(1, Math.ceil(load.campaigns / PAGE_SIZE));
  const requestsPerClient = pages + load.campaigns;
  const clientMs = lastRequestMs(requestsPerClient, load.limit, load.windowMs);
  const sharedMs = load.sharedLimit ? lastRequestMs(load.clients * requestsPerClient, load.sharedLimit, load.sharedWindowMs) : 0;
  const boundBy = sharedMs > clientMs ? 'shared' : 'client';
  const boundS = (Math.max(clientMs, sharedMs) + load.syncLatencyMs) / 1000;
  return { pages, requestsPerClient, boundS, boundBy };
}
