import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/infra/child-process';
import { findTemporalCli } from '../../src/infra/temporal-cli';
import { startDevServer, type DevServer } from '../../src/infra/temporal-dev-server';

/** The pinned dev server as a separate process, on free ports, with a throwaway SQLite file. */
export async function startTestDevServer(): Promise<DevServer> {
  const cliPath = findTemporalCli();
  if (!cliPath) throw new Error('No Temporal CLI: run `npm run temporal:ensure` first (or set TEMPORAL_CLI)');
  const dir = mkdtempSync(join(tmpdir(), 'campaign-sync-temporal-'));
  return startDevServer({ cliPath, dbFilename: join(dir, 'temporal.sqlite'), port: await freePort(), uiPort: await freePort() });
}
