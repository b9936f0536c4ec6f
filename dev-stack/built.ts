import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/config';

const DIST = join(PROJECT_ROOT, 'dist');

/** The entry points `npm run build` compiles, which the stack runs as their own processes. */
export const BUILT = {
  worker: join(DIST, 'src', 'worker.js'),
  cli: join(DIST, 'src', 'cli.js'),
  codecServer: join(DIST, 'src', 'codec', 'codec-server.js'),
  mockPlatform: join(DIST, 'mock-api', 'main.js'),
};
