import { Pool } from 'pg';

export interface PoolOptions {
  /** The process's name in pg_stat_activity and the server's log. */
  applicationName?: string;
  /** The server cancels a statement running longer, and ends a session idle in a transaction longer. */
  statementTimeoutMs?: number;
  /** Opening a connection, and waiting for a free one when all are busy, at most. */
  connectTimeoutMs?: number;
}

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
 *
 * The timeouts are sent in the connection's startup packet, so the server enforces them on every
 * statement: a query stuck behind a lock or a hung server fails (and its activity is retried)
 * instead of holding a connection for ever. Unset: no limit, as in tests' own pools.
 */
export function createPool(connectionString: string, options: PoolOptions = {}, onIdleError: (err: Error) => void = () => undefined): Pool {
  const pool = new Pool({
    connectionString,
    max: 10,
    application_name: options.applicationName,
    statement_timeout: options.statementTimeoutMs,
    idle_in_transaction_session_timeout: options.statementTimeoutMs,
    connectionTimeoutMillis: options.connectTimeoutMs,
  });
  pool.on('error', onIdleError);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
