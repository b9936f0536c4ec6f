import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http';
import type { AccountState, PlatformState } from './platform-state';

const basicLogin = (req: IncomingMessage) => Buffer.from((req.headers.authorization ?? '').slice(6), 'base64').toString('utf8');

/** POST /auth/token: Basic email:password in, a Bearer token with its lifetime out; a failed login counts for the account it names. */
export function issueToken(platform: PlatformState, req: IncomingMessage) {
  try {
    return tokenFor(platform, req);
  } catch (err) {
    platform.byEmail.get(basicLogin(req).split(':')[0]!)?.stats.add({ at: Date.now(), endpoint: 'auth', status: 401 });
    throw err;
  }
}

function tokenFor(platform: PlatformState, req: IncomingMessage) {
  if (!(req.headers.authorization ?? '').startsWith('Basic '))
    throw new HttpError(401, 'Unauthorized', 'Missing Basic authorization header');
  const decoded = basicLogin(req);
  const colon = decoded.indexOf(':');
  const state = platform.byEmail.get(decoded.slice(0, colon));
  if (colon < 0 || !state || state.account.password !== decoded.slice(colon + 1)) {
    throw new HttpError(401, 'Invalid credentials', 'The email or password is wrong');
  }
  const accessToken = `mock_${randomBytes(24).toString('hex')}`;
  const issuedAt = Date.now();
  const ttlSeconds = platform.config.tokenTtlSeconds;
  platform.tokens.set(accessToken, { accountId: state.account.id, expiresAt: issuedAt + ttlSeconds * 1000 });
  state.stats.tokensIssued += 1;
  state.stats.add({ at: issuedAt, endpoint: 'auth', status: 200 });
  return { access_token: accessToken, token_type: 'Bearer', expires_in: ttlSeconds, issued_at: Math.floor(issuedAt / 1000) };
}

/** The account a Bearer token belongs to; unknown and expired tokens get 401. */
export function authenticate(platform: PlatformState, req: IncomingMessage): AccountState {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) throw new HttpError(401, 'Unauthorized', 'Missing Bearer token');
  const token = platform.tokens.get(header.slice(7));
  if (!token) throw new HttpError(401, 'Unauthorized', 'Unknown access token');
  if (Date.now() >= token.expiresAt) throw new HttpError(401, 'Token expired', 'The access token has expired; request a new one');
  return platform.accounts.get(token.accountId)!;
}
