import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** jose is ESM only: loaded with import(), which this CommonJS build keeps as it is. */
const loadJose = () => import('jose');
type Jose = Awaited<ReturnType<typeof loadJose>>;
type SigningKey = Awaited<ReturnType<Jose['generateKeyPair']>>['privateKey'];

/**
 * Temporal's default claim mapper reads "<namespace>:<role>" from this claim; the namespace
 * `temporal-system` stands for the whole cluster (creating namespaces, search attributes).
 */
export const PERMISSIONS_CLAIM = 'permissions';
/** The signing algorithm the server's JWKS key provider accepts for EC keys (it also takes RS256). */
const ALGORITHM = 'ES256';

export interface ApiKeyClaims {
  permissions: string[];
  /** Seconds from now until it expires (negative: it has expired). */
  expiresInSeconds?: number;
  /** Signed with a key the JWKS does not list, as someone else's issuer would. */
  foreignSigner?: boolean;
}

/**
 * The identity provider of a Temporal server with the JWT authorizer, on this machine: a signing
 * key, its JWKS at `jwksUrl` (http://127.0.0.1:<port>/jwks.json) for the server's key provider,
 * and API keys (JWTs) made on demand.
 */
export interface TestIdentityProvider {
  jwksUrl: string;
  apiKey(claims: ApiKeyClaims): Promise<string>;
  /** A token with `alg: none`: the right claims, no signature. */
  unsignedApiKey(claims: ApiKeyClaims): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIdentityProvider(): Promise<TestIdentityProvider> {
  const jose = await loadJose();
  const keyId = 'campaign-sync-test';
  const signer = await jose.generateKeyPair(ALGORITHM);
  const foreign = await jose.generateKeyPair(ALGORITHM);
  const jwks = JSON.stringify({ keys: [{ ...(await jose.exportJWK(signer.publicKey)), kid: keyId, alg: ALGORITHM, use: 'sig' }] });

  const server = createServer((req, res) => {
    const found = req.url === '/jwks.json';
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' }).end(found ? jwks : '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const payload = ({ permissions }: ApiKeyClaims) => ({ sub: 'campaign-sync', [PERMISSIONS_CLAIM]: permissions });
  const expiry = ({ expiresInSeconds = 3600 }: ApiKeyClaims) => Math.floor(Date.now() / 1000) + expiresInSeconds;
  const sign = (claims: ApiKeyClaims, key: SigningKey) =>
    new jose.SignJWT(payload(claims))
      .setProtectedHeader({ alg: ALGORITHM, kid: keyId })
      .setIssuedAt()
      .setExpirationTime(expiry(claims))
      .sign(key);
  return {
    jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
    apiKey: (claims) => sign(claims, claims.foreignSigner ? foreign.privateKey : signer.privateKey),
    unsignedApiKey: async (claims) => new jose.UnsecuredJWT(payload(claims)).setIssuedAt().setExpirationTime(expiry(claims)).encode(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
