import { BIG_CLIENT_ID, clientLoad, fleetBound, fleetCampaigns, parseBenchOptions } from '../../scripts/bench-fleet-options';

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
        bigCampaigns: 0,
        bigLimit: 10,
        bigWindowMs: 6000,
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
      'bigCampaigns',
      'bigLimit',
      'bigWindowMs',
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
    // The skewed fleet of the issue: one client of 5,000 campaigns at 100 per 6 s among 999 of 10 at 10 per 60 s.
    [
      '--clients 1000 --campaigns 10 --limit 10 --window-ms 60000 --big-campaigns 5000 --big-limit 100 --big-window-ms 6000',
      { clients: 1000, campaigns: 10, limit: 10, windowMs: 60000, bigCampaigns: 5000, bigLimit: 100, bigWindowMs: 6000 },
    ],
    // The big client's limit and window default to the others', whichever comes first on the line.
    ['--big-campaigns 500 --limit 7 --window-ms 1000', { limit: 7, windowMs: 1000, bigCampaigns: 500, bigLimit: 7, bigWindowMs: 1000 }],
    ['--big-campaigns 500 --big-window-ms 2000', { limit: 10, windowMs: 6000, bigCampaigns: 500, bigLimit: 10, bigWindowMs: 2000 }],
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
    ['--big-campaigns=-1', '--big-campaigns must be an integer >= 0 (got -1)'],
    ['--big-campaigns lots', '--big-campaigns must be an integer >= 0 (got lots)'],
    ['--big-campaigns 50 --big-limit 0', '--big-limit must be an integer >= 1 (got 0)'],
    ['--big-campaigns 50 --big-window-ms 1.5', '--big-window-ms must be an integer >= 1 (got 1.5)'],
    ['--big-limit', "Option '--big-limit <value>' argument missing"],
    ['--big-campaigns 50 --clients 1', '--big-campaigns needs --clients >= 2, the big client and a small one (got 1)'],
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
      { pages: 1, requestsPerClient: 101, boundS: 62, boundBy: 'client', clientBoundS: 62 },
    ],
    [
      { campaigns: 250, limit: 1000, windowMs: 1000, syncLatencyMs: 0 },
      { pages: 3, requestsPerClient: 253, boundS: 0, boundBy: 'client', clientBoundS: 0 },
    ],
    [
      { campaigns: 1, limit: 1, windowMs: 500, syncLatencyMs: 100 },
      { pages: 1, requestsPerClient: 2, boundS: 0.6, boundBy: 'client', clientBoundS: 0.6 },
    ],
    // 100 clients × 101 requests under 500 per 6 s: the 10 100th waits floor(10 099 / 500) = 20 windows.
    [
      { clients: 100, campaigns: 100, limit: 10, windowMs: 6000, sharedLimit: 500, sharedWindowMs: 6000, syncLatencyMs: 2000 },
      { pages: 1, requestsPerClient: 101, boundS: 122, boundBy: 'shared', clientBoundS: 62 },
    ],
    // A shared limit the fleet cannot fill in one window: the clients' own windows bound it.
    [
      { clients: 100, campaigns: 100, limit: 10, windowMs: 6000, sharedLimit: 20_000, sharedWindowMs: 6000, syncLatencyMs: 2000 },
      { pages: 1, requestsPerClient: 101, boundS: 62, boundBy: 'client', clientBoundS: 62 },
    ],
    // One client with a shared limit equal to its own: a tie is the client's bound.
    [
      { clients: 1, campaigns: 100, limit: 10, windowMs: 6000, sharedLimit: 10, sharedWindowMs: 6000, syncLatencyMs: 2000 },
      { pages: 1, requestsPerClient: 101, boundS: 62, boundBy: 'client', clientBoundS: 62 },
    ],
    // The shared window apart from the client's: 3 × 2 requests at 2 per 1 s, the 6th after 2 s.
    [
      { clients: 3, campaigns: 1, limit: 1, windowMs: 500, sharedLimit: 2, sharedWindowMs: 1000, syncLatencyMs: 100 },
      { pages: 1, requestsPerClient: 2, boundS: 2.1, boundBy: 'shared', clientBoundS: 0.6 },
    ],
    // A shared window shorter than the client's can still bind, with a limit low enough: floor(599 / 5) × 100 ms = 11.9 s.
    [
      { clients: 6, campaigns: 99, limit: 50, windowMs: 6000, sharedLimit: 5, sharedWindowMs: 100, syncLatencyMs: 0 },
      { pages: 1, requestsPerClient: 100, boundS: 11.9, boundBy: 'shared', clientBoundS: 6 },
    ],
  ])('%j', (load, bound) => {
    // No big client: every client is a small one.
    expect(fleetBound({ ...parse('').load, ...load })).toEqual({ ...bound, bigClient: null });
  });

  it.each([
    // The fleet: 999 clients of 1 page + 10 campaigns at 10 per 60 s wait 1 window (62 s with the /sync); the big
    // client's 50 pages + 5,000 campaigns at 100 per 6 s wait floor(5,049 / 100) = 50 windows: 302 s, the fleet's bound.
    [
      {
        clients: 1000,
        campaigns: 10,
        limit: 10,
        windowMs: 60_000,
        bigCampaigns: 5000,
        bigLimit: 100,
        bigWindowMs: 6000,
        syncLatencyMs: 2000,
      },
      {
        pages: 1,
        requestsPerClient: 11,
        boundS: 302,
        boundBy: 'bigClient',
        clientBoundS: 62,
        bigClient: { pages: 50, requests: 5050, boundS: 302 },
      },
    ],
    // A big client with a limit it cannot fill: 152 requests at 1,000 per 1 s go at once; the small clients bind.
    [
      { clients: 10, campaigns: 100, limit: 10, windowMs: 6000, bigCampaigns: 150, bigLimit: 1000, bigWindowMs: 1000, syncLatencyMs: 2000 },
      {
        pages: 1,
        requestsPerClient: 101,
        boundS: 62,
        boundBy: 'client',
        clientBoundS: 62,
        bigClient: { pages: 2, requests: 152, boundS: 2 },
      },
    ],
    // A big client just like the others: a tie is the small client's bound.
    [
      { clients: 2, campaigns: 100, limit: 10, windowMs: 6000, bigCampaigns: 100, bigLimit: 10, bigWindowMs: 6000, syncLatencyMs: 2000 },
      {
        pages: 1,
        requestsPerClient: 101,
        boundS: 62,
        boundBy: 'client',
        clientBoundS: 62,
        bigClient: { pages: 1, requests: 101, boundS: 62 },
      },
    ],
    // The shared budget counts the big client's requests: 2 × 2 + 6 = 10 at 2 per 1 s, the 10th after floor(9 / 2) = 4 s
    // (without the big client, 3 × 2 = 6: 2 s); each client's own window says 0.6 s.
    [
      {
        clients: 3,
        campaigns: 1,
        limit: 1,
        windowMs: 500,
        bigCampaigns: 5,
        bigLimit: 5,
        bigWindowMs: 500,
        sharedLimit: 2,
        sharedWindowMs: 1000,
        syncLatencyMs: 100,
      },
      {
        pages: 1,
        requestsPerClient: 2,
        boundS: 4.1,
        boundBy: 'shared',
        clientBoundS: 0.6,
        bigClient: { pages: 1, requests: 6, boundS: 0.6 },
      },
    ],
  ])('with a big client: %j', (load, bound) => {
    expect(fleetBound({ ...parse('').load, ...load })).toEqual(bound);
  });
});

describe('the big client', () => {
  const skewed = parse(
    '--clients 4 --campaigns 10 --limit 10 --window-ms 60000 --big-campaigns 5000 --big-limit 100 --big-window-ms 6000',
  ).load;

  it('is client 1, with its own campaigns, limit and window; the others are alike', () => {
    expect(BIG_CLIENT_ID).toBe('client-001');
    expect(clientLoad(skewed, 'client-001')).toEqual({ campaigns: 5000, limit: 100, windowMs: 6000 });
    expect(clientLoad(skewed, 'client-002')).toEqual({ campaigns: 10, limit: 10, windowMs: 60000 });
    expect(fleetCampaigns(skewed)).toBe(3 * 10 + 5000);
  });

  it('is not there without --big-campaigns: client 1 is like the others', () => {
    const even = parse('--clients 4 --campaigns 10 --big-limit 100');
    expect(clientLoad(even.load, 'client-001')).toEqual({ campaigns: 10, limit: 10, windowMs: 6000 });
    expect(fleetCampaigns(even.load)).toBe(40);
  });
});
