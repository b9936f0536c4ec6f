import { Pool } from 'pg';

/**
 * A connection pool that survives PostgreSQL restarts: an idle connection the server drops is
 * reported and replaced instead of crashing the process (pg emits 'error' on the pool).
 *
 * A connection that is checked out (pool.connect(), as a reservation's transaction does) has no
 * such listener from the pool: pg emits the server's "terminating connection" (or "Connection
 * terminated unexpectedly") on the client itself, and with no listener Node throws it and the
 * process dies. So every connection gets a listener of its own when it is opened. Nothing is
 * lost by ignoring the event there: the statement in flight fails with the same error, later
 * statements on the client fail, and the pool discards the client when it is released.
 */
export function createPool(connectionString: string, onIdleError: (err: Error) => void = () => undefined): Pool {
  const pool = new Pool({ connectionString, max: 10 });
  pool.on('error', onIdleError);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
