import { MOCK_SETTINGS } from './config';

/** The table of mock settings in docs/mock-platform.md, rendered from MOCK_SETTINGS (test/unit/mock-api/settings-table.test.ts keeps the doc in step). */
export function mockSettingsTable(): string {
  const rows = Object.values(MOCK_SETTINGS).map(
    (s) => `| \`${s.env}\` | ${s.default === undefined ? 'unset' : `\`${s.default}\``} | ${s.about} |`,
  );
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}
