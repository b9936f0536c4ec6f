// What the CLI's end-to-end tests (test/e2e/cli-*.test.ts) share: a stack with a worker holding their
// credentials, the CLI run against it, and a few ways to drive and read it. Each file calls
// useCliStack() once and gets a stack of its own (files run in parallel, on separate jest workers).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { credentialEnvNames } from '../../src/platform/credentials';
import { generatedAccountCredentials } from '../../mock-api/accounts';
import { Stack } from '../../dev-stack/stack';
import { BUILT } from '../../dev-stack/built';
import { syncWorkflowId } from '../../src/contract/sync';
import { json, startServer, type TestServer } from './http-server';

export const CLI = BUILT.cli;

/** The mock's first account: the worker holds its login as acme-login, for the mock's host. */
export const LOGIN = generatedAccountCredentials(1);
/** An account whose credentials the worker holds for another host than the client's: the mock must never see them. */
export const GUARDED = generatedAccountCredentials(2);
export const GUARDED_ELSEWHERE = 'ads.example.com';

/** What a platform may put in its error text to take over a terminal: title, clear screen, colour, bidi override, C1 CSI. */
export const TERMINAL_ATTACK = '\x1b]0;owned\x07\x1b[2J\x1b[31mred\u202eevil\x9b0m';
export const CONTROL_CHARACTERS = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Worker environment for a credentials ref: its login and, unless undefined, the host it may go to. */
export function credentialsEnv(ref: string, login: { email: string; password: string }, host: string | undefined): Record<string, string> {
  const names = credentialEnvNames(ref);
  return { [names.email]: login.email, [names.password]: login.password, ...(host === undefined ? {} : { [names.host]: host }) };
}

/** Polls `check` every 250 ms until it returns something, for at most 20 s. */
export async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 80; i++) {
    const found = await check();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('gave up waiting');
}

export interface CliStack {
  /** The stack (started in beforeAll). */
  stack(): Stack;
  /** A platform that answers every list call with an error whose text holds TERMINAL_ATTACK (only with `hostilePlatform`). */
  hostilePlatform(): TestServer;
  /** The CLI against the stack; `env` overrides its settings (another Temporal, say). */
  cliWith(env: Record<string, string>, ...args: string[]): Promise<CliResult>;
  cli(...args: string[]): Promise<CliResult>;
  /** `clients add` of a client of the mock platform, with the given credentials reference and rate limit. */
  addMockClient(clientId: string, credentialsRef: string, rateLimit: number, rateWindowMs: number): Promise<CliResult>;
  /** A client allowed one request a minute: its sync lists a page, then waits for rate slots. */
  addSlowClient(clientId: string): Promise<CliResult>;
  /** `runs <clientId>`, a line per run, newest first. */
  runLines(clientId: string): Promise<string[]>;
  /** The failure of a client's last sync, as Temporal recorded it: the activity's retry state and the application failure at its root. */
  syncFailure(clientId: string): Promise<{ retryState?: RetryState; type?: string; nonRetryable?: boolean; message?: string }>;
}

/**
 * Registers beforeAll/afterAll that start (and stop) a stack of 2 mock accounts of 12 campaigns each and a
 * worker holding the credentials acme-login (LOGIN, for the mock's host), elsewhere-login (GUARDED, for
 * GUARDED_ELSEWHERE) and nohost-login (GUARDED, no host); with `hostilePlatform` also that platform and
 * hostile-login for it.
 */
export function useCliStack(options: { hostilePlatform?: boolean } = {}): CliStack {
  let stack: Stack | undefined;
  let hostile: TestServer | undefined;

  beforeAll(async () => {
    if (options.hostilePlatform)
      hostile = await startServer((req, res) =>
        req.url === '/auth/token'
          ? json(res, 200, { access_token: 'hostile-token', expires_in: 3600 })
          : json(res, 400, { error: 'Bad Request', message: TERMINAL_ATTACK }),
      );
    stack = await Stack.start({
      generatedAccounts: 2,
      campaignsPerAccount: 12,
      rateLimit: 10,
      rateWindowMs: 1000,
      syncLatencyMs: 50,
      rate503: 0.1,
      hangRate: 0,
    });
    await stack.startWorker({
      ...credentialsEnv('acme-login', LOGIN, new URL(stack.mock.url).host),
      ...(hostile ? credentialsEnv('hostile-login', { email: 'ops@hostile.example', password: 'hostile-password' }, '127.0.0.1') : {}),
      ...credentialsEnv('elsewhere-login', GUARDED, GUARDED_ELSEWHERE),
      ...credentialsEnv('nohost-login', GUARDED, undefined),
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await hostile?.close();
  });

  const started = (): Stack => {
    if (!stack) throw new Error('the CLI stack is not started: use it in a test or a hook after useCliStack()');
    return stack;
  };

  const cliWith = async (env: Record<string, string>, ...args: string[]): Promise<CliResult> => {
    const settings = {
      ...process.env,
      DATABASE_URL: started().database.connectionString,
      TEMPORAL_ADDRESS: started().devServer.address,
      TEMPORAL_TASK_QUEUE: started().taskQueue,
      ...env,
    };
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env: settings });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as CliResult;
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const cli = (...args: string[]) => cliWith({}, ...args);

  const addMockClient = (clientId: string, credentialsRef: string, rateLimit: number, rateWindowMs: number) =>
    cli(
      'clients',
      'add',
      clientId,
      '--api-url',
      started().mock.url,
      '--credentials-ref',
      credentialsRef,
      '--rate-limit',
      String(rateLimit),
      '--rate-window-ms',
      String(rateWindowMs),
    );

  const syncFailure = async (clientId: string) => {
    const err = await started()
      .temporal.workflow.getHandle(syncWorkflowId(clientId))
      .result()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const chain: unknown[] = [];
    for (let cause = err; cause instanceof Error; cause = cause.cause) chain.push(cause);
    const activity = chain.find((c) => c instanceof ActivityFailure);
    const application = chain.find((c) => c instanceof ApplicationFailure);
    return {
      retryState: activity?.retryState,
      type: application?.type ?? undefined,
      nonRetryable: application?.nonRetryable ?? undefined,
      message: application?.message,
    };
  };

  return {
    stack: started,
    hostilePlatform: () => {
      if (!hostile) throw new Error('no hostile platform: pass useCliStack({ hostilePlatform: true })');
      return hostile;
    },
    cliWith,
    cli,
    addMockClient,
    addSlowClient: (clientId) => addMockClient(clientId, 'acme-login', 1, 60_000),
    runLines: async (clientId) => (await cli('runs', clientId)).stdout.trim().split('\n'),
    syncFailure,
  };
}
