import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { BUILT } from '../../dev-stack/built';
import { connectionOptionsOf, type FrontendSecurity, type FrontendSecurityMode } from '../../dev-stack/frontend-security';
import { findSecretLeaks, stackSecrets } from './secret-leaks';
import { Stack } from '../../dev-stack/stack';
import { startTestIdentityProvider, type ApiKeyClaims, type TestIdentityProvider } from './test-api-keys';
import { makeTestCertificates, type TestCertificates } from '../../dev-stack/test-certificates';
import { findTemporalCli } from '../../dev-stack/temporal-cli';
import { postgresServerOf, startTemporalServer, TEMPORAL_SERVER_VERSION } from '../../dev-stack/temporal-server';
import { generatedAccountCredentials } from '../../mock-api/accounts';

/**
 * Issue 16's proof: Temporal's own server (built from Go, v1.30.1) with TLS on its frontend, in
 * the three ways a production cluster is secured; a worker process and the CLI sync a client
 * through each, configured only by Temporal's environment variables, and a wrong certificate or
 * key is refused in one line that says what to fix. One server per mode, one test file per mode
 * (test/e2e/secure-temporal-*.test.ts), so the three run side by side.
 */

const LOGIN = generatedAccountCredentials(1);
const CAMPAIGNS = 12;
const NAMESPACE = 'default';

