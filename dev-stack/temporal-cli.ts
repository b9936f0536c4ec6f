import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The Temporal CLI bundles the dev server and the Web UI in one binary. v1.5.1 is the newest
 * tag whose go.mod has no replace directive, so `go install` can build it from the module proxy.
 */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

const HOW_TO_FIX =
  `Install the Temporal CLI ${TEMPORAL_CLI_VERSION} (with Go: go install ${MODULE}) and set TEMPORAL_CLI to its path, ` +
  'or point at a running cluster with TEMPORAL_ADDRESS=host:7233.';

export class TemporalCliNotFound extends Error {}

/** A user-level cache outside the repository, shared by every clone and by CI. */
export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheHome, 'campaign-sync', 'temporal-cli', TEMPORAL_CLI_VERSION);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Finds the CLI without building it: $TEMPORAL_CLI, `temporal` on PATH, then the user cache. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TEMPORAL_CLI) {
    if (!isExecutable(env.TEMPORAL_CLI)) {
      throw new TemporalCliNotFound(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file. ${HOW_TO_FIX}`);
    }
    return env.TEMPORAL_CLI;
  }
  const cached = join(temporalCliCacheDir(env), 'temporal');
  return onPath('temporal', env) ?? (isExecutable(cached) ? cached : undefined);
}

/** Finds the CLI, or builds the pinned version into the user cache with Go (a few minutes, once). */
export async function ensureTemporalCli(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<string> {
  const found = findTemporalCli(env);
  if (found) return found;
  const dir = temporalCliCacheDir(env);
  const go = onPath('go', env) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new TemporalCliNotFound(`The Temporal CLI was not found and Go is not installed to build it. ${HOW_TO_FIX}`);
  mkdirSync(dir, { recursive: true });
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} into ${dir} (once; takes a few minutes)...`);
  try {
    await promisify(execFile)(go, ['install', MODULE], {
      env: { ...env, GOBIN: dir, CGO_ENABLED: env.CGO_ENABLED ?? '0' },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    throw new TemporalCliNotFound(`Building the Temporal CLI failed: ${stderr.trim().split('\n').slice(-3).join(' | ')}. ${HOW_TO_FIX}`);
  }
  return join(dir, 'temporal');
}
