import { frontendConnectEnv, frontendSecurityConfig, type FrontendSecurity } from '../../dev-stack/frontend-security';
import type { TestCertificates } from '../../dev-stack/test-certificates';

const files = (name: string) => ({ cert: `/pki/${name}.pem`, key: `/pki/${name}-key.pem` });
const certificates: TestCertificates = {
  dir: '/pki',
  ca: files('ca'),
  server: files('server'),
  client: files('client'),
  wrongCa: files('wrong-ca'),
  wrongClient: files('wrong-client'),
};
const SECURITY: Record<FrontendSecurity['mode'], FrontendSecurity> = {
  tls: { mode: 'tls', certificates },
  mtls: { mode: 'mtls', certificates },
  jwt: { mode: 'jwt', certificates, jwksUrl: 'http://127.0.0.1:1/jwks.json', adminApiKey: 'admin-key' },
};
const ADDRESS = '127.0.0.1:7233';
const TRUST_SERVER = { TEMPORAL_ADDRESS: ADDRESS, TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/pki/ca.pem', TEMPORAL_TLS_SERVER_NAME: 'localhost' };

test.each([
  ['tls', TRUST_SERVER],
  ['mtls', { ...TRUST_SERVER, TEMPORAL_TLS_CLIENT_CERT_PATH: '/pki/client.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: '/pki/client-key.pem' }],
  // The API key is the caller's to choose: the set-up's admin key never reaches a worker by default.
  ['jwt', TRUST_SERVER],
] as const)('a client of a %s frontend is given the CA, the server name and (mTLS) its certificate', (mode, env) => {
  expect(frontendConnectEnv(SECURITY[mode], ADDRESS)).toEqual(env);
});

test('a plaintext server needs only its address', () => {
  expect(frontendConnectEnv(undefined, ADDRESS)).toEqual({ TEMPORAL_ADDRESS: ADDRESS });
});

test.each([
  // mode, client certificates required, authorizer, internal frontend, system worker's client certificate
  ['tls', false, undefined, false, undefined],
  ['mtls', true, undefined, false, '/pki/server.pem'],
  ['jwt', false, 'default', true, undefined],
] as const)('%s: client certificates required %s, authorizer %s, internal frontend %s', (mode, mtls, authorizer, internal, workerCert) => {
  const config = frontendSecurityConfig(SECURITY[mode]);
  const tls = config.tls as {
    frontend: { server: { certFile: string; requireClientAuth: boolean; clientCaFiles?: string[] } };
    systemWorker?: { certFile?: string; client: { serverName: string; rootCaFiles: string[] } };
  };
  expect(tls.frontend.server).toMatchObject({ certFile: '/pki/server.pem', requireClientAuth: mtls });
  expect(tls.frontend.server.clientCaFiles).toEqual(mtls ? ['/pki/ca.pem'] : undefined);
  expect(config.authorization?.authorizer).toBe(authorizer);
  expect(config.internalFrontend).toBe(internal);
  // The system worker goes to the public frontend unless an internal one serves it, and must pass its checks.
  if (internal) expect(tls.systemWorker).toBeUndefined();
  else
    expect(tls.systemWorker).toEqual({
      ...(workerCert && { certFile: workerCert, keyFile: '/pki/server-key.pem' }),
      client: { serverName: 'localhost', rootCaFiles: ['/pki/ca.pem'] },
    });
});
