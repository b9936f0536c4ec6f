import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { BUILT } from '../../dev-stack/built';
import { testDatabase, type TestDatabase } from '../../dev-stack/databases';
import { PROJECT_ROOT } from '../../src/config';
import { upsertCampaigns } from '../../src/db/campaigns';
import { saveClient } from '../../src/db/clients';
import type { Campaign } from '../../src/contract/activities';
import { chooseChromium } from '../helpers/chromium';

// `campaign-sync report` as an analyst runs it: the compiled CLI on a database whose history was
// written by the real insert path (two days of hourly listings, a missed hour, a reset, a budget
// change); the HTML page opened in headless Chromium, which must draw the chart loading nothing.
// The page and its screenshot go to test-output/ (or TEST_OUTPUT_DIR).

jest.setTimeout(120_000);

const OUTPUT = process.env.TEST_OUTPUT_DIR ?? join(PROJECT_ROOT, 'test-output');
const HOUR_MS = 3_600_000;
let db: TestDatabase;
/** The hours listed, oldest first: 48 of them up to the last full hour, but for one missed. */
const listedHours: Date[] = [];

const campaign = (id: string, hour: number, overrides: Partial<Campaign> = {}): Campaign => ({
  id,
  name: `Campaign ${id}`,
  status: 'active',
  budget: 1700,
  impressions: 1000 + hour * 100,
  clicks: 50 + hour * 10,
  conversions: hour,
  created_at: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

beforeAll(async () => {
  mkdirSync(OUTPUT, { recursive: true });
  db = await testDatabase('reachable');
  await saveClient(db.pool, {
    id: 'acme',
    name: 'Acme',
    apiBaseUrl: 'http://127.0.0.1:1',
    credentialsRef: 'acme',
    enabled: true,
    rateLimit: 10,
    rateWindowMs: 60_000,
  });
  const lastHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  for (let h = 0; h < 48; h++) {
    if (h === 30) continue; // a missed sync
    const at = new Date(lastHour - (47 - h) * HOUR_MS);
    listedHours.push(at);
    const c2 = h < 40 ? campaign('c2', h) : campaign('c2', h - 40); // reset at hour 40
    const c1 = campaign('c1', h, h >= 24 ? { budget: 2500, status: 'paused' } : {});
    await upsertCampaigns(db.pool, 'acme', `run-${h}`, [c1, c2], at.toISOString());
  }
}, 120_000);

afterAll(async () => {
  await db?.stop();
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DATABASE_URL: db.connectionString };
  return promisify(execFile)(process.execPath, [BUILT.cli, ...args], { env, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

test('the terminal report: the client by hour, a table and a chart per counter', async () => {
  const { code, stdout, stderr } = await cli('report', 'acme', '--since', '3d', '--by', 'hour');
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  const lines = stdout.split('\n');
  expect(lines[0]).toMatch(/^acme, all 2 campaigns, by hour from \d{4}-\d\d-\d\d \d\d:\d\d to \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  expect(lines[1]).toMatch(/^interval +impressions +clicks +conversions +CTR$/);
  expect(stdout).toMatch(/^impressions {2}[▁-█ ]+ {2}peak [\d,.]+$/m);
  // The missed hour's growth is spread over it and the hour before, each marked; the reset is marked.
  expect(lines.filter((l) => / \*$/.test(l))).toHaveLength(2);
  expect(lines.filter((l) => / !$/.test(l))).toHaveLength(1);
  expect(lines.filter((l) => / \+2$/.test(l))).toHaveLength(1);
});

test('CSV: every hour with data, and the growth adds up to what the counters grew', async () => {
  const { code, stdout } = await cli('report', 'acme', '--campaign', 'c1', '--since', '3d', '--by', 'hour', '--csv');
  expect(code).toBe(0);
  const [header, ...rows] = stdout.trimEnd().split('\n');
  expect(header).toBe('interval_start,impressions,clicks,conversions,resets,estimated,first_seen');
  // c1 grows 100 impressions an hour from its first listing (hour 0, first seen) to its last
  // (hour 47): 47 hours of growth, the missed hour's shared with the hour before it.
  expect(rows).toHaveLength(47);
  expect(rows.reduce((sum, r) => sum + Number(r.split(',')[1]), 0)).toBe(47 * 100);
  expect(rows[0]).toBe(`${listedHours[0]!.toISOString()},100,10,1,0,false,1`);
});

test('one campaign by day: its performance and its attribute changes', async () => {
  const { code, stdout } = await cli('report', 'acme', '--campaign', 'c1', '--since', '4d');
  expect(code).toBe(0);
  expect(stdout).toContain('acme, campaign c1, by day from ');
  expect(stdout).toMatch(
    /\nattributes:\n {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}active, budget 1700, named "Campaign c1"\n {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}active → paused, budget 1700 → 2500\n$/,
  );
});

test.each([
  [['report', 'nobody'], 'campaign-sync: no client "nobody": see `campaign-sync clients list`\n'],
  [['report', 'acme', '--campaign', 'c9'], 'campaign-sync: client acme has no campaign "c9"\n'],
  [
    ['report', 'acme', '--since', 'last week'],
    'campaign-sync: --since must be a duration like 7d or 24h, or a UTC date like 2026-11-26 (got "last week")\n',
  ],
  [
    ['report', 'acme', '--since', '40d', '--by', 'hour'],
    'campaign-sync: --by hour covers at most 31 days (960 hours asked): use --by day, or a later --since\n',
  ],
  [['report', 'acme', '--csv', '--html', 'x.html'], 'campaign-sync: --csv or --html, not both\n'],
])('%j is refused in one line', async (args, stderr) => {
  expect(await cli(...args)).toEqual({ code: 1, stdout: '', stderr });
});

test('a wrong --by or an HTML file nowhere to go is one line too', async () => {
  const by = await cli('report', 'acme', '--by', 'week');
  expect(by.code).toBe(1);
  expect(by.stderr).toMatch(/^error: option '--by <interval>' argument 'week' is invalid\. Allowed choices are hour, day\.\n$/);
  const nowhere = await cli('report', 'acme', '--html', '/nonexistent-dir/report.html');
  expect(nowhere).toMatchObject({ code: 1, stdout: '' });
  expect(nowhere.stderr).toMatch(/^campaign-sync: .*ENOENT.*\/nonexistent-dir\/report\.html.*\n$/);
});

test('the HTML page draws its chart in Chromium, loading nothing and breaking no policy', async () => {
  const file = join(OUTPUT, 'report-acme.html');
  rmSync(file, { force: true });
  expect(await cli('report', 'acme', '--since', '3d', '--by', 'hour', '--html', file)).toEqual({
    code: 0,
    stdout: `report written to ${file}\n`,
    stderr: '',
  });
  expect(readFileSync(file, 'utf8')).toContain('<canvas id="chart">');
  const { executablePath, env } = await chooseChromium();
  const browser = await chromium.launch({ executablePath, env, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requested: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-chart="drawn"]', { timeout: 10_000 });
    // A string: the test is compiled without the DOM's types.
    const drawn = await page.evaluate<{ width: number; painted: number }>(`(() => {
      const canvas = document.getElementById('chart');
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
      return { width: canvas.width, painted };
    })()`);
    await page.screenshot({ path: join(OUTPUT, 'report-acme.png'), fullPage: true });
    expect(drawn.width).toBeGreaterThan(500);
    expect(drawn.painted).toBeGreaterThan(5000);
    expect(requested).toEqual([pathToFileURL(file).href]);
    expect(problems).toEqual([]);
  } finally {
    await browser.close();
  }
});
