/**
 * Builds Temporal's own server and its SQL schema tool from the Go module proxy, once, into a
 * user-level cache beside the CLI's (never into the repository), with the PostgreSQL schema
 * files next to them:  npm run temporal-server:ensure
 * v1.30.x has no replace directives, so `go install` builds it straight from the proxy.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPORAL_SERVER_VERSION, temporalServerDir, temporalServerParts } from '../dev-stack/temporal-server';

const dir = temporalServerDir();
const parts = temporalServerParts(dir);
if (![parts.server, parts.sqlTool, parts.schemaDir].every(existsSync)) {
  process.stderr.write(`Building the Temporal server ${TEMPORAL_SERVER_VERSION} into ${dir} (once; takes several minutes)...\n`);
  const go = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    execFileSync('go', args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
      .toString()
      .trim();
  const modules = ['cmd/server', 'cmd/tools/sql'].map((pkg) => `go.temporal.io/server/${pkg}@${TEMPORAL_SERVER_VERSION}`);
  go(['install', ...modules], { GOBIN: dir });
  cpSync(
    join(go(['env', 'GOMODCACHE']), `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12'),
    parts.schemaDir,
    { recursive: true },
  );
}
process.stdout.write(`${parts.server}\n`);
