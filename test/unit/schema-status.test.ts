import { schemaStatus } from '../../src/db/schema';

const SHIPPED = ['001_initial', '002_rates', '003_removals'];

test.each([
  ['every shipped migration applied', SHIPPED, { state: 'current' }],
  ['a fresh database (no migrations table)', [], { state: 'behind', missing: SHIPPED }],
  ['the last migration not applied', ['001_initial', '002_rates'], { state: 'behind', missing: ['003_removals'] }],
  ['a gap in the middle', ['001_initial', '003_removals'], { state: 'behind', missing: ['002_rates'] }],
  ['a newer version migrated further', [...SHIPPED, '004_newer'], { state: 'ahead', unknown: ['004_newer'] }],
  // Missing what this version needs outweighs knowing less than a newer version: it must not run.
  ['behind and ahead at once', ['001_initial', '002_rates', '004_newer'], { state: 'behind', missing: ['003_removals'] }],
  ['applied in another order', ['002_rates', '001_initial', '003_removals'], { state: 'current' }],
])('%s', (_what, applied, expected) => {
  expect(schemaStatus(SHIPPED, applied)).toEqual(expected);
});
