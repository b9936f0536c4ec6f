import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { scratchPostgresDir } from '../../dev-stack/databases';
import { startEmbeddedDatabase } from '../../src/infra/database';

test('an embedded server that cannot start says why, instead of failing with nothing', async () => {
  const dir = scratchPostgresDir();
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    await expect(startEmbeddedDatabase({ dataDir: join(dir, 'data'), port })).rejects.toThrow(
      new RegExp(`^embedded PostgreSQL on port ${port} did not start .*: .*Address already in use`),
    );
  } finally {
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
