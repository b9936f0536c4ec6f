import { createHash } from 'node:crypto';
import {
  changeLines,
  intervalStarts,
  reportCsv,
  reportHtml,
  reportLines,
  reportStart,
  spanRefusal,
  sparkline,
  squeeze,
  type Report,
} from '../../src/cli/report';
import type { IntervalPerformance } from '../../src/db/campaign-history';

const NOW = new Date('2026-12-03T18:30:00.000Z');
const d = (iso: string) => new Date(iso);

describe('--since', () => {
  test.each([
    ['7d', '2026-11-26T18:30:00.000Z'],
    ['24h', '2026-12-02T18:30:00.000Z'],
    ['1h', '2026-12-03T17:30:00.000Z'],
    ['2026-11-26', '2026-11-26T00:00:00.000Z'],
    ['2026-11-26T08:00', '2026-11-26T08:00:00.000Z'],
    ['2026-11-26 08:00:00Z', '2026-11-26T08:00:00.000Z'],
    ['2026-11-26T08:00+02:00', '2026-11-26T06:00:00.000Z'],
  ])('%s starts at %s', (since, expected) => {
    expect(reportStart(since, NOW).toISOString()).toBe(expected);
  });

  test.each([
    ['7', '--since must be a duration like 7d or 24h, or a UTC date like 2026-11-26 (got "7")'],
    ['7w', '--since must be a duration like 7d or 24h, or a UTC date like 2026-11-26 (got "7w")'],
    ['yesterday', '--since must be a duration like 7d or 24h, or a UTC date like 2026-11-26 (got "yesterday")'],
    ['2026-13-01', '--since must be a duration like 7d or 24h, or a UTC date like 2026-11-26 (got "2026-13-01")'],
    ['\x1b[2J1d', '--since must be a duration like 7d or 24h, or a UTC date like 2026-11-26 (got "\\x1B[2J1d")'],
    ['2026-12-04', '--since 2026-12-04 is not in the past'],
    ['0d', '--since 0d is not in the past'],
  ])('%j is refused in one line', (since, message) => {
    expect(() => reportStart(since, NOW)).toThrow(message);
  });

  test.each([
    ['31 days of hours', 31 * 24, 'hour', undefined],
    ['a month and an hour', 31 * 24 + 1, 'hour', '--by hour covers at most 31 days (745 hours asked): use --by day, or a later --since'],
    ['ten years of days', 3660 * 24, 'day', undefined],
    ['more', 3661 * 24, 'day', '--by day covers at most 3660 days (3661 asked): use a later --since'],
  ] as const)('%s', (_, hours, interval, refusal) => {
    expect(spanRefusal(new Date(NOW.getTime() - hours * 3_600_000), NOW, interval)).toBe(refusal);
  });
});

describe('the terminal chart', () => {
  test('intervals from the one holding the start to the one before the end', () => {
    expect(intervalStarts(d('2026-12-03T10:30:00Z'), d('2026-12-03T13:00:00Z'), 'hour').map((s) => s.toISOString())).toEqual([
      '2026-12-03T10:00:00.000Z',
      '2026-12-03T11:00:00.000Z',
      '2026-12-03T12:00:00.000Z',
    ]);
    expect(intervalStarts(d('2026-12-01T10:30:00Z'), d('2026-12-03T00:00:01Z'), 'day')).toHaveLength(3);
  });

  test.each([
    [[1, 2, 3, 4], 4, [1, 2, 3, 4]],
    [[1, 2, 3, 4, 5], 2, [6, 9]],
    [[undefined, undefined, 1, undefined], 2, [undefined, 1]],
  ])('squeeze %j into %i columns: %j', (values, width, expected) => {
    expect(squeeze(values, width)).toEqual(expected);
  });

  test.each([
    [[0, 1, 2, 3, 4, 5, 6, 7], '▁▂▃▄▅▆▇█'],
    [[0, 0, 0], '▁▁▁'],
    [[10, undefined, 5], '█ ▅'],
    [[], ''],
  ])('sparkline of %j is %s', (values, expected) => {
    expect(sparkline(values)).toBe(expected);
  });
});

const row = (iso: string, impressions: number, extra: Partial<IntervalPerformance> = {}): IntervalPerformance => ({
  intervalStart: d(iso),
  impressions,
  clicks: impressions / 10,
  conversions: impressions / 100,
  resets: 0,
  estimated: false,
  firstSeen: 0,
  ...extra,
});

const REPORT: Report = {
  clientId: 'acme',
  campaigns: 3,
  interval: 'day',
  from: d('2026-12-01T18:30:00Z'),
  to: NOW,
  rows: [
    row('2026-12-01T00:00:00Z', 0, { firstSeen: 3 }),
    row('2026-12-02T00:00:00Z', 12000, { estimated: true }),
    row('2026-12-03T00:00:00Z', 3000.5, { resets: 1 }),
  ],
  versions: [],
};

