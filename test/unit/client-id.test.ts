import { CLIENT_ID_PATTERN } from '../../src/db/clients';
import { useUnitTestDatabase } from '../helpers/database';

const database = useUnitTestDatabase();

test("the clients table checks ids with the CLI's CLIENT_ID_PATTERN", async () => {
  const { rows } = await database().pool.query<{ definition: string }>(
    `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = 'clients'::regclass AND contype = 'c'`,
  );
  const idChecks = rows.map((r) => r.definition).filter((d) => /\bid ~/.test(d));
  expect(idChecks).toEqual([`CHECK ((id ~ '${CLIENT_ID_PATTERN.source}'::text))`]);
});
