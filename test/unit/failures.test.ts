import { ApplicationFailure } from '@temporalio/common';
import { redact, toActivityFailure } from '../../src/activities/failures';
import { FailureType, MALFORMED_ANSWER_ATTEMPTS, NON_RETRYABLE_FAILURES, type PlatformFailureType } from '../../src/contract/failure-types';
import { CredentialsNotForHost, MissingCredentials } from '../../src/platform/credentials';
import { PlatformError } from '../../src/platform/errors';

const PASSWORD = 'SuperSecret123!';
const TOKEN = 'tok_9f8e7d6c5b4a';
const SECRETS = [PASSWORD, TOKEN];

function applicationFailure(err: unknown): ApplicationFailure {
  const failure = toActivityFailure(err, SECRETS, 1);
  expect(failure).toBeInstanceOf(ApplicationFailure);
  return failure as ApplicationFailure;
}

describe('redact', () => {
  test('replaces every occurrence of every secret', () => {
    const message = `login ${PASSWORD} failed; token ${TOKEN}; again ${PASSWORD}${PASSWORD}`;

    expect(redact(message, SECRETS)).toBe('login [redacted] failed; token [redacted]; again [redacted][redacted]');
  });

  test('takes secrets literally, not as patterns', () => {
    expect(redact('p@$$.*word and pXXXXword', ['p@$$.*word'])).toBe('[redacted] and pXXXXword');
  });

  test('ignores secrets shorter than 4 characters, which would shred ordinary words', () => {
    expect(redact('abc abcd', ['abc', 'abcd', ''])).toBe('abc [redacted]');
  });

  test('leaves no part of a secret that contains another secret', () => {
    // The shorter secret must not be cut out of the longer one first, leaving its remainder readable.
    expect(redact('token secret-and-more', ['secret', 'secret-and-more'])).toBe('token [redacted]');
    expect(redact('token secret-and-more', ['secret-and-more', 'secret'])).toBe('token [redacted]');
  });
});

