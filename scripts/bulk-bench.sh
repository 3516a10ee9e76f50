#!/usr/bin/env bash
# bulk-bench.sh: measures bulk enrolment by CSV on a fresh test database
# (PostgreSQL on 127.0.0.1:5432, or TAKUMI_TEST_DATABASE_URL).
#
# It creates the existing accounts with COPY (half the rows), generates the
# CSV (default 100,000 rows: half existing accounts, half new addresses;
# one row in ten for a cohort-based course), then times the dry run and the
# real run, with a learner's query running alongside the import, and prints
# the time of each stage. Figures: docs/bulk-enrolment.md.
#
#   scripts/bulk-bench.sh            # 100,000 rows
#   scripts/bulk-bench.sh 200000     # another size
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-100000}"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB RAM", $2/1048576}' /proc/meminfo), $(psql --version 2>/dev/null || echo 'psql not found')"
echo "rows: ${rows}"
TAKUMI_BULK_BENCH=1 TAKUMI_BULK_ROWS="${rows}" go test ./internal/bulkenrol/ -run '^TestBulkBenchmark$' -count=1 -v -timeout 30m 2>&1 |
	sed -n 's/^ *bulk_bench_test.go:[0-9]*: //p; /^--- /p; /^FAIL/p'
