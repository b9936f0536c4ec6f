import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mockSettingsTable } from '../settings-table';

test("the README's table of mock settings is the one rendered from MOCK_SETTINGS", () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### The mock ad platform'));
  const start = section.indexOf('| Variable |');
  expect(section.slice(start, section.indexOf('\n\n', start))).toBe(mockSettingsTable());
});
