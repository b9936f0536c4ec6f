-- Up Migration

-- The rate budget shared by every worker: one row per request slot handed out for a client.
-- A slot is never closer than the client's window to the slot `rate_limit` places before it,
-- so no sliding window can hold more than `rate_limit` requests.
CREATE TABLE rate_reservations (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_id text NOT NULL REFERENCES clients (id),
  slot_at   timestamptz NOT NULL
);
CREATE INDEX rate_reservations_client_slot ON rate_reservations (client_id, slot_at DESC);

-- Down Migration
DROP TABLE rate_reservations;