test('the terminal report: a table with totals and marks, then a chart per counter', () => {
  expect(reportLines(REPORT)).toEqual([
    'acme, all 3 campaigns, by day from 2026-12-01 18:30 to 2026-12-03 18:30 UTC',
    'interval    impressions    clicks  conversions     CTR',
    '2026-12-01            0         0            0       —  +3',
    '2026-12-02       12,000     1,200          120  10.00%  *',
    '2026-12-03      3,000.5    300.05        30.01  10.00%  !',
    'total          15,000.5  1,500.05       150.01',
    '* a missed sync, spread evenly over its time   ! a counter went down (a reset)   +N campaigns first seen',
    '',
    'impressions  ▁█▃  peak 12,000',
    'clicks       ▁█▃  peak 1,200',
    'conversions  ▁█▃  peak 120',
  ]);
  expect(reportLines({ ...REPORT, rows: [] })).toEqual([
    'acme, all 3 campaigns, by day from 2026-12-01 18:30 to 2026-12-03 18:30 UTC',
    'no listings in this range: nothing to report',
  ]);
});

test('a campaign report names it (made printable) and lists its attribute changes', () => {
  const versions = [
    { validFrom: d('2026-11-20T10:00:00Z'), validTo: d('2026-12-02T09:00:00Z'), name: 'Winter', status: 'active', budget: '1700' },
    { validFrom: d('2026-12-02T09:00:00Z'), validTo: d('2026-12-02T10:00:00Z'), name: 'Winter', status: 'paused', budget: '2500' },
    { validFrom: d('2026-12-02T10:00:00Z'), validTo: null, name: 'Winter\x1b[2J', status: 'paused', budget: '2500' },
    { validFrom: d('2026-12-02T11:00:00Z'), validTo: null, name: 'Winter\x1b[2J', status: 'paused', budget: '2500' },
    { validFrom: d('2026-12-02T15:00:00Z'), validTo: null, name: 'Winter\x1b[2J', status: 'paused', budget: '2500', listed: false },
    { validFrom: d('2026-12-03T08:00:00Z'), validTo: null, name: 'Winter\x1b[2J', status: 'active', budget: '2500' },
  ].map((v) => ({ listed: true, ...v }));
  expect(changeLines(versions)).toEqual([
    '2026-11-20 10:00  active, budget 1700, named "Winter"',
    '2026-12-02 09:00  active → paused, budget 1700 → 2500',
    '2026-12-02 10:00  named "Winter" → "Winter\\x1B[2J"',
    '2026-12-02 11:00  another field of the record changed',
    '2026-12-02 15:00  no longer listed by the platform',
    '2026-12-03 08:00  listed again, paused → active',
  ]);
  const lines = reportLines({ ...REPORT, campaignId: 'c\u202e1', versions });
  expect(lines[0]).toBe('acme, campaign c\\u202E1, by day from 2026-12-01 18:30 to 2026-12-03 18:30 UTC');
  expect(lines.slice(-7)).toEqual(['attributes:', ...changeLines(versions).map((l) => `  ${l}`)]);
});

test('CSV: one line per interval with data, ISO times', () => {
  expect(reportCsv(REPORT)).toBe(
    'interval_start,impressions,clicks,conversions,resets,estimated,first_seen\n' +
      '2026-12-01T00:00:00.000Z,0,0,0,0,false,3\n' +
      '2026-12-02T00:00:00.000Z,12000,1200,120,0,true,0\n' +
      '2026-12-03T00:00:00.000Z,3000.5,300.05,30.005,1,false,0\n',
  );
});

describe('the HTML page', () => {
  const LIBRARY = 'window.Chart = function () {};';
  const hostile = '</script><script>alert(1)</script><img src=x onerror=alert(2)>';
  const page = reportHtml(
    {
      ...REPORT,
      campaignId: hostile,
      versions: [{ validFrom: d('2026-12-02T09:00:00Z'), validTo: null, name: hostile, status: 'active', budget: '1', listed: true }],
    },
    LIBRARY,
  );
  const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
  const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

  test('platform text never becomes markup or script', () => {
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    // Three script elements: the data (JSON) and two that run; nothing else opened one.
    expect(page.match(/<script/g)).toHaveLength(3);
    expect(scripts).toHaveLength(2);
  });

  test('it loads nothing: the policy allows exactly its own scripts and style, by hash', () => {
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)![1]!;
    expect(policy).toBe(`default-src 'none'; script-src ${scripts.map(hash).join(' ')}; style-src ${hash(style)}`);
    expect(scripts[0]).toBe(LIBRARY);
    expect(page).not.toMatch(/<[^>]*\s(src|href)=/);
  });

  test('the chart has every interval of the range, empty where there was no listing', () => {
    const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/.exec(page)![1]!) as {
      labels: string[];
      rows: { impressions: number | null }[];
    };
    expect(data.labels).toEqual(['2026-12-01', '2026-12-02', '2026-12-03']);
    expect(data.rows.map((r) => r.impressions)).toEqual([0, 12000, 3000.5]);
  });
});
