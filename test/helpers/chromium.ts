import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';

/** Where Chromium comes from, and what to launch it with. */
export interface ChromiumChoice {
  executablePath: string;
  /** The browser's environment when it needs more than ours (the npm one finds its NSS libraries through it). */
  env?: NodeJS.ProcessEnv;
  source: 'CHROMIUM_PATH' | 'system' | 'npm';
}

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/**
 * The Chromium the Web UI test drives: CHROMIUM_PATH when set (`CHROMIUM_PATH=npm` forces the npm one),
 * else the system's /usr/bin/chromium when present, else the headless Chromium shipped inside the
 * `@sparticuz/chromium` npm tarball. That one is brotli-compressed: it is unpacked once per package version
 * under the temp dir, with the NSS, NSPR and expat libraries the package ships, so it needs only glibc.
 */
export async function chooseChromium(setting = process.env.CHROMIUM_PATH): Promise<ChromiumChoice> {
  if (setting && setting !== 'npm') return { executablePath: setting, source: 'CHROMIUM_PATH' };
  if (!setting && existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, source: 'system' };

  // The package exports only build/index.js; its bin/ and package.json sit beside build/.
  const root = join(dirname(require.resolve('@sparticuz/chromium')), '..');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const dir = join(tmpdir(), `campaign-sync-chromium-${version}`);
  if (!existsSync(join(dir, 'chromium'))) {
    // Unpacked beside and then moved into place, so an interrupted unpack is never reused.
    const staging = mkdtempSync(`${dir}.partial-`);
    try {
      const unbrotli = (file: string, to: string) =>
        pipeline(createReadStream(join(root, 'bin', file)), createBrotliDecompress(), createWriteStream(to, { mode: 0o755 }));
      await unbrotli('chromium.br', join(staging, 'chromium'));
      await unbrotli('al2023.tar.br', join(staging, 'al2023.tar'));
      mkdirSync(join(staging, 'al2023'));
      execFileSync('tar', ['-xf', join(staging, 'al2023.tar'), '-C', join(staging, 'al2023')]);
      rmSync(join(staging, 'al2023.tar'));
      if (!existsSync(join(dir, 'chromium'))) renameSync(staging, dir);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  const libs = join(dir, 'al2023', 'lib');
  const ld = process.env.LD_LIBRARY_PATH;
  return {
    executablePath: join(dir, 'chromium'),
    env: { ...process.env, LD_LIBRARY_PATH: ld ? `${libs}:${ld}` : libs },
    source: 'npm',
  };
}
