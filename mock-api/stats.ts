import type { Poison } from './poison-names';

export type Endpoint = 'auth' | 'list' | 'sync';

export interface RequestRecord {
  at: number;
  endpoint: Endpoint;
  status: number | 'hung';
  page?: number;
  limit?: number;
  campaignId?: string;
  clientIdHeader?: string;
  /** A 429 from an injected burst, not from the window. */
  injected?: boolean;
  /** A 429 from a rate window: the account's own, or the application's that all accounts share. */
  limitedBy?: 'account' | 'application';
  /** A fault injected into an answer that was sent. */
  fault?: 'reset' | 'drip';
  /** The poison the answer carried (mock-api/poisons.ts). */
  poison?: Poison;
}

/** What one account saw: every request, and the figures tests ask for most. */
export class AccountStats {
  readonly requests: RequestRecord[] = [];
  readonly syncedCampaignIds = new Map<string, number>();
  tokensIssued = 0;

  add(record: RequestRecord): void {
    this.requests.push(record);
  }

  summary(maxArrivalsInWindow: number, maxAcceptedInWindow: number) {
    const byEndpoint: Record<string, Record<string, number>> = {};
    for (const { endpoint, status } of this.requests) {
      const counts = (byEndpoint[endpoint] ??= {});
      counts[String(status)] = (counts[String(status)] ?? 0) + 1;
    }
    return {
      tokensIssued: this.tokensIssued,
      requests: byEndpoint,
      rateLimited: this.requests.filter((r) => r.limitedBy === 'account').length,
      appRateLimited: this.requests.filter((r) => r.limitedBy === 'application').length,
      injected429: this.requests.filter((r) => r.status === 429 && r.injected).length,
      maxArrivalsInWindow,
      maxAcceptedInWindow,
      syncedCampaignIds: [...this.syncedCampaignIds.keys()],
      syncCalls: Object.fromEntries(this.syncedCampaignIds),
    };
  }
}
