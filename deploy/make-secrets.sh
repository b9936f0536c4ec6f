#!/bin/sh
# The secrets docker-compose.yml mounts, made once with random values (never overwritten):
# database passwords (owner, workers, Temporal's), the codec endpoint's token and the history
# encryption key. Then the TLS certificates: deploy/tls/make-certs.sh.
#   deploy/make-secrets.sh [folder, default ./secrets]
set -eu
OUT=${1:-./secrets}
umask 077
mkdir -p "$OUT"
make() { # file, value
  if [ -e "$OUT/$1" ]; then echo "kept $OUT/$1"; else printf '%s\n' "$2" > "$OUT/$1" && echo "made $OUT/$1"; fi
}
make temporal-db-password "$(openssl rand -hex 24)"
make app-db-password "$(openssl rand -hex 24)"
# The workers' role (campaign_sync_worker): rows only, no DDL; app-db creates it on first start.
make app-db-worker-password "$(openssl rand -hex 24)"
make codec-token "$(openssl rand -hex 32)"
make encryption-key "$(openssl rand -base64 32)"
chmod 600 "$OUT"/*
echo "The containers read these as uid 1000: if that is not you, run: sudo chown 1000:1000 $OUT/* $OUT/tls/*"
