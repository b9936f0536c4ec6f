import { closeSync, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';

/** A secret file this process must not use as it is: one line, `Invalid <SETTING>: ...`, naming the file and what to do. */
export class SecretFileError extends Error {}

const OTHERS_ANY = 0o007;
const GROUP_WRITE = 0o020;

/**
 * Why a secret file's permission bits are unsafe, or undefined when they are fine. Group read is
 * allowed: container platforms mount secrets readable by a group the process is in (Kubernetes'
 * fsGroup, `mode: 0440` in compose). Anyone else reading, or anyone but the owner writing
 * (a planted password, or a swapped host), is refused.
 */
export function unsafeSecretMode(mode: number): string | undefined {
  const others = mode & OTHERS_ANY;
  if (others & 0o004) return 'is readable by other users';
  if (others & 0o002) return 'is writable by other users';
  if (others & 0o001) return 'is executable by other users';
  if (mode & GROUP_WRITE) return 'is writable by its group';
  return undefined;
}

/** The one-line refusal of `file` (named by `setting`) with the command that fixes it. */
export function unsafeSecretFileMessage(setting: string, file: string, mode: number, problem: string): string {
  const octal = (mode & 0o777).toString(8).padStart(3, '0');
  return `Invalid ${setting}: ${file} ${problem} (mode ${octal}); run \`chmod 600 ${file}\` (or 640 to let its group read it)`;
}

/** Refuses `stats` of a secret file whose permissions are unsafe; Windows has no such bits to check. */
export function checkSecretFileStats(setting: string, file: string, stats: Stats): void {
  if (process.platform === 'win32') return;
  const problem = unsafeSecretMode(stats.mode);
  if (problem) throw new SecretFileError(unsafeSecretFileMessage(setting, file, stats.mode, problem));
}

/**
 * The text of the secret file `file`, named by the setting `setting`, after checking its
 * permissions on the opened file itself (what is read is what was checked). A file that cannot be
 * opened is one line with its error code; never its content.
 */
export function readSecretFile(setting: string, file: string): { text: string; stats: Stats } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const reason = (err as { code?: string }).code ?? 'unreadable';
    throw new SecretFileError(`Invalid ${setting}: cannot read ${file} (${reason}); name a file this process can read`);
  }
  try {
    const stats = fstatSync(fd);
    checkSecretFileStats(setting, file, stats);
    return { text: readFileSync(fd, 'utf8'), stats };
  } finally {
    closeSync(fd);
  }
}
