-- Up Migration

-- A platform's limit above the account (an application's or developer token's requests per
-- window, summed over every account synced with it). Clients that share one name it; each
-- request then takes a slot in the client's budget and in the shared one.
CREATE TABLE shared_rate_budgets (
  id             text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  rate_limit     integer NOT NULL CHECK (rate_limit > 0),
  rate_window_ms integer NOT NULL CHECK (rate_window_ms > 0)
);
ALTER TABLE clients
  ADD COLUMN shared_budget_id text REFERENCES shared_rate_budgets (id),
  -- When the client last asked for a slot of its shared budget: the clients that want the budget
  -- now are those that asked within its window, and each may hold at most its fair share of it.
  ADD COLUMN shared_budget_asked_at timestamptz;
CREATE INDEX clients_shared_budget ON clients (shared_budget_id) WHERE shared_budget_id IS NOT NULL;
-- The shared budget a slot was counted against (none: the client's own budget only).
ALTER TABLE rate_reservations ADD COLUMN shared_budget_id text;
CREATE INDEX rate_reservations_shared_budget_slot ON rate_reservations (shared_budget_id, slot_at DESC)
  WHERE shared_budget_id IS NOT NULL;

-- Down Migration
DROP INDEX rate_reservations_shared_budget_slot;
ALTER TABLE rate_reservations DROP COLUMN shared_budget_id;
DROP INDEX clients_shared_budget;
ALTER TABLE clients DROP COLUMN shared_budget_asked_at, DROP COLUMN shared_budget_id;
DROP TABLE shared_rate_budgets;
