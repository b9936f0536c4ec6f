/** The fleet benchmark's arguments, parsed (pure: no files, no environment), and the bound they imply. */
import { parseArgs } from 'node:util';
import { BIG_ACCOUNT_INDEX, generatedAccountCredentials } from '../mock-api/accounts';

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
  /** A skewed fleet's big client (client 1): its campaigns (0: none, every client alike), its own limit and window. */
  bigCampaigns: number;
  bigLimit: number;
  bigWindowMs: number;
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

/** An option whose default is another's value: `fallback` when it is not given. */
const integerOr = (values: Record<string, unknown>, name: string, fallback: number) =>
  values[name] === undefined ? fallback : integer(values, name);

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
        'big-campaigns': { type: 'string', default: '0' },
        // No defaults here either: they are --limit's and --window-ms's values.
        'big-limit': { type: 'string' },
        'big-window-ms': { type: 'string' },
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
  const clients = integer(values, 'clients');
  const limit = integer(values, 'limit');
  const windowMs = integer(values, 'window-ms');
  const bigCampaigns = integer(values, 'big-campaigns', 0);
  // The big client is one of the fleet's: without another, there is no small client to compare with.
  if (bigCampaigns && clients < 2) throw new Error(`--big-campaigns needs --clients >= 2, the big client and a small one (got ${clients})`);
  return {
    load: {
      clients,
      campaigns: integer(values, 'campaigns'),
      limit,
      windowMs,
      sharedLimit: integer(values, 'shared-limit', 0),
      sharedWindowMs: integerOr(values, 'shared-window-ms', windowMs),
      bigCampaigns,
      bigLimit: integerOr(values, 'big-limit', limit),
      bigWindowMs: integerOr(values, 'big-window-ms', windowMs),
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

/** The fleet's big client (--big-campaigns): client 1, on generated account 1, the one the mock makes big. */
export const BIG_CLIENT_ID = generatedAccountCredentials(BIG_ACCOUNT_INDEX).id;

/** Whether the client is the fleet's big one: there is none without --big-campaigns. */
export const isBigClient = (load: Pick<FleetLoad, 'bigCampaigns'>, clientId: string) => load.bigCampaigns > 0 && clientId === BIG_CLIENT_ID;

/** What one client syncs and under which limit: the big client's own (--big-*), or every other client's. */
export function clientLoad(load: FleetLoad, clientId: string): Pick<FleetLoad, 'campaigns' | 'limit' | 'windowMs'> {
  if (isBigClient(load, clientId)) return { campaigns: load.bigCampaigns, limit: load.bigLimit, windowMs: load.bigWindowMs };
  return { campaigns: load.campaigns, limit: load.limit, windowMs: load.windowMs };
}

/** A client's figure summed over the fleet: `big` for the big client, if there is one, and `small` for each other. */
const overTheFleet = (load: Pick<FleetLoad, 'clients' | 'bigCampaigns'>, small: number, big: number) =>
  load.bigCampaigns > 0 ? (load.clients - 1) * small + big : load.clients * small;

/** The fleet's campaigns: every client's. */
export const fleetCampaigns = (load: Pick<FleetLoad, 'clients' | 'campaigns' | 'bigCampaigns'>) =>
  overTheFleet(load, load.campaigns, load.bigCampaigns);

/** The earliest the last of `requests` can be sent at `limit` per sliding window of `windowMs`: W × floor((R − 1) / L). */
const lastRequestMs = (requests: number, limit: number, windowMs: number) => windowMs * Math.floor((requests - 1) / limit);

/** One client's sync: its pages, its requests R = pages + campaigns, and when its own window lets the last one go. */
function clientSync({ campaigns, limit, windowMs }: Pick<FleetLoad, 'campaigns' | 'limit' | 'windowMs'>) {
  const pages = Math.max(1, Math.ceil(campaigns / PAGE_SIZE));
  const requests = pages + campaigns;
  return { pages, requests, lastRequestMs: lastRequestMs(requests, limit, windowMs) };
}

/** The fleet's bound, and the bounds it is the latest of. */
export interface FleetBound {
  /** A small client's pages and requests (every client's without a big one). */
  pages: number;
  requestsPerClient: number;
  boundS: number;
  /** Which bound is the fleet's: a small client's own, the big client's own, or the shared budget's. */
  boundBy: 'client' | 'bigClient' | 'shared';
  /** A small client's own bound. */
  clientBoundS: number;
  /** The big client's pages, requests and own bound (null: no big client). */
  bigClient: { pages: number; requests: number; boundS: number } | null;
}

/**
 * The bound: a client needs R = pages + campaigns requests; with L per window W the last one
 * cannot be sent before W × floor((R − 1) / L), and it takes the /sync latency to answer. With a
 * big client (--big-campaigns) it has its own R, L and W, and the others are the small clients.
 * With a shared budget the fleet's requests (the sum of the clients' R) share its limit too. The
 * fleet's bound is the latest of these; on a tie the small client's, then the big client's.
 */
export function fleetBound(load: FleetLoad): FleetBound {
  const toS = (lastMs: number) => (lastMs + load.syncLatencyMs) / 1000;
  const small = clientSync(load);
  const big = load.bigCampaigns > 0 ? clientSync(clientLoad(load, BIG_CLIENT_ID)) : null;
  // In tie order: a later candidate binds only when strictly later.
  const candidates: [FleetBound['boundBy'], number][] = [['client', small.lastRequestMs]];
  if (big) candidates.push(['bigClient', big.lastRequestMs]);
  if (load.sharedLimit) {
    const fleetRequests = overTheFleet(load, small.requests, big?.requests ?? 0);
    candidates.push(['shared', lastRequestMs(fleetRequests, load.sharedLimit, load.sharedWindowMs)]);
  }
  const [boundBy, lastMs] = candidates.reduce((latest, candidate) => (candidate[1] > latest[1] ? candidate : latest));
  return {
    pages: small.pages,
    requestsPerClient: small.requests,
    boundS: toS(lastMs),
    boundBy,
    clientBoundS: toS(small.lastRequestMs),
    bigClient: big && { pages: big.pages, requests: big.requests, boundS: toS(big.lastRequestMs) },
  };
}
