#!/bin/sh
# The namespace and campaign-sync's search attributes (src/contract/sync.ts). Safe to rerun.
set -eu
NAMESPACE=${NAMESPACE:-default}
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do sleep 2; done
temporal operator namespace describe -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 \
  || temporal operator namespace create -n "$NAMESPACE" --retention 30d --address "$TEMPORAL_ADDRESS"
# A new namespace takes a few seconds to reach every part of the server.
attempt=0
until existing=$(temporal operator search-attribute list -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" 2>/dev/null); do
  attempt=$((attempt + 1))
  [ "$attempt" -lt 60 ] || { echo "namespace $NAMESPACE did not become ready" >&2; exit 1; }
  sleep 1
done
for name in CampaignSyncClientId CampaignSyncOutcome; do
  echo "$existing" | grep -q "$name" \
    || temporal operator search-attribute create -n "$NAMESPACE" --name "$name" --type Keyword --address "$TEMPORAL_ADDRESS"
done
echo "Namespace $NAMESPACE and its search attributes are ready"
