import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The credentials the codec endpoint accepts: a shared token (for `temporal --codec-endpoint`
 * and scripts), and/or the JWT a Temporal Web UI forwards with "pass access token", verified
 * against the identity provider's published keys (JWKS) for this issuer and audience.
 */
export interface CodecCredentials {
  readonly token?: string;
  readonly jwt?: { readonly jwksUrl: string; readonly issuer: string; readonly audience: string };
}

export type CredentialVerdict = 'missing' | 'valid' | 'invalid';

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), else undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

/** Equal texts, in time independent of where they differ (hashes have one length, so no length leaks either). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Judges a request's Authorization header: the shared token first (no I/O), then the JWT. */
export function credentialChecker(credentials: CodecCredentials): (authorization: string | undefined) => Promise<CredentialVerdict> {
  let verifyJwt: ((token: string) => Promise<boolean>) | undefined;
  const { jwt } = credentials;
  if (jwt) {
    // jose is an ES module: loaded on first use, and its key set (fetched, cached, refreshed on an unknown key id) kept.
    const loaded = import('jose').then(({ createRemoteJWKSet, jwtVerify }) => ({
      keys: createRemoteJWKSet(new URL(jwt.jwksUrl)),
      jwtVerify,
    }));
    verifyJwt = async (token) => {
      const { keys, jwtVerify } = await loaded;
      return jwtVerify(token, keys, { issuer: jwt.issuer, audience: jwt.audience }).then(
        () => true,
        () => false,
      );
    };
  }
  return async (authorization) => {
    if (authorization === undefined) return 'missing';
    const token = bearerToken(authorization);
    if (token === undefined) return 'invalid';
    if (credentials.token !== undefined && sameSecret(token, credentials.token)) return 'valid';
    if (verifyJwt && (await verifyJwt(token))) return 'valid';
    return 'invalid';
  };
}
