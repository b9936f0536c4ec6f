#!/bin/sh
# Certificates for TLS between the Temporal server and its clients in docker-compose.yml (the
# workers, the namespace job, the Web UI): a private CA, the server's certificate (valid for the
# compose service name `temporal`, and localhost for an operator's tunnel) and one client
# certificate the server requires (mutual TLS). Run once; it never overwrites what exists.
#   deploy/tls/make-certs.sh [output folder, default ./secrets/tls]
# Keys are 0600: the containers read them as uid 1000 (see docs/operating.md, "Containers").
set -eu
OUT=${1:-./secrets/tls}
DAYS=${CERT_DAYS:-825}
SERVER_NAME=${TEMPORAL_SERVER_NAME:-temporal}
umask 077
mkdir -p "$OUT"
cd "$OUT"
if [ -e ca.pem ]; then
  echo "$OUT/ca.pem exists: certificates left as they are (remove the folder to make new ones)" >&2
  exit 0
fi
# Extensions: the CA signs; the server's certificate also serves as the client certificate the
# server's own internal roles present to each other, hence both key usages.
cat > extensions.cnf <<CNF
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:$SERVER_NAME, DNS:localhost, IP:127.0.0.1
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
CNF
openssl req -x509 -newkey rsa:3072 -nodes -days "$DAYS" -subj "/CN=campaign-sync Temporal CA" \
  -keyout ca.key -out ca.pem -extensions ca -config extensions.cnf 2>/dev/null
sign() { # name, subject, extensions
  openssl req -new -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days "$DAYS" \
    -extfile extensions.cnf -extensions "$3" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr"
}
sign server "/CN=$SERVER_NAME" server
sign client "/CN=campaign-sync-worker" client
rm -f extensions.cnf ca.srl
chmod 600 ./*.key
chmod 644 ./*.pem
echo "Made $OUT: ca.pem, server.pem/server.key (for $SERVER_NAME), client.pem/client.key; keep ca.key offline"
