#!/bin/sh
# Temporal's databases on PostgreSQL: created if missing, schemas brought up to date. Safe to rerun.
# As Temporal's reference (temporalio/samples-server compose/scripts/setup-postgres.sh).
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
PORT=${DB_PORT:-5432}
SCHEMA=/etc/temporal/schema/postgresql/v12
nc -z -w 10 "$POSTGRES_SEEDS" "$PORT"
for db in temporal:temporal temporal_visibility:visibility; do
  name=${db%%:*}; dir=${db##*:}
  tool="temporal-sql-tool --plugin postgres12 --ep $POSTGRES_SEEDS -u $POSTGRES_USER -p $PORT --db $name"
  $tool create || true
  $tool setup-schema -v 0.0 || true
  $tool update-schema -d "$SCHEMA/$dir/versioned"
done
echo "Temporal schemas are up to date"
