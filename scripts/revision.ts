import { execFileSync } from 'node:child_process';
import { PROJECT_ROOT } from '../src/config';

/** The code measured (its commit, '+changes' when the work tree differs), so figures say which revision they belong to. */
export function revision(): string {
  try {
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: PROJECT_ROOT }).toString().trim() !== '';
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_ROOT }).toString().trim() + (dirty ? '+changes' : '');
  } catch {
    return 'unknown';
  }
}
