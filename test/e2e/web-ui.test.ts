import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { generatedAccountCredentials } from '../../mock-api/accounts';
import { Stack } from '../../dev-stack/stack';
import { PROJECT_ROOT } from '../../src/config';
import { chooseChromium } from '../helpers/chromium';

// The dev server's Web UI, driven by headless Chromium as an operator would use it: filter the
// syncs by client, open one, read its summary and live details, filter by outcome. Screenshots
// go to test-output/ (or TEST_OUTPUT_DIR).

jest.setTimeout(180_000);

const OUTPUT = process.env.TEST_OUTPUT_DIR ?? join(PROJECT_ROOT, 'test-output');
const LOGIN = generatedAccountCredentials(1);

let stack: Stack;
let browser: Browser;
let page: Page;
let ui: string;

beforeAll(async () => {
  mkdirSync(OUTPUT, { recursive: true });
  stack = await Stack.start({
    generatedAccounts: 1,
    campaignsPerAccount: 40,
    rateLimit: 10,
    rateWindowMs: 1000,
    syncLatencyMs: 50,
    rate503: 0,
    hangRate: 0,
  });
  // Two requests a second: the sync runs for about 20 s, long enough to watch it.
  await stack.addClient('acme', LOGIN, { rateLimit: 2, rateWindowMs: 1000 });
  await stack.startWorker();
  ui = `http://127.0.0.1:${stack.devServer.options.uiPort}/namespaces/default`;
  const { executablePath, env, source } = await chooseChromium();
  browser = await chromium.launch({
    executablePath,
    env,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  console.log(`Chromium ${browser.version()} (${source}): ${executablePath}`);
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const listUrl = (query: string) => `${ui}/workflows?query=${encodeURIComponent(query)}`;

/** Reloads `url` until `text` shows (visibility catches up within seconds). */
async function showsAfterReloads(url: string, text: string | RegExp): Promise<void> {
  for (let i = 0; i < 8; i++) {
    await page.goto(url);
    const shown = await page
      .getByText(text)
      .first()
      .waitFor({ timeout: 5000 })
      .then(
        () => true,
        () => false,
      );
    if (shown) return;
  }
  await screenshot('gave-up');
  throw new Error(
    `${url} never showed ${String(text)}; the page said: ${(await page.innerText('body')).replace(/\s+/g, ' ').slice(0, 600)}`,
  );
}

/** The UI renders summaries and details (markdown) in frames of their own: waits until one shows `text`. */
async function shownInSomeFrame(text: RegExp): Promise<void> {
  for (let i = 0; i < 60; i++) {
    for (const frame of page.frames()) {
      if (text.test(await frame.innerText('body').catch(() => ''))) return;
    }
    await page.waitForTimeout(500);
  }
  await screenshot('gave-up');
  throw new Error(`no frame showed ${String(text)}`);
}

async function screenshot(name: string): Promise<void> {
  const path = join(OUTPUT, `web-ui-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
}

test('an operator filters syncs by client, sees what one syncs and follows it live, then finds it by outcome', async () => {
  const handle = await stack.startSync({ clientId: 'acme', pageSize: 10 });

  await showsAfterReloads(listUrl(`CampaignSyncClientId = "acme" AND WorkflowType = "syncClientWorkflow"`), handle.workflowId);
  await screenshot('filtered-by-client');

  await page.goto(`${ui}/workflows/${encodeURIComponent(handle.workflowId)}/${handle.firstExecutionRunId}/history`);
  // The timeline names each activity and batch by what it syncs.
  await page
    .getByText(/fetchCampaignPage . page 1 of client acme/)
    .first()
    .waitFor({ timeout: 30_000 });
  await page
    .getByText(/10 campaigns of client acme \(p1-b0\)/)
    .first()
    .waitFor({ timeout: 30_000 });
  await screenshot('running-sync-history');
  // The summary, the static details and the current details (state, what it waits for, live counts).
  await page.getByText('User Metadata').first().click();
  await shownInSomeFrame(/^Campaign sync of client acme$/m);
  await shownInSomeFrame(/Lists the campaigns of client acme on the ad platform/);
  await shownInSomeFrame(/(listing|finishing), waiting for (page|a free batch slot|the database|\d+ campaign batches)/);
  await shownInSomeFrame(/pages \d+ · listed \d+ of 40 · synced \d+ · failed 0/);
  await screenshot('running-sync-metadata');

  expect(await handle.result()).toMatchObject({ synced: 40, failed: 0 });
  await showsAfterReloads(listUrl(`CampaignSyncOutcome = "completed" AND CampaignSyncClientId = "acme"`), handle.workflowId);
  await screenshot('filtered-by-outcome');
  expect(await page.content()).not.toContain(LOGIN.password);
});
