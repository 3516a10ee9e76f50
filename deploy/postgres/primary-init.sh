#!/bin/sh
# Runs once, when the primary's data directory is first created (the
# postgres image's /docker-entrypoint-initdb.d): the role the streaming
# replica connects as, and the pg_hba.conf line that lets it replicate.
set -eu  # executable (not sourced by the image's entrypoint), so these options stay here
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v pw="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pw';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
