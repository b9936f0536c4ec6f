import { createPool } from '../../src/db/pool';
import { useUnitTestDatabase } from '../helpers/database';

const database = useUnitTestDatabase();

// PostgreSQL stopping (or restarting) sends every connection "terminating connection due to
// administrator command"; pg_terminate_backend sends the same to one connection.
test('a checked-out connection the server drops fails its statements instead of crashing the process', async () => {
  const pool = createPool(database().connectionString);
  try {
    const tx = await pool.connect();
    await tx.query('BEGIN');
    const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // (No 'error' listener here: the pool's own handling is what is tested.)
    const ended = new Promise((resolve) => tx.once('end', resolve));
    // Between two statements of a transaction: no statement of this client is in flight.
    await database().pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 5000))]);
    await expect(tx.query('SELECT 1')).rejects.toThrow();
    tx.release();
    // The pool has discarded the dropped connection and opens a new one.
    const { rows: after } = await pool.query<{ one: number }>('SELECT 1 AS one');
    expect(after[0]!.one).toBe(1);
  } finally {
    await pool.end();
  }
});
