import { ensureTemporalCli } from '../dev-stack/temporal-cli';

ensureTemporalCli()
  .then((path) => process.stdout.write(`${path}\n`))
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
