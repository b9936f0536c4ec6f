#!/bin/sh
# Temporal's images take the database password from a plain variable only (POSTGRES_PWD for the
# server, SQL_PASSWORD for the schema tool). This sets each from the file its <NAME>_FILE names (a
# compose secret) and runs the command, so no password is written in docker-compose.yml or shown
# by `docker inspect`.   env-from-files.sh <command> [args...]
set -eu
for name in POSTGRES_PWD SQL_PASSWORD; do
  eval "file=\${${name}_FILE:-}"
  [ -n "$file" ] || continue
  [ -r "$file" ] || { echo "${name}_FILE: cannot read $file; mount the secret readable by uid $(id -u)" >&2; exit 1; }
  value=$(cat "$file")
  export "$name=$value"
  unset "${name}_FILE"
done
exec "$@"
