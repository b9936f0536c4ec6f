import { chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCredentialStore, MissingCredentials } from '../../src/platform/credentials';
import { tempFolder } from '../helpers/temp-files';

// The secrets file as an operator edits it, in a real folder: rewritten in place, replaced, broken, fixed.
const folder = tempFolder('credentials-reload');
afterAll(() => folder.remove());

const MOCK_URL = 'http://127.0.0.1:3001';
const entry = (password: string) => ({ email: 'ops@acme.example', password, host: '127.0.0.1' });

function storeOver(entries: unknown) {
  const file = folder.write(JSON.stringify(entries));
  const warnings: string[] = [];
  const store = createCredentialStore({ CAMPAIGN_SYNC_SECRETS_FILE: file }, (message) => warnings.push(message));
  return { file, store, warnings };
}

test('a client added to the file while the worker runs is found without a restart', () => {
  const { file, store } = storeOver({ acme: entry('acme-pw') });
  expect(store.get('acme', MOCK_URL).password).toBe('acme-pw');
  expect(() => store.get('globex', MOCK_URL)).toThrow(MissingCredentials);
  writeFileSync(file, JSON.stringify({ acme: entry('acme-pw'), globex: entry('globex-pw') }));
  expect(store.get('globex', MOCK_URL).password).toBe('globex-pw');
});

test('a file replaced by rename (how editors and Kubernetes update it) is read again', () => {
  const { file, store } = storeOver({ acme: entry('old-pw') });
  expect(store.get('acme', MOCK_URL).password).toBe('old-pw');
  const next = join(folder.dir, 'next');
  writeFileSync(next, JSON.stringify({ acme: entry('new-pw') }), { mode: 0o600 });
  renameSync(next, file);
  expect(store.get('acme', MOCK_URL).password).toBe('new-pw');
});

test.each([
  [
    'made invalid mid-edit',
    (file: string) => writeFileSync(file, '{"acme": {"email": "ops@acme.example", "password": "half-writ'),
    'is not of the form',
  ],
  ['made readable by others', (file: string) => chmodSync(file, 0o644), `run \`chmod 600`],
  ['removed', (file: string) => rmSync(file), 'ENOENT'],
])('a file %s keeps the last good credentials and warns once, naming the file and not the secret', (_, breakIt, reason) => {
  const { file, store, warnings } = storeOver({ acme: entry('good-pw') });
  expect(store.get('acme', MOCK_URL).password).toBe('good-pw');
  breakIt(file);
  expect(store.get('acme', MOCK_URL).password).toBe('good-pw');
  expect(store.get('acme', MOCK_URL).password).toBe('good-pw');
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain(file);
  expect(warnings[0]).toContain(reason);
  expect(warnings[0]).not.toMatch(/good-pw|half-writ/);
  expect(warnings[0]).not.toContain('\n');
  // Fixed again: read again, no further warning.
  writeFileSync(file, JSON.stringify({ acme: entry('fixed-pw') }), { mode: 0o600 });
  chmodSync(file, 0o600);
  expect(store.get('acme', MOCK_URL).password).toBe('fixed-pw');
  expect(warnings).toHaveLength(1);
});

test('a file others can read is refused at first use with the chmod to run', () => {
  const file = folder.write(JSON.stringify({ acme: entry('pw') }));
  chmodSync(file, 0o604);
  const store = createCredentialStore({ CAMPAIGN_SYNC_SECRETS_FILE: file });
  expect(() => store.get('acme', MOCK_URL)).toThrow(
    new MissingCredentials(
      `Invalid CAMPAIGN_SYNC_SECRETS_FILE: ${file} is readable by other users (mode 604); run \`chmod 600 ${file}\` (or 640 to let its group read it)`,
    ),
  );
});

test("an entry's revision changes when that entry changes, and only then", () => {
  const { file, store } = storeOver({ acme: entry('pw-1'), globex: entry('g-pw') });
  const acme = store.revision('acme');
  const globex = store.revision('globex');
  expect(store.revision('acme')).toBe(acme);
  writeFileSync(file, JSON.stringify({ acme: entry('pw-2'), globex: entry('g-pw') }));
  expect(store.revision('acme')).not.toBe(acme);
  expect(store.revision('globex')).toBe(globex);
  expect(store.revision('acme')).not.toMatch(/pw/);
});

test('checkFile reads the file at once, so a worker refuses to start on one it must not use', () => {
  const file = folder.write(JSON.stringify({ acme: entry('pw') }));
  chmodSync(file, 0o666);
  expect(() => createCredentialStore({ CAMPAIGN_SYNC_SECRETS_FILE: file }).checkFile()).toThrow(/run `chmod 600/);
  chmodSync(file, 0o600);
  expect(() => createCredentialStore({ CAMPAIGN_SYNC_SECRETS_FILE: file }).checkFile()).not.toThrow();
  expect(() => createCredentialStore({}).checkFile()).not.toThrow();
});
