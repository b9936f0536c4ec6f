#!/bin/sh
# Temporal's databases on PostgreSQL: created if missing, schemas brought up to date. Safe to rerun.
# As Temporal's reference (temporalio/samples-server compose/scripts/setup-postgres.sh); compose runs
# it once the database is healthy. The tests run it too, with the tool and schema built from Go.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD?}"
PORT=${DB_PORT:-5432}
SCHEMA=${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}
for db in "${TEMPORAL_DB:-temporal}:temporal" "${VISIBILITY_DB:-temporal_visibility}:visibility"; do
  name=${db%%:*}
  schema=${db##*:}
  tool="temporal-sql-tool --plugin postgres12 --ep $POSTGRES_SEEDS -u $POSTGRES_USER -p $PORT --db $name"
  $tool create >/dev/null 2>&1 || true # it exists already
  $tool setup-schema -v 0.0 >/dev/null 2>&1 || true # it is set up already
  $tool update-schema -d "$SCHEMA/$schema/versioned"
done
echo "Temporal schemas are up to date"
