import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { accountRateLimit, buildAccounts, type Account } from './accounts';
import type { MockConfig } from './config';
import { notFound } from './http';
import type { Poison } from './poison-names';
import type { Scenario } from './scenarios';
import { SlidingWindow } from './sliding-window';
import { AccountStats } from './stats';

/** The sliding windows of one rate limit, an account's or the application's. */
export interface RateWindows {
  /** Requests the rate limiter let through (what it enforces). */
  accepted: SlidingWindow;
  /** Every request that reached the limiter, rejected or not (what a well-behaved client keeps under the limit). */
  arrivals: SlidingWindow;
}

/** `windowMs` is read on every use, so PATCH /__mock/config changes a window's length at once. */
const rateWindows = (windowMs: () => number): RateWindows => ({
  accepted: new SlidingWindow(windowMs),
  arrivals: new SlidingWindow(windowMs),
});

export interface AccountState extends RateWindows {
  account: Account;
  stats: AccountStats;
  /** An injected burst of 429s lasts until then. */
  burstUntil: number;
}

export interface Token {
  accountId: string;
  expiresAt: number;
}

const TEXT_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * What the running mock holds: its accounts with their stats and windows, the application's windows,
 * issued tokens, hostile scenarios, poisons served, and the dice.
 */
export class PlatformState {
  readonly accounts = new Map<string, AccountState>();
  /** The application (developer token) every account is synced with: its rate limit counts the requests of all accounts. */
  application = this.applicationWindows();
  readonly byEmail = new Map<string, AccountState>();
  readonly tokens = new Map<string, Token>();
  readonly scenarios = new Map<string, Scenario>();
  /** Answers that carried each poison, over all accounts. */
  readonly poisonsServed = new Map<Poison, number>();
  /** Poisons served since their setting was last set (or the start, or a reset): a `once` poison here is not served again. */
  readonly poisonsSpent = new Set<Poison>();
  private readonly rng;

  /** `config` is shared with the server: PATCH /__mock/config changes it in place. */
  constructor(readonly config: MockConfig) {
    this.rng = xoroshiro128plus(config.seed);
    for (const account of buildAccounts(config)) this.track(account);
  }

  /** True with this probability; a zero rate draws nothing, so switching a fault off leaves the others' sequence as it was. */
  chance(probability: number): boolean {
    return probability > 0 && uniformFloat64(this.rng) < probability;
  }

  /** Seeded random letters and digits: text that neither repeats nor compresses well. */
  randomText(length: number): string {
    return Array.from({ length }, () => TEXT_ALPHABET[uniformInt(this.rng, 0, TEXT_ALPHABET.length - 1)]).join('');
  }

  account(id: string): AccountState {
    const state = this.accounts.get(id);
    if (!state) throw notFound('Unknown account');
    return state;
  }

  /** Fresh stats and windows for every account and the application, and every poison armed again (campaigns and tokens stay). */
  resetStats() {
    for (const state of [...this.accounts.values()]) this.track(state.account);
    this.application = this.applicationWindows();
    this.poisonsServed.clear();
    this.poisonsSpent.clear();
  }

  private applicationWindows() {
    return rateWindows(() => this.config.appRateWindowMs);
  }

  private track(account: Account) {
    const state: AccountState = {
      account,
      stats: new AccountStats(),
      // The account's own window: the big account's may differ from the others'.
      ...rateWindows(() => accountRateLimit(this.config, account.id).rateWindowMs),
      burstUntil: 0,
    };
    this.accounts.set(account.id, state);
    this.byEmail.set(account.email, state);
  }
}
