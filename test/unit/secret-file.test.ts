import { chmodSync } from 'node:fs';
import { readSecretFile, SecretFileError, unsafeSecretMode } from '../../src/secret-file';
import { tempFolder } from '../helpers/temp-files';

const folder = tempFolder('secret-file');
afterAll(() => folder.remove());

test.each([
  [0o600, undefined],
  [0o400, undefined],
  [0o640, undefined], // group read: secrets mounted for a group
  [0o440, undefined],
  [0o700, undefined],
  [0o644, 'is readable by other users'],
  [0o604, 'is readable by other users'],
  [0o444, 'is readable by other users'],
  [0o602, 'is writable by other users'],
  [0o601, 'is executable by other users'],
  [0o620, 'is writable by its group'],
  [0o660, 'is writable by its group'],
  [0o100644, 'is readable by other users'], // st_mode with the file-type bits
  [0o100600, undefined],
])('mode %o: %s', (mode, problem) => {
  expect(unsafeSecretMode(mode)).toBe(problem);
});

const thrown = (work: () => unknown): Error => {
  try {
    work();
  } catch (err) {
    return err as Error;
  }
  throw new Error('did not throw');
};

test('a readable-by-all file is refused with one line naming it and the chmod to run, and never its content', () => {
  const file = folder.write('the-secret-text');
  chmodSync(file, 0o644);
  const err = thrown(() => readSecretFile('SOME_SECRET_FILE', file));
  expect(err).toBeInstanceOf(SecretFileError);
  expect(err.message).toBe(
    `Invalid SOME_SECRET_FILE: ${file} is readable by other users (mode 644); run \`chmod 600 ${file}\` (or 640 to let its group read it)`,
  );
  expect(err.message).not.toContain('the-secret-text');
});

test('a file of mode 600 or 640 is read', () => {
  const file = folder.write('the-secret-text');
  expect(readSecretFile('SOME_SECRET_FILE', file).text).toBe('the-secret-text');
  chmodSync(file, 0o640);
  expect(readSecretFile('SOME_SECRET_FILE', file).text).toBe('the-secret-text');
});

test('a missing file is one line with its error code', () => {
  const file = `${folder.dir}/absent`;
  expect(thrown(() => readSecretFile('SOME_SECRET_FILE', file)).message).toBe(
    `Invalid SOME_SECRET_FILE: cannot read ${file} (ENOENT); name a file this process can read`,
  );
});
