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
      { pages: 1, requestsPerClient: 101, boundS: 62 },
    ],
    [
      { campaigns: 250, limit: 1000, windowMs: 1000, syncLatencyMs: 0 },
      { pages: 3, requestsPerClient: 253, boundS: 0 },
    ],
    [
      { campaigns: 1, limit: 1, windowMs: 500, syncLatencyMs: 100 },
      { pages: 1, requestsPerClient: 2, boundS: 0.6 },
    ],
  ])('%j', (load, bound) => {
    expect(fleetBound({ ...parse('').load, ...load })).toEqual(bound);
  });
});