let certificates: TestCertificates;
let identityProvider: TestIdentityProvider;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(file: string, args: string[], env: Record<string, string>, timeout = 120_000): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(file, args, { env: { ...process.env, ...env }, timeout });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A refusal: exit code 1 and one line on stderr saying what to fix. */
function expectOneLineRefusal(result: Run, prefix: string, fix: RegExp) {
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${prefix}: Cannot connect to Temporal at 127\\.0\\.0\\.1:\\d+: `));
  expect(lines[0]).toMatch(fix);
}

/** What a client is given in each refusal case, and what the one line must tell it to fix. */
interface Refusal {
  what: string;
  /** Overrides the good settings; an empty value unsets one. */
  env: () => Promise<Record<string, string>> | Record<string, string>;
  fix: RegExp;
}

const apiKeyEnv = async (claims: ApiKeyClaims) => ({ TEMPORAL_API_KEY: await identityProvider.apiKey(claims) });
/** The namespace permission the worker and CLI hold: writing, not administering. */
const NAMESPACE_PERMISSION = `${NAMESPACE}:write`;
const REFUSED_API_KEY = /the server refused the API key from TEMPORAL_API_KEY/;

const WRONG_CA: Refusal = {
  what: 'a CA that did not issue the server certificate',
  env: () => ({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: certificates.wrongCa.cert }),
  fix: /the server's certificate is not signed by the CA in TEMPORAL_TLS_SERVER_CA_CERT_PATH \(.*wrong-ca\.pem\)/,
};

const REFUSALS: Record<FrontendSecurityMode, Refusal[]> = {
  tls: [
    WRONG_CA,
    {
      what: 'a server name the certificate does not carry',
      env: () => ({ TEMPORAL_TLS_SERVER_NAME: 'ads.example.com' }),
      fix: /TEMPORAL_TLS_SERVER_NAME/,
    },
    {
      what: 'plaintext to a TLS frontend',
      env: () => ({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '', TEMPORAL_TLS_SERVER_NAME: '' }),
      fix: /the server requires TLS: set TEMPORAL_TLS=true/,
    },
  ],
  mtls: [
    WRONG_CA,
    {
      what: 'no client certificate',
      env: () => ({ TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '' }),
      fix: /the server requires a client certificate \(mTLS\): set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH/,
    },
    {
      what: 'a client certificate from a CA the server does not trust',
      env: () => ({
        TEMPORAL_TLS_CLIENT_CERT_PATH: certificates.wrongClient.cert,
        TEMPORAL_TLS_CLIENT_KEY_PATH: certificates.wrongClient.key,
      }),
      fix: /the server refused the client certificate: check that TEMPORAL_TLS_CLIENT_CERT_PATH \(.*wrong-client\.pem\)/,
    },
  ],
  jwt: [
    WRONG_CA,
    {
      what: 'an API key signed by another issuer',
      env: () => apiKeyEnv({ permissions: [NAMESPACE_PERMISSION], foreignSigner: true }),
      fix: REFUSED_API_KEY,
    },
    {
      what: 'an expired API key',
      env: () => apiKeyEnv({ permissions: [NAMESPACE_PERMISSION], expiresInSeconds: -60 }),
      fix: REFUSED_API_KEY,
    },
    {
      what: 'an unsigned API key',
      env: async () => ({ TEMPORAL_API_KEY: await identityProvider.unsignedApiKey({ permissions: [NAMESPACE_PERMISSION] }) }),
      fix: REFUSED_API_KEY,
    },
    // GetSystemInfo, the SDKs' connect call, is open to all: these two are refused by the namespace call made at connect.
    { what: 'no API key', env: () => ({ TEMPORAL_API_KEY: '' }), fix: /the server requires credentials: set TEMPORAL_API_KEY/ },
    { what: 'an API key for another namespace', env: () => apiKeyEnv({ permissions: ['other:admin'] }), fix: REFUSED_API_KEY },
  ],
};

/** The tests of one way of securing the frontend, against a server of their own. */
export function describeSecuredFrontend(mode: FrontendSecurityMode): void {
  jest.setTimeout(300_000);
  beforeAll(async () => {
    [certificates, identityProvider] = await Promise.all([makeTestCertificates(), startTestIdentityProvider()]);
  });
  afterAll(async () => {
    await identityProvider?.close();
  });

  describe(`Temporal server ${TEMPORAL_SERVER_VERSION}, frontend secured by ${mode}`, () => {
    let stack: Stack;
    /** The worker's and CLI's settings besides Temporal's: the stack's database and task queue. */
    let appEnv: Record<string, string>;
    /** What the CLI printed while syncing, searched for secrets too. */
    let cliOutput = '';

    beforeAll(async () => {
      stack = await Stack.start(
        {
          generatedAccounts: 1,
          campaignsPerAccount: CAMPAIGNS,
          rateLimit: 100,
          rateWindowMs: 1000,
          syncLatencyMs: 20,
          rate503: 0,
          hangRate: 0,
        },
        {
          temporal: async (database) => {
            const security: FrontendSecurity =
              mode === 'jwt'
                ? {
                    mode,
                    certificates,
                    jwksUrl: identityProvider.jwksUrl,
                    adminApiKey: await identityProvider.apiKey({ permissions: ['temporal-system:admin'] }),
                  }
                : { mode, certificates };
            const server = await startTemporalServer(postgresServerOf(database.connectionString), security);
            // The stack's client and workers hold the namespace's key, not the set-up's cluster admin key.
            if (mode === 'jwt') Object.assign(server.connectEnv, await apiKeyEnv({ permissions: [NAMESPACE_PERMISSION] }));
            return server;
          },
        },
      );
      appEnv = { DATABASE_URL: stack.database.connectionString, TEMPORAL_TASK_QUEUE: stack.taskQueue };
      await stack.addClient('acme', LOGIN, { rateLimit: 100, rateWindowMs: 1000 });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    const cli = (env: Record<string, string>, ...args: string[]) => run(process.execPath, [BUILT.cli, ...args], { ...appEnv, ...env });

    test('the temporal CLI and @temporalio/client connect with the variables the worker is given', async () => {
      const described = await run(
        findTemporalCli()!,
        ['operator', 'namespace', 'describe', '-n', NAMESPACE, '-o', 'json'],
        stack.temporalEnv,
      );
      expect(described).toMatchObject({ code: 0 });
      expect(JSON.parse(described.stdout)).toMatchObject({ namespaceInfo: { name: NAMESPACE } });

      const connection = await Connection.connect(connectionOptionsOf(stack.temporalEnv));
      try {
        const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace: NAMESPACE });
        expect(namespaceInfo?.name).toBe(NAMESPACE);
      } finally {
        await connection.close();
      }
    });

    test('a worker process and the CLI sync a client through it', async () => {
      await stack.startWorker();
      const synced = await cli(stack.temporalEnv, 'sync', 'acme', '--wait');
      cliOutput = `${synced.stdout}\n${synced.stderr}`;
      expect(synced.code).toBe(0);
      expect(synced.stdout).toContain(`acme: pages 1, listed ${CAMPAIGNS}, upserted ${CAMPAIGNS}, synced ${CAMPAIGNS}, failed 0`);
      expect(await stack.campaignRows('acme')).toHaveLength(CAMPAIGNS);
    });

    test("no secret (the API key, the TLS client key, logins, platform tokens) in a log line, history, table or metric, nor in the CLI's output", async () => {
      const secrets = await stackSecrets(stack);
      const held = { tls: [], mtls: ['Temporal TLS client key'], jwt: ['Temporal API key'] }[mode];
      expect(secrets.map((secret) => secret.name)).toEqual(expect.arrayContaining(held));
      const { leaks, searched } = await findSecretLeaks(stack, secrets, { cli: cliOutput });
      expect(leaks).toEqual([]);
      expect(searched.histories).toBeGreaterThan(0);
      expect(searched.logLines).toBeGreaterThan(0);
    });

    for (const refusal of REFUSALS[mode])
      test(`${refusal.what}: the CLI and a worker are refused in one line that says what to fix`, async () => {
        const env = { ...stack.temporalEnv, ...(await refusal.env()) };
        for (const [name, value] of Object.entries(env)) if (value === '') delete env[name];
        const [fromCli, fromWorker] = await Promise.all([
          cli(env, 'sync', 'acme'),
          run(process.execPath, [BUILT.worker], { ...appEnv, ...env }, 60_000),
        ]);
        expectOneLineRefusal(fromCli, 'campaign-sync', refusal.fix);
        expectOneLineRefusal(fromWorker, 'worker', refusal.fix);
      });
  });
}
