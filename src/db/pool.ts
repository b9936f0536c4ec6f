import { Pool } from 'pg';

/**
 * A connection pool that survives PostgreSQL restarts: an idle connection the server drops is
 * reported and replaced instead of crashing the process (pg emits 'error' on the pool).
 */
export function createPool(connectionString: string, onIdleError: (err: Error) => void = () => undefined): Pool {
  const pool = new Pool({ connectionString, max: 10 });
  pool.on('error', onIdleError);
  return pool;
}
