import { accountRateLimit, BIG_ACCOUNT_INDEX, generatedAccountCredentials } from './accounts';
import { mockConfigFromEnv, type MockConfig } from './config';
import { createMockPlatform } from './server';

/** The big account in the start line, when there is one, so a skewed run shows in the log. */
function bigAccount(config: MockConfig): string {
  if (!config.bigAccountCampaigns || config.generatedAccounts < BIG_ACCOUNT_INDEX) return '';
  const { id } = generatedAccountCredentials(BIG_ACCOUNT_INDEX);
  const { rateLimit, rateWindowMs } = accountRateLimit(config, id);
  return `; ${id}: ${config.bigAccountCampaigns} campaigns, ${rateLimit} req / ${rateWindowMs} ms`;
}

async function main() {
  const config = mockConfigFromEnv();
  const platform = await createMockPlatform(config).listen();
  process.stdout.write(
    `mock ad platform listening on ${platform.url} ` +
      `(503 ${config.rate503 * 100}%, hang ${config.hangRate * 100}%, ${config.rateLimit} req / ${config.rateWindowMs} ms, ` +
      `${1 + config.generatedAccounts} accounts${bigAccount(config)})\n`,
  );
  const stop = () => void platform.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`mock-api: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
