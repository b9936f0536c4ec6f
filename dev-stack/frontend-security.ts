import type { ConnectionOptions } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { TEST_SERVER_NAME, type TestCertificates } from './test-certificates';

/**
 * How Temporal's own server guards its frontend, as a production cluster would:
 * - `tls`: server TLS; clients check the server's certificate against the CA.
 * - `mtls`: also requires a client certificate signed by the CA.
 * - `jwt`: server TLS and the JWT authorizer and claim mapper: each call carries an API key (a JWT
 *   signed by a key in the JWKS at `jwksUrl`) whose permissions name the namespace and role.
 *   `adminApiKey` (cluster admin) registers the namespace and its search attributes.
 */
export type FrontendSecurity =
  | { mode: 'tls' | 'mtls'; certificates: TestCertificates }
  | { mode: 'jwt'; certificates: TestCertificates; jwksUrl: string; adminApiKey: string };

export type FrontendSecurityMode = FrontendSecurity['mode'];

/** The server configuration's parts for a security mode (Temporal's config.go: global.tls, global.authorization). */
export interface FrontendSecurityConfig {
  tls: Record<string, unknown>;
  authorization?: Record<string, unknown>;
  /**
   * The server's own clients (its system worker, history's callbacks) hold no API key: with an
   * authorizer they go through the internal frontend, which trusts them (over internode, plaintext
   * on 127.0.0.1 here), as Temporal's config.go recommends.
   */
  internalFrontend: boolean;
}

export function frontendSecurityConfig(security: FrontendSecurity): FrontendSecurityConfig {
  const { ca, server } = security.certificates;
  const mtls = security.mode === 'mtls';
  const trustServer = { serverName: TEST_SERVER_NAME, rootCaFiles: [ca.cert] };
  return {
    tls: {
      frontend: {
        server: { certFile: server.cert, keyFile: server.key, requireClientAuth: mtls, ...(mtls && { clientCaFiles: [ca.cert] }) },
      },
      // Without an internal frontend the system worker calls the public one, as any client must.
      ...(security.mode !== 'jwt' && {
        systemWorker: { ...(mtls && { certFile: server.cert, keyFile: server.key }), client: trustServer },
      }),
    },
    ...(security.mode === 'jwt' && {
      authorization: {
        jwtKeyProvider: { keySourceURIs: [security.jwksUrl], refreshInterval: '1m' },
        permissionsClaimName: 'permissions',
        authorizer: 'default',
        claimMapper: 'default',
      },
    }),
    internalFrontend: security.mode === 'jwt',
  };
}

/**
 * What a client of this server needs, as Temporal's environment configuration names it (the
 * `temporal` CLI and @temporalio/envconfig read the same variables). No API key: which one a
 * client holds is the caller's choice.
 */
export function frontendConnectEnv(security: FrontendSecurity | undefined, address: string): Record<string, string> {
  if (!security) return { TEMPORAL_ADDRESS: address };
  const { ca, client } = security.certificates;
  return {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca.cert,
    // The address is an IP; the name checked in the server's certificate is given apart.
    TEMPORAL_TLS_SERVER_NAME: TEST_SERVER_NAME,
    ...(security.mode === 'mtls' && { TEMPORAL_TLS_CLIENT_CERT_PATH: client.cert, TEMPORAL_TLS_CLIENT_KEY_PATH: client.key }),
  };
}

/** Connection options from such variables, read by @temporalio/envconfig as the worker and CLI read them. */
export function connectionOptionsOf(env: Record<string, string>): ConnectionOptions {
  return loadClientConnectConfig({ disableFile: true, overrideEnvVars: env }).connectionOptions;
}
