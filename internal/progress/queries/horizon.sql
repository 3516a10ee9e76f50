-- The engine's safe horizon: every transaction of THIS
-- database whose id is below it has ended, so every event below it is
-- visible and no new one can appear there. It is the snapshot's xmax (the
-- next transaction id, read first: a transaction that starts later gets a
-- larger id), lowered to the oldest transaction id still running in this
-- database (from pg_stat_activity, excluding the engine's own backend).
-- Unlike the cluster-wide pg_snapshot_xmin, a long write transaction in
-- another database on the same server (a bulk load, a test) does not hold
-- the engine back. 32-bit backend_xid values are widened to xid8 relative
-- to xmax (they are younger than 2^31 transactions by construction).
WITH s AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::numeric AS xmax),
r AS (SELECT max((((SELECT xmax FROM s) % 4294967296) - backend_xid::text::numeric + 4294967296) % 4294967296) AS back
      FROM pg_stat_activity
      WHERE datid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND backend_xid IS NOT NULL AND pid <> pg_backend_pid())
SELECT ((SELECT xmax FROM s) - coalesce((SELECT back FROM r), 0))::text
