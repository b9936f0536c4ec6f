import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mockSettingsTable } from '../../../mock-api/settings-table';

test("docs/mock-platform.md's table of mock settings is the one rendered from MOCK_SETTINGS", () => {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'mock-platform.md'), 'utf8');
  const start = doc.indexOf('| Variable |');
  expect(start).toBeGreaterThan(-1);
  expect(doc.slice(start, doc.indexOf('\n\n', start))).toBe(mockSettingsTable());
});
