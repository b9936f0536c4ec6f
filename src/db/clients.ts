import type { Pool } from 'pg';

/**
 * What a client id may be: it becomes part of workflow ids and schedule ids, so no `/` or spaces.
 * The clients table checks the same pattern (migrations/1732240000000_initial-schema.sql; a unit test keeps them equal).
 */
export const CLIENT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export interface ClientRecord {
  id: string;
  name: string;
  apiBaseUrl: string;
  credentialsRef: string;
  rateLimit: number;
  rateWindowMs: number;
  /** A limit above the account this client's requests also count against (src/db/shared-budgets.ts). */
  sharedBudgetId?: string | null;
  enabled: boolean;
}

const CLIENT_COLUMNS = `id, name, api_base_url AS "apiBaseUrl", credentials_ref AS "credentialsRef",
  rate_limit AS "rateLimit", rate_window_ms AS "rateWindowMs", shared_budget_id AS "sharedBudgetId", enabled`;

export async function saveClient(pool: Pool, client: ClientRecord): Promise<void> {
  await pool.query(
    `INSERT INTO clients (id, name, api_base_url, credentials_ref, rate_limit, rate_window_ms, shared_budget_id, enabled)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (id) DO UPDATE
       SET name = excluded.name, api_base_url = excluded.api_base_url, credentials_ref = excluded.credentials_ref,
           rate_limit = excluded.rate_limit, rate_window_ms = excluded.rate_window_ms,
           shared_budget_id = excluded.shared_budget_id, enabled = excluded.enabled`,
    [
      client.id,
      client.name,
      client.apiBaseUrl,
      client.credentialsRef,
      client.rateLimit,
      client.rateWindowMs,
      client.sharedBudgetId ?? null,
      client.enabled,
    ],
  );
}

export async function findClient(pool: Pool, clientId: string): Promise<ClientRecord | undefined> {
  const { rows } = await pool.query<ClientRecord>(`SELECT ${CLIENT_COLUMNS} FROM clients WHERE id = $1`, [clientId]);
  return rows[0];
}

export async function listClients(pool: Pool): Promise<ClientRecord[]> {
  const { rows } = await pool.query<ClientRecord>(`SELECT ${CLIENT_COLUMNS} FROM clients ORDER BY id`);
  return rows;
}

/** Returns false when there is no such client. */
export async function setClientEnabled(pool: Pool, clientId: string, enabled: boolean): Promise<boolean> {
  const { rowCount } = await pool.query('UPDATE clients SET enabled = $2 WHERE id = $1', [clientId, enabled]);
  return rowCount === 1;
}

export interface RemovedClient {
  campaigns: number;
  syncRuns: number;
  /** The client's history: counter snapshots and attribute versions. */
  snapshots: number;
  versions: number;
}

/**
 * Deletes a client with everything stored for it, in one transaction, so a failure leaves it
 * whole. Returns undefined when there is no such client.
 */
export async function deleteClient(pool: Pool, clientId: string): Promise<RemovedClient | undefined> {
  const { rows } = await pool.query<{ clients: string; campaigns: string; sync_runs: string; snapshots: string; versions: string }>(
    `WITH reservations AS (DELETE FROM rate_reservations WHERE client_id = $1),
          snapshots AS (DELETE FROM campaign_snapshots WHERE client_id = $1 RETURNING 1),
          versions AS (DELETE FROM campaign_versions WHERE client_id = $1 RETURNING 1),
          campaigns AS (DELETE FROM campaigns WHERE client_id = $1 RETURNING 1),
          sync_runs AS (DELETE FROM sync_runs WHERE client_id = $1 RETURNING 1),
          clients AS (DELETE FROM clients WHERE id = $1 RETURNING 1)
     SELECT (SELECT count(*) FROM clients) AS clients, (SELECT count(*) FROM campaigns) AS campaigns,
            (SELECT count(*) FROM sync_runs) AS sync_runs, (SELECT count(*) FROM snapshots) AS snapshots,
            (SELECT count(*) FROM versions) AS versions`,
    [clientId],
  );
  const row = rows[0]!;
  return row.clients === '0'
    ? undefined
    : {
        campaigns: Number(row.campaigns),
        syncRuns: Number(row.sync_runs),
        snapshots: Number(row.snapshots),
        versions: Number(row.versions),
      };
}
