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