describe('toActivityFailure', () => {
  const platformTypes: PlatformFailureType[] = [
    FailureType.PlatformUnavailable,
    FailureType.PlatformRateLimited,
    FailureType.PlatformTokenExpired,
    FailureType.PlatformBadCredentials,
    FailureType.PlatformRejectedRequest,
    FailureType.PlatformMalformedResponse,
  ];

  test.each(platformTypes)('a PlatformError of kind %s becomes a failure of that type', (type) => {
    const failure = applicationFailure(
      new PlatformError(type, `POST /auth/token answered with ${PASSWORD}`, { status: 400, retryAfterMs: 5000 }),
    );

    expect(failure.type).toBe(type);
    expect(failure.message).toBe('POST /auth/token answered with [redacted]');
    // No original error rides along: its stack or fields could hold what the message no longer does.
    expect(failure.cause).toBeUndefined();
    // Whether to retry is the workflows' retry policy's call, not the failure's.
    expect(failure.nonRetryable).toBe(false);
  });

  test('only a PlatformRateLimited failure with a known wait sets the next retry delay', () => {
    const delay = (err: PlatformError) => applicationFailure(err).nextRetryDelay;

    expect(delay(new PlatformError(FailureType.PlatformRateLimited, '429', { status: 429, retryAfterMs: 1500 }))).toBe(1500);
    expect(delay(new PlatformError(FailureType.PlatformRateLimited, '429', { status: 429 }))).toBeUndefined();
    expect(delay(new PlatformError(FailureType.PlatformUnavailable, '503', { status: 503, retryAfterMs: 1500 }))).toBeUndefined();
    expect(delay(new PlatformError(FailureType.PlatformTokenExpired, '401', { status: 401, retryAfterMs: 1500 }))).toBeUndefined();
  });

  test('a malformed answer is retried until attempt MALFORMED_ANSWER_ATTEMPTS, which says it is not to be retried further', () => {
    const malformed = new PlatformError(
      FailureType.PlatformMalformedResponse,
      'GET /api/campaigns answered 200 with a body over 1048576 bytes',
    );
    const atAttempt = (attempt: number) => toActivityFailure(malformed, SECRETS, attempt) as ApplicationFailure;

    expect(atAttempt(MALFORMED_ANSWER_ATTEMPTS - 1)).toMatchObject({ nonRetryable: false, message: malformed.message });
    expect(atAttempt(MALFORMED_ANSWER_ATTEMPTS)).toMatchObject({
      type: FailureType.PlatformMalformedResponse,
      nonRetryable: true,
      message: `${malformed.message} (attempt ${MALFORMED_ANSWER_ATTEMPTS}; not retried further)`,
    });
    // Other kinds leave retrying to the policy at any attempt.
    expect(toActivityFailure(new PlatformError(FailureType.PlatformUnavailable, '503'), SECRETS, 99)).toMatchObject({
      nonRetryable: false,
    });
  });

  test('MissingCredentials becomes a MissingCredentials failure with secrets redacted', () => {
    const failure = applicationFailure(new MissingCredentials(`No credentials for "acme" (not ${TOKEN})`));

    expect(failure.type).toBe(FailureType.MissingCredentials);
    expect(failure.message).toBe('No credentials for "acme" (not [redacted])');
  });

  test('CredentialsNotForHost becomes a failure of that type that marks itself non-retryable, with secrets redacted', () => {
    const failure = applicationFailure(new CredentialsNotForHost(`Credentials "acme" are for host a.example, not ${TOKEN}`));

    expect(failure.type).toBe(FailureType.CredentialsNotForHost);
    expect(failure.message).toBe('Credentials "acme" are for host a.example, not [redacted]');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.cause).toBeUndefined();
  });

  test('any other error keeps its name as the type, with secrets redacted', () => {
    const failure = applicationFailure(new TypeError(`cannot read ${PASSWORD}`));

    expect(failure.type).toBe('TypeError');
    expect(failure.message).toBe('cannot read [redacted]');
    expect(failure.cause).toBeUndefined();
  });

  test.each([
    ['22001', 'value too long for type character varying(5)'],
    ['22P05', 'unsupported Unicode escape sequence'],
    ['23514', 'new row violates check constraint'],
    ['54000', 'index row size 2712 exceeds btree version 4 maximum 2704'],
  ])('data PostgreSQL refuses (SQLSTATE %s) becomes a DatabaseRejectedData failure', (code, message) => {
    const refused = Object.assign(new Error(message), { code });
    expect(applicationFailure(refused)).toMatchObject({
      type: FailureType.DatabaseRejectedData,
      message: expect.stringContaining(`(${code})`),
    });
  });

  test('an outage is not data PostgreSQL refused', () => {
    const outage = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    expect(applicationFailure(outage).type).toBe('Error');
  });

  test('an ApplicationFailure, or something that is not an Error, passes through unchanged', () => {
    const failure = ApplicationFailure.create({ type: FailureType.UnknownClient, message: 'Unknown client "acme"' });

    expect(toActivityFailure(failure, SECRETS, 1)).toBe(failure);
    expect(toActivityFailure('plain string', SECRETS, 1)).toBe('plain string');
  });
});

describe('NON_RETRYABLE_FAILURES', () => {
  // Every failure type, placed: a new one fails this test until someone decides whether the
  // workflows' retry policies stop at it. (ClientDisabled, CredentialsNotForHost and a malformed
  // answer's last attempt mark themselves non-retryable instead.)
  const STOPS_RETRIES: Record<FailureType, boolean> = {
    PlatformUnavailable: false,
    PlatformRateLimited: false,
    PlatformTokenExpired: false,
    PlatformBadCredentials: true,
    PlatformRejectedRequest: true,
    // Retried a few times, then marks itself non-retryable (MALFORMED_ANSWER_ATTEMPTS).
    PlatformMalformedResponse: false,
    MissingCredentials: true,
    UnknownClient: true,
    ClientDisabled: false,
    CredentialsNotForHost: false,
    DatabaseRejectedData: true,
    // Raised by the workflow itself, never by an activity.
    InvalidSyncInput: false,
  };

  test('holds the failures only a person can fix', () => {
    const decided = Object.values(FailureType).filter((type) => STOPS_RETRIES[type]);
    expect([...NON_RETRYABLE_FAILURES].sort()).toEqual(decided.sort());
  });

  test.each([FailureType.PlatformUnavailable, FailureType.PlatformRateLimited, FailureType.PlatformTokenExpired])(
    '%s stays retryable',
    (type) => {
      expect(NON_RETRYABLE_FAILURES).not.toContain(type);
    },
  );

  test('every failure type is distinct', () => {
    const types = Object.values(FailureType);
    expect(new Set(types).size).toBe(types.length);
  });
});
