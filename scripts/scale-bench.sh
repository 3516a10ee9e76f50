#!/usr/bin/env bash
# The learner pages at scale (issue 4's quality bar, docs/scale.md): makes the
# database takumi_scale, applies the migrations, fills it with `takumi seed`
# (1,000,000 learners, 5,000,000 enrolments by default), then measures "My
# learning" and the course player's next lesson for the learner with 50
# enrolments, with p50/p99 and query plans.
#
#   scripts/scale-bench.sh                 # full reference scale, no events
#   SEED_ARGS="--events 50000000" scripts/scale-bench.sh   # with the event log
#   SEED_ARGS="--learners 20000" scripts/scale-bench.sh    # a quick try
#   REUSE=1 scripts/scale-bench.sh         # keep an already seeded takumi_scale
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and, at full scale with
# 50,000,000 events, about 20 GB of free disk (3 GB without events).
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${DB:-takumi_scale}
URL="postgres://postgres@127.0.0.1:5432/$DB?sslmode=disable"
PSQL=(psql -h 127.0.0.1 -U postgres -X -q)

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(go version | cut -d' ' -f3), $("${PSQL[@]}" -Atc 'SHOW server_version'), shared_buffers $("${PSQL[@]}" -Atc 'SHOW shared_buffers'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== disk: $(df -h /work 2>/dev/null | awk 'NR==2{print $4" free of "$2}' || df -h . | awk 'NR==2{print $4" free of "$2}')"
go build -o bin/takumi .

if [ -z "${REUSE:-}" ]; then
  "${PSQL[@]}" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
fi
DATABASE_URL=$URL ./bin/takumi migrate 2>/dev/null
echo "== takumi seed ${SEED_ARGS:-}"
t0=$(date +%s)
# shellcheck disable=SC2086
DATABASE_URL=$URL ./bin/takumi seed ${SEED_ARGS:-} | grep -v '^   learners [0-9]'
echo "seed command: $(( $(date +%s) - t0 )) s"

echo "== benchmarks (server time of the domain functions the pages call)"
TAKUMI_SCALE_DATABASE_URL=$URL go test -count=1 -timeout 30m -run 'TestScaleLearnerPages' -bench 'Scale' -benchtime 2000x -v ./internal/learning/ \
  | tee /tmp/takumi-scale-bench.log | grep -E '^(SCALE|Benchmark)|ms/call|^(ok|FAIL|---)'
echo "(query plans: /tmp/takumi-scale-bench.log)"
