import type { IssuedToken } from './api';

interface CachedToken {
  accessToken: string;
  refreshAt: number;
}

/**
 * Bearer tokens per client, kept in the worker's memory only. A token is renewed before it
 * expires (at 80% of its lifetime, at most a minute early) and after the platform calls it
 * expired. Concurrent callers for one client share a single token request.
 */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();
  private readonly credentialRevisions = new Map<string, string>();

  constructor(
    private readonly issue: (clientId: string) => Promise<IssuedToken>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(clientId: string): Promise<string> {
    const cached = this.tokens.get(clientId);
    if (cached && this.now() < cached.refreshAt) return cached.accessToken;
    let request = this.pending.get(clientId);
    if (!request) {
      const requestedAt = this.now();
      request = this.issue(clientId)
        .then(({ accessToken, expiresInMs }) => {
          const token = { accessToken, refreshAt: requestedAt + expiresInMs - Math.min(60_000, expiresInMs * 0.2) };
          // Not kept when the credentials changed while it was asked for (forgotten by useCredentials).
          if (this.pending.get(clientId) === issued) this.tokens.set(clientId, token);
          return token;
        })
        .finally(() => {
          if (this.pending.get(clientId) === issued) this.pending.delete(clientId);
        });
      const issued = request;
      this.pending.set(clientId, issued);
    }
    return (await request).accessToken;
  }

  /**
   * Tells which version of the client's credentials is current (CredentialStore.revision): when it
   * changed (a password rotated, the secrets file edited), the token of the old credentials, and any
   * request for one under way, are forgotten, so the old credentials' token does not outlive them.
   */
  useCredentials(clientId: string, revision: string): void {
    const known = this.credentialRevisions.get(clientId);
    this.credentialRevisions.set(clientId, revision);
    if (known === undefined || known === revision) return;
    this.tokens.delete(clientId);
    this.pending.delete(clientId);
  }

  /** Forgets the token the platform rejected, unless a newer one has replaced it already. */
  invalidate(clientId: string, accessToken: string): void {
    if (this.tokens.get(clientId)?.accessToken === accessToken) this.tokens.delete(clientId);
  }
}
