#!/bin/sh
# The streaming replica of the compose scale profile (docs/deployment.md).
# On first start its data directory is empty: copy the primary with
# pg_basebackup -R (which writes primary_conninfo and standby.signal), then
# run as a hot standby. Later starts resume streaming where they stopped
# (the primary keeps wal_keep_size of WAL for that).
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  install -d -o postgres -g postgres -m 0700 "$PGDATA"
  until gosu postgres pg_isready -h "$PRIMARY_HOST" -U replicator -d postgres; do sleep 1; done
  gosu postgres env PGPASSWORD="$REPLICATION_PASSWORD" \
    pg_basebackup -h "$PRIMARY_HOST" -U replicator -D "$PGDATA" -R -X stream
fi
exec gosu postgres postgres -c hot_standby=on -c max_connections=200 -c shared_buffers=512MB \
  -c hot_standby_feedback=on
