import { statSync, type Stats } from 'node:fs';
import { readSecretFile } from '../secret-file';

/** What tells a file's versions apart without reading it: replaced (inode), rewritten (mtime, ctime, size). */
const versionOf = (stats: Stats) => `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;

/**
 * A secret file read again whenever it changes, checked with a stat on each use, so an entry added
 * while workers run is used without a restart. A change that cannot be used (made unreadable, or
 * unsafe, or invalid mid-edit) keeps the last good content and is one warning per version of the
 * file, which names the file and the reason, never the content. Without a good read yet, the
 * reason is thrown instead.
 *
 * `parse` turns the text into the value, throwing an Error whose message is the reason (no secret).
 */
export function reloadingSecretFile<T>(setting: string, file: string, parse: (text: string) => T, warn: (message: string) => void) {
  let last: { value: T; version: string } | undefined;
  let warnedAbout: string | undefined;
  return {
    /** The file's content as of now: read again if it changed since the last read. */
    current(): T {
      let version: string;
      try {
        version = versionOf(statSync(file));
      } catch {
        version = 'unreadable';
      }
      if (last && last.version === version) return last.value;
      try {
        const { text, stats } = readSecretFile(setting, file);
        last = { value: parse(text), version: versionOf(stats) };
        warnedAbout = undefined;
        return last.value;
      } catch (err) {
        if (!last) throw err;
        if (warnedAbout !== version) {
          warnedAbout = version;
          const reason = err instanceof Error ? err.message : String(err);
          warn(`${reason}; keeping what was last read from ${file} until it is fixed`);
        }
        return last.value;
      }
    },
  };
}
