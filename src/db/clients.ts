import type { Pool } from 'pg';

export interface ClientRecord {
  id: string;
  name: string;
  apiBaseUrl: string;
  credentialsRef: string;
  rateLimit: number;
  rateWindowMs: number;
  enabled: boolean;
}

const CLIENT_COLUMNS = `id, name, api_base_url AS "apiBaseUrl", credentials_ref AS "credentialsRef",
  rate_limit AS "rateLimit", rate_window_ms AS "rateWindowMs", enabled`;

export async function saveClient(pool: Pool, client: ClientRecord): Promise<void> {
  await pool.query(
    `INSERT INTO clients (id, name, api_base_url, credentials_ref, rate_limit, rate_window_ms, enabled)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO UPDATE
       SET name = excluded.name, api_base_url = excluded.api_base_url, credentials_ref = excluded.credentials_ref,
           rate_limit = excluded.rate_limit, rate_window_ms = excluded.rate_window_ms, enabled = excluded.enabled`,
    [client.id, client.name, client.apiBaseUrl, client.credentialsRef, client.rateLimit, client.rateWindowMs, client.enabled],
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
