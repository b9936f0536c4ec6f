import { fleetBound, parseBenchOptions } from '../../scripts/bench-fleet-options';

const defaults = { resultsFile: '/results/bench-fleet.jsonl' };
const parse = (args: string) => parseBenchOptions(args.split(' ').filter(Boolean), defaults);

describe('parseBenchOptions: good arguments', () => {
  it('gives the defaults, in the order the results show them', () => {
    const options = parse('');
    expect(options).toEqual({
      load: {
        clients: 100,
        campaigns: 100,
        limit: 10,
        windowMs: 6000,
        sharedLimit: 0,
        sharedWindowMs: 6000,
        workers: 1,
        syncLatencyMs: 2000,
        faults: false,
        killEveryS: 0,
        temporal: 'dev',
        workerEnv: {},
        label: '',
      },
      explain: false,
      censusSample: 100,
      resultsFile: defaults.resultsFile,
    });
    expect(Object.keys(options.load)).toEqual([
      'clients',
      'campaigns',
      'limit',
      'windowMs',
      'sharedLimit',
      'sharedWindowMs',
      'workers',
      'syncLatencyMs',
      'faults',
      'killEveryS',
      'temporal',
      'workerEnv',
      'label',
    ]);
  });

  it.each([
    ['--clients 3 --campaigns 250 --limit 1000 --window-ms 1000', { clients: 3, campaigns: 250, limit: 1000, windowMs: 1000 }],
    ['--shared-limit 500 --shared-window-ms 60000', { sharedLimit: 500, sharedWindowMs: 60000 }],
    // The shared window defaults to the client's, whichever comes first on the line.
    ['--shared-limit 50 --window-ms 1000', { windowMs: 1000, sharedLimit: 50, sharedWindowMs: 1000 }],
    ['--workers 4 --kill-every-s 20 --faults on', { workers: 4, killEveryS: 20, faults: true }],
    ['--sync-latency-ms 0 --temporal server --label x', { syncLatencyMs: 0, temporal: 'server', label: 'x' }],
    ['--worker-env A=1 --worker-env B=x=y --worker-env C=', { workerEnv: { A: '1', B: 'x=y', C: '' } }],
  ])('%s', (args, load) => {
    expect(parse(args).load).toMatchObject(load);
  });

  it('reads --explain, --census-sample and --results', () => {
    expect(parse('--explain --census-sample 0 --results /tmp/r.jsonl')).toMatchObject({
      explain: true,
      censusSample: 0,
      resultsFile: '/tmp/r.jsonl',
    });
    expect(parse('--census-sample 25').censusSample).toBe(25);
  });
});

describe('parseBenchOptions: bad arguments, each a one-line error', () => {
  it.each([
    ['--clients 0', '--clients must be an integer >= 1 (got 0)'],
    ['--clients many', '--clients must be an integer >= 1 (got many)'],
    ['--limit 2.5', '--limit must be an integer >= 1 (got 2.5)'],
    ['--window-ms -1', "Option '--window-ms' argument is ambiguous. Did you forget"],
    ['--sync-latency-ms -5', "use '--sync-latency-ms=-XYZ'"],
    ['--window-ms=-1', '--window-ms must be an integer >= 1 (got -1)'],
    ['--shared-limit=-1', '--shared-limit must be an integer >= 0 (got -1)'],
    ['--shared-limit 1.5', '--shared-limit must be an integer >= 0 (got 1.5)'],
    ['--shared-window-ms 0', '--shared-window-ms must be an integer >= 1 (got 0)'],
    ['--shared-window-ms', "Option '--shared-window-ms <value>' argument missing"],
    ['--kill-every-s x', '--kill-every-s must be an integer >= 0 (got x)'],
    ['--census-sample=-1', '--census-sample must be an integer >= 0 (got -1)'],
    ['--faults yes', '--faults must be on or off (got yes)'],
    ['--temporal cloud', '--temporal must be dev or server (got cloud)'],
    ['--worker-env NOEQUALS', '--worker-env must be KEY=VALUE (got NOEQUALS)'],
    ['--worker-env =v', '--worker-env must be KEY=VALUE (got =v)'],
    ['--clients', "Option '--clients <value>' argument missing"],
    ['--client 5', "Unknown option '--client'"],
    ['extra', "Unexpected argument 'extra'"],
    ['--explain=yes', "Option '--explain' does not take an argument"],
  ])('%s fails: %s', (args, message) => {
    expect(() => parse(args)).toThrow(message);
    expect(() => parse(args)).toThrow(/^[^\n]*$/);
  });
});

describe('fleetBound', () => {
  it.each([
    // 1 page + 100 campaigns, 10 per 6 s: the 101st request waits 10 windows, then the 2 s /sync.
    [
      { campaigns: 100, limit: 10, windowMs: 6000, syncLatencyMs: 2000 },
      { pages: 1, requestsPerClient: 101, boundS: 62, boundBy: 'client' },
    ],
    [
      { campaigns: 250, limit: 1000, windowMs: 1000, syncLatencyMs: 0 },
      { pages: 3, requestsPerClient: 253, boundS: 0, boundBy: 'client' },
    ],
    [
      { campaigns: 1, limit: 1, windowMs: 500, syncLatencyMs: 100 },
      { pages: 1, requestsPerClient: 2, boundS: 0.6, boundBy: 'client' },
    ],
    // 100 clients × 101 requests under 500 per 6 s: the 10 100th waits floor(10 099 / 500) = 20 windows.
    [
      { clients: 100, campaigns: 100, limit: 10, windowMs: 6000, sharedLimit: 500, sharedWindowMs: 6000, syncLatencyMs: 2000 },
      { pages: 1, requestsPerClient: 101, boundS: 122, boundBy: 'shared' },
    ],
    // A shared limit the fleet cannot fill in one window: the clients' own windows bound it.
    [
      { clients: 100, campaigns: 100, limit: 10, windowMs: 6000, sharedLimit: 20_000, sharedWindowMs: 6000, syncLatencyMs: 2000 },
      { pages: 1, requestsPerClient: 101, boundS: 62, boundBy: 'client' },
    ],
    // One client with a shared limit equal to its own: a tie is the client's bound.
    [
      { clients: 1, campaigns: 100, limit: 10, windowMs: 6000, sharedLimit: 10, sharedWindowMs: 6000, syncLatencyMs: 2000 },
      { pages: 1, requestsPerClient: 101, boundS: 62, boundBy: 'client' },
    ],
    // The shared window apart from the client's: 3 × 2 requests at 2 per 1 s, the 6th after 2 s.
    [
      { clients: 3, campaigns: 1, limit: 1, windowMs: 500, sharedLimit: 2, sharedWindowMs: 1000, syncLatencyMs: 100 },
      { pages: 1, requestsPerClient: 2, boundS: 2.1, boundBy: 'shared' },
    ],
    // A shared window shorter than the client's can still bind, with a limit low enough: floor(599 / 5) × 100 ms = 11.9 s.
    [
      { clients: 6, campaigns: 99, limit: 50, windowMs: 6000, sharedLimit: 5, sharedWindowMs: 100, syncLatencyMs: 0 },
      { pages: 1, requestsPerClient: 100, boundS: 11.9, boundBy: 'shared' },
    ],
  ])('%j', (load, bound) => {
    expect(fleetBound({ ...parse('').load, ...load })).toEqual(bound);
  });
});
