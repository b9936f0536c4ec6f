import type { IssuedToken } from '../../src/platform/api';
import { TokenCache } from '../../src/platform/token-cache';

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A TokenCache over a fake platform. Every issue() call is recorded in `calls`; it takes the next
 * promise the test queued in `answers`, else answers `<client>-<n>` (the client's n-th request),
 * valid for `lifetimeMs`. The clock is the test's.
 */
function setup(lifetimeMs = 3_600_000) {
  const clock = { now: 1_000_000 };
  const calls: string[] = [];
  const answers: Promise<IssuedToken>[] = [];
  const issue = async (clientId: string): Promise<IssuedToken> => {
    calls.push(clientId);
    const n = calls.filter((c) => c === clientId).length;
    return answers.shift() ?? { accessToken: `${clientId}-${n}`, expiresInMs: lifetimeMs };
  };
  const cache = new TokenCache(issue, () => clock.now);
  const answerNextBy = () => {
    const answer = deferred<IssuedToken>();
    answers.push(answer.promise);
    return answer;
  };
  return { cache, calls, clock, answerNextBy };
}

test('caches a token per client', async () => {
  const { cache, calls } = setup();

  expect(await cache.get('acme')).toBe('acme-1');
  expect(await cache.get('acme')).toBe('acme-1');
  expect(await cache.get('globex')).toBe('globex-1');
  expect(await cache.get('globex')).toBe('globex-1');

  expect(calls).toEqual(['acme', 'globex']);
});

test('concurrent callers for one client share one token request', async () => {
  const { cache, calls, answerNextBy } = setup();
  const answer = answerNextBy();

  const waiting = [cache.get('acme'), cache.get('acme'), cache.get('acme')];
  answer.resolve({ accessToken: 'shared', expiresInMs: 3_600_000 });

  expect(await Promise.all(waiting)).toEqual(['shared', 'shared', 'shared']);
  expect(calls).toHaveLength(1);
});

test.each([
  // 20% of 100 s is 20 s: renewed at 80 s.
  ['a short-lived token at 80% of its lifetime', 100_000, 80_000],
  // 20% of an hour is 12 min, more than the 60 s cap: renewed a minute before it expires.
  ['a long-lived token at most a minute early', 3_600_000, 3_540_000],
])('renews %s', async (_name, lifetimeMs, renewAfterMs) => {
  const { cache, calls, clock } = setup(lifetimeMs);
  const start = clock.now;
  await cache.get('acme');

  clock.now = start + renewAfterMs - 1;
  expect(await cache.get('acme')).toBe('acme-1');
  expect(calls).toHaveLength(1);

  clock.now = start + renewAfterMs;
  expect(await cache.get('acme')).toBe('acme-2');
  expect(calls).toHaveLength(2);
});

test('the lifetime counts from when the token was requested, not when it arrived', async () => {
  const { cache, clock, answerNextBy } = setup();
  const start = clock.now;
  const answer = answerNextBy();

  const first = cache.get('acme');
  clock.now = start + 10_000; // the platform took 10 s to answer
  answer.resolve({ accessToken: 'slow', expiresInMs: 100_000 });
  expect(await first).toBe('slow');

  clock.now = start + 80_000;
  expect(await cache.get('acme')).toBe('acme-2');
});

test('invalidate() forgets the token it was given, not a newer one', async () => {
  const { cache, calls } = setup();
  const stale = await cache.get('acme');

  cache.invalidate('acme', stale);
  const fresh = await cache.get('acme');
  expect(fresh).toBe('acme-2');

  // A second caller reporting the same stale token must not throw the fresh one away.
  cache.invalidate('acme', stale);
  expect(await cache.get('acme')).toBe(fresh);
  expect(calls).toHaveLength(2);
});

test('invalidate() leaves other clients alone', async () => {
  const { cache, calls } = setup();
  const acme = await cache.get('acme');
  await cache.get('globex');

  cache.invalidate('acme', acme);

  expect(await cache.get('globex')).toBe('globex-1');
  expect(await cache.get('acme')).toBe('acme-2');
  expect(calls).toEqual(['acme', 'globex', 'acme']);
});

test('a failed token request is not cached: every waiter sees the failure and the next get() asks again', async () => {
  const { cache, calls, answerNextBy } = setup();
  const failure = new Error('platform unavailable');
  const answer = answerNextBy();

  const waiting = [cache.get('acme'), cache.get('acme')];
  answer.reject(failure);
  await expect(waiting[0]).rejects.toBe(failure);
  await expect(waiting[1]).rejects.toBe(failure);

  expect(await cache.get('acme')).toBe('acme-2');
  expect(calls).toHaveLength(2);
});

test('a token of credentials that changed since is dropped, also one still being asked for', async () => {
  const { cache, calls, answerNextBy } = setup();
  cache.useCredentials('acme', '0');
  expect(await cache.get('acme')).toBe('acme-1');
  cache.useCredentials('acme', '0');
  expect(await cache.get('acme')).toBe('acme-1');
  cache.useCredentials('acme', '1');
  expect(await cache.get('acme')).toBe('acme-2');
  // Changed again while a token is asked for: that token is not kept.
  cache.useCredentials('acme', '2');
  const slow = answerNextBy();
  const asked = cache.get('acme');
  cache.useCredentials('acme', '3');
  slow.resolve({ accessToken: 'of-old-credentials', expiresInMs: 3_600_000 });
  expect(await asked).toBe('of-old-credentials'); // the caller asked before the change
  expect(await cache.get('acme')).toBe('acme-4');
  expect(calls).toEqual(['acme', 'acme', 'acme', 'acme']);
});
