import { exitReason } from '../../dev-stack/temporal-dev-server';

const stackTrace = Array.from(
  { length: 40 },
  (_, i) => `\tgithub.com/temporalio/cli/temporalcli.frame${i}(...)\n\t\t/root/go/pkg/mod/x.go:${i}`,
).join('\n');

describe('exitReason (why a dev server that exited early did, as its error says)', () => {
  test.each([
    [
      'a port taken, then a panic and its stack trace',
      `time=t level=ERROR msg="Failed to start gRPC listener" error="listen tcp 127.0.0.1:40001: bind: address already in use"\npanic: runtime error: invalid memory address\n${stackTrace}`,
      'time=t level=ERROR msg="Failed to start gRPC listener" error="listen tcp 127.0.0.1:40001: bind: address already in use" / panic: runtime error: invalid memory address',
    ],
    ['a panic alone', `starting\npanic: something else\n${stackTrace}`, 'panic: something else'],
    ['no error line: the end of the output', 'Error: unknown flag: --nope', 'Error: unknown flag: --nope'],
  ])('%s', (_what, output, reason) => {
    expect(exitReason(output)).toBe(reason);
  });
});
