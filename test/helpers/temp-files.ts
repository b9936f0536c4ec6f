import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A scratch folder for one test file: write() puts a file in it, remove() deletes it all. */
export function tempFolder(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), `campaign-sync-${prefix}-`));
  let files = 0;
  return {
    dir,
    write(content: string): string {
      const path = join(dir, `file-${++files}`);
      writeFileSync(path, content, { mode: 0o600 });
      return path;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
