#!/usr/bin/env bash
# The progress engine and the national pages at scale (issue 6, "Scale data
# and performance"; figures in docs/scale.md). In order:
#
#   1. takumi seed --events N into takumi_scale (timed; skipped with REUSE=1)
#   2. the engine's catch-up over the whole log (events/s)
#   3. takumi serve on 127.0.0.1 (its River job runs the engine every 2 s), then
#      a. a new credential -> the flagship's national total (seconds)
#      b. 2,000 events/s appended for 60 s: the engine's lag
#      c. /progress, /progress/data.json, /progress/data.csv and /ministry with
#         one filter: server time p50/p95/p99 from the server's request log
#   4. takumi reconcile (timed; must report no difference)
#
#   scripts/progress-bench.sh                          # full reference scale (hours)
#   SEED_ARGS="--learners 20000 --events 1000000" scripts/progress-bench.sh   # a quick try
#   REUSE=1 scripts/progress-bench.sh                  # keep the seeded database
#   REUSE=1 RESET_ENGINE=1 scripts/progress-bench.sh   # and redo the catch-up from zero
#
# Only 127.0.0.1 is contacted; the server is stopped at the end (or on
# failure). Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and, at full
# scale, about 25 GB of free disk. Drop the database afterwards with
# psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE takumi_scale'.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${DB:-takumi_scale}
URL="postgres://postgres@127.0.0.1:5432/$DB?sslmode=disable"
ADDR=${ADDR:-127.0.0.1:18192}
WORK=${WORK:-/tmp/takumi-progress-bench}
SEED_ARGS=${SEED_ARGS:---events 50000000}
PSQL=(psql -h 127.0.0.1 -U postgres -X -q)
mkdir -p "$WORK"
BIN=$WORK/takumi
LOG=$WORK/serve.log

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(go version | cut -d' ' -f3), PostgreSQL $("${PSQL[@]}" -Atc 'SHOW server_version'), shared_buffers $("${PSQL[@]}" -Atc 'SHOW shared_buffers'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== disk: $(df -h /work 2>/dev/null | awk 'NR==2{print $4" free of "$2}' || df -h . | awk 'NR==2{print $4" free of "$2}')"
go build -o "$BIN" .
if curl -fs "http://$ADDR/healthz" >/dev/null 2>&1; then echo "something already listens on $ADDR; stop it first"; exit 1; fi

if [ -z "${REUSE:-}" ]; then
  "${PSQL[@]}" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
fi
echo "== 1. takumi seed $SEED_ARGS"
t0=$(date +%s)
# shellcheck disable=SC2086
DATABASE_URL=$URL "$BIN" seed $SEED_ARGS 2>/dev/null | grep -vE '^   (learners|enrolments) [0-9]'
echo "seed command: $(( $(date +%s) - t0 )) s"

export TAKUMI_SCALE_DATABASE_URL=$URL
echo "== 2. engine catch-up over the log (load $(cut -d' ' -f1-3 /proc/loadavg))"
TAKUMI_SCALE_RESET_ENGINE=${RESET_ENGINE:-} go test -count=1 -timeout 600m -run 'TestScaleEngineCatchUp$' -v ./internal/progress/ \
  | grep -E '^SCALE|events in|^(ok|FAIL|---)'

echo "== 3. takumi serve on $ADDR (the engine: its River job every 2 s)"
PID=
trap 'if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi' EXIT
DATABASE_URL=$URL TAKUMI_ADDR=$ADDR TAKUMI_DATA_DIR=$WORK/data "$BIN" serve >"$LOG" 2>&1 &
PID=$!
for _ in $(seq 1 120); do
  curl -fs "http://$ADDR/readyz" >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || { echo "takumi serve exited:"; tail -5 "$LOG"; exit 1; }
  sleep 0.5
done
export TAKUMI_SCALE_ENGINE=external
echo "-- 3a. a new credential to the national total (load $(cut -d' ' -f1-3 /proc/loadavg))"
go test -count=1 -timeout 30m -run 'TestScaleCredentialLatency$' -v ./internal/progress/ | grep -E '^SCALE|^(ok|FAIL|---)'
echo "-- 3b. 2,000 events/s for ${TAKUMI_SCALE_SUSTAIN:-60s} (load $(cut -d' ' -f1-3 /proc/loadavg))"
go test -count=1 -timeout 30m -run 'TestScaleEngineSustained$' -v ./internal/progress/ | grep -E '^SCALE|^(ok|FAIL|---)'
echo "-- 3c. national pages (load $(cut -d' ' -f1-3 /proc/loadavg))"
TAKUMI_SCALE_BASE_URL=http://$ADDR TAKUMI_SCALE_SERVER_LOG=$LOG go test -count=1 -timeout 30m -run 'TestScaleNationalPages$' -v ./web/ \
  | grep -E '^SCALE|^(ok|FAIL|---)'
echo "responses with status 5xx in the server log: $(grep -c '"status":5' "$LOG" || true)"
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=

echo "-- saving a changed rule of the flagship: its recount (rolled back)"
go test -count=1 -timeout 60m -run 'TestScaleRebuildProgramme$' -v ./internal/progress/ | grep -E '^SCALE|^(ok|FAIL|---)'

echo "== 4. takumi reconcile (load $(cut -d' ' -f1-3 /proc/loadavg))"
t0=$(date +%s)
DATABASE_URL=$URL /usr/bin/time -f 'reconcile: %e s elapsed, %M KB max RSS' "$BIN" reconcile 2>&1 | grep -v '^{' | tail -5
echo "reconcile command: $(( $(date +%s) - t0 )) s"

echo "== sizes"
"${PSQL[@]}" -d "$DB" -Atc "SELECT 'rows: learning_events ' || (SELECT count(*) FROM learning_events) || ', credential_issued ' || (SELECT count(*) FROM learning_events WHERE event_type = 'credential_issued') || ', programme_achievements ' || (SELECT count(*) FROM programme_achievements) || ', progress_rollup ' || (SELECT count(*) FROM progress_rollup) || ', activity_rollup ' || (SELECT count(*) FROM activity_rollup) || ', learner_activity ' || (SELECT count(*) FROM learner_activity)"
"${PSQL[@]}" -d "$DB" -Atc "SELECT 'size: ' || relname || ' ' || pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class WHERE relname IN ('progress_rollup', 'activity_rollup', 'programme_achievements', 'learner_activity') ORDER BY 1"
"${PSQL[@]}" -d "$DB" -Atc "SELECT 'database ' || pg_size_pretty(pg_database_size(current_database()))"
