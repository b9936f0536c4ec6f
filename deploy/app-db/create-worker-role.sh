#!/bin/bash
# Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d): creates
# the role workers and the CLI connect as. It may log in and nothing more; `campaign-sync migrate
# --grant-to campaign_sync_worker` (the compose `migrate` job, as the owner) grants it read and
# write on the application's tables. The password comes from a secret file, never an argument or
# the environment; psql quotes it (:'password'). On an existing volume, run the same SQL by hand.
set -euo pipefail

# Exported: psql's backquoted `cat` below reads it from the environment.
export APP_DB_WORKER_PASSWORD_FILE="${APP_DB_WORKER_PASSWORD_FILE:-/run/secrets/app-db-worker-password}"
if [ ! -s "$APP_DB_WORKER_PASSWORD_FILE" ]; then
  echo "create-worker-role.sh: $APP_DB_WORKER_PASSWORD_FILE is missing or empty: give the app-db-worker-password secret a password" >&2
  exit 1
fi

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
\set password `cat "$APP_DB_WORKER_PASSWORD_FILE"`
CREATE ROLE campaign_sync_worker LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
SQL
