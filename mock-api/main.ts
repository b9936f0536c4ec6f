import { mockConfigFromEnv } from './config';
import { createMockPlatform } from './server';

async function main() {
  const config = mockConfigFromEnv();
  const platform = await createMockPlatform(config).listen();
  process.stdout.write(
    `mock ad platform listening on ${platform.url} ` +
      `(503 ${config.rate503 * 100}%, hang ${config.hangRate * 100}%, ${config.rateLimit} req / ${config.rateWindowMs} ms, ` +
      `${1 + config.generatedAccounts} accounts)\n`,
  );
  const stop = () => void platform.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`mock-api: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
