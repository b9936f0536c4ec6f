import { Writable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { isSecretKey, redactText, redactValue, serializeError, STACK_FRAMES } from '../../src/log-redaction';
import { createLogger } from '../../src/logger';
import { sdkLogEntries } from '../../src/infra/temporal-runtime';

test.each([
  ['authorization', true],
  ['Authorization', true],
  ['AUTHORIZATION', true],
  ['proxy-authorization', true],
  ['password', true],
  ['Password', true],
  ['dbPassword', true],
  ['db_password', true],
  ['secret', true],
  ['client_secret', true],
  ['clientSecret', true],
  ['token', true],
  ['accessToken', true],
  ['access_token', true],
  ['refresh_token', true],
  ['id-token', true],
  ['api_key', true],
  ['apiKey', true],
  ['x-api-key', true],
  ['cookie', true],
  ['Set-Cookie', true],
  ['privateKey', true],
  ['encryption_key', true],
  ['credentials', true],
  ['passphrase', true],
  // Not secrets: names that only look close.
  ['credentialsRef', false],
  ['tokensIssued', false],
  ['keyId', false],
  ['taskQueue', false],
  ['client', false],
  ['email', false],
  ['message', false],
])('key %s is secret: %s', (key, secret) => {
  expect(isSecretKey(key)).toBe(secret);
});

test.each([
  ['postgres://sync:hunter2@db:5432/app', 'postgres://sync:[redacted]@db:5432/app'],
  ['connect to https://u:p%40ss@example.com/x failed', 'connect to https://u:[redacted]@example.com/x failed'],
  ['header Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc', 'header Authorization: Bearer [redacted]'],
  ['Basic b3BzQGFjbWU6cGFzc3dvcmQ=', 'Basic [redacted]'],
  ['http://example.com/path?x=1', 'http://example.com/path?x=1'],
  ['basic plan', 'basic plan'],
])('text %s becomes %s', (text, redacted) => {
  expect(redactText(text)).toBe(redacted);
});

test('secret keys are redacted at any depth, in arrays too, whatever their case', () => {
  const logged = {
    headers: { Authorization: 'Bearer abc', 'content-type': 'json' },
    request: { body: { login: { email: 'ops@acme.example', password: 'pw-1' } } },
    list: [{ Password: 'pw-2' }, { token: 'tok' }],
    kept: 'value',
  };
  expect(redactValue(logged)).toEqual({
    headers: { Authorization: '[redacted]', 'content-type': 'json' },
    request: { body: { login: { email: 'ops@acme.example', password: '[redacted]' } } },
    list: [{ Password: '[redacted]' }, { token: '[redacted]' }],
    kept: 'value',
  });
});

test('a cycle does not hang the logger', () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  expect(redactValue(cyclic)).toEqual({ a: 1, self: '[circular]' });
});

test('an error keeps its type, message, code, a few frames and its cause, never {}', () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const err = new TypeError('could not sync', { cause });
  const serialized = serializeError(err);
  expect(serialized).toMatchObject({
    type: 'TypeError',
    message: 'could not sync',
    cause: { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5432', code: 'ECONNREFUSED' },
  });
  expect(serialized.stack!.length).toBeGreaterThan(0);
  expect(serialized.stack!.length).toBeLessThanOrEqual(STACK_FRAMES);
  expect(serializeError(new Error(''))).toMatchObject({ type: 'Error', message: '' });
});

test("a Temporal failure keeps its failure type; an error's message loses a URL's password", () => {
  const failure = ApplicationFailure.create({ type: 'PlatformUnavailable', message: 'the platform answered 503' });
  expect(serializeError(failure)).toMatchObject({ type: 'ApplicationFailure', failureType: 'PlatformUnavailable' });
  expect(serializeError(new Error('cannot use postgres://u:pw@db/app')).message).toBe('cannot use postgres://u:[redacted]@db/app');
});

/** A logger writing into an array of parsed lines. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('info', destination), lines };
}

test('the logger writes errors under any key serialized, secrets redacted, in objects, bindings and messages', () => {
  const { log, lines } = capturedLogger();
  const child = log.child({ client: 'acme', apiKey: 'k-1' });
  child.warn({ error: new Error('Activity failed for a reason'), headers: { AUTHORIZATION: 'Bearer t-1' } }, 'Activity failed');
  log.error(new Error('with postgres://u:pw-9@db/app'));
  log.info('token Bearer abcdefghijkl sent');
  const text = lines.map((line) => JSON.stringify(line)).join('\n');
  for (const secret of ['k-1', 't-1', 'pw-9', 'abcdefghijkl']) expect(text).not.toContain(secret);
  expect(lines[0]).toMatchObject({ client: 'acme', error: { type: 'Error', message: 'Activity failed for a reason' } });
  expect(lines[1]).toMatchObject({ err: { type: 'Error', message: 'with postgres://u:[redacted]@db/app' } });
  expect(lines[2]!.msg).toBe('token Bearer [redacted] sent');
});

test('the SDK\'s log entries get the same treatment: its "Activity failed" warning shows the failure, not {}', () => {
  const { log, lines } = capturedLogger();
  const failure = ApplicationFailure.create({ type: 'PlatformUnavailable', message: 'the platform answered 503' });
  sdkLogEntries(log)({
    level: 'WARN',
    message: 'Activity failed',
    timestampNanos: 0n,
    meta: { error: failure, activityType: 'listPage', headers: { Authorization: 'Basic b3BzOnB3LTQ0NDQ0' } },
  });
  expect(lines[0]).toMatchObject({
    msg: 'Activity failed',
    activityType: 'listPage',
    error: { type: 'ApplicationFailure', failureType: 'PlatformUnavailable', message: 'the platform answered 503' },
    headers: { Authorization: '[redacted]' },
  });
});
