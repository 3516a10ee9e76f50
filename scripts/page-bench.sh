#!/usr/bin/env bash
# page-bench.sh: issue 20's side-by-side page benchmark. For each size
# (default 1,000 and 100,000 learners) it builds a database (`takumi demo`
# plus scripts/page-bench-data.sql and `takumi recount` for the counters the
# load skipped: the learners belong to the demo employer,
# are enrolled by it in cloud-basics-101 with lesson progress and ten quiz
# attempts each, and on their own in a second course), starts `takumi serve`,
# signs in (the org admin with two-factor sign-in, the instructor, a learner)
# and measures with wrk, at 8 and 32 connections:
#   roster       GET /org/<employer>/roster                 (org admin)
#   roster-filtered  the roster of one course, completed only (kept counts)
#   roster-search    a name search matching one person (trigram index)
#   roster-surname   a search for the two-character surname 佐藤, which
#                    0.5 % of the learners have (character-pair index)
#   roster-last      the last page by last activity, newest first (a keyset
#                    "previous" cursor past every row: the deepest page)
#   analytics    GET /studio/courses/<big course>/analytics (instructor)
#   course       GET /courses/<provider>/<big course>       (learner)
#   player       GET /learn/<enrolment>/lessons/<lesson>    (learner)
#   player-learners  the same lesson opened by LEARNERS (default 64)
#                    learners of the big course in turn, each with their
#                    own session and enrolment: each request writes a
#                    different learner's visit, as a real load does, where
#                    player writes one row thousands of times a second
#   my-learning  GET /learn                                 (learner)
#   catalogue    GET /courses?q=クラウド                     (learner)
#   catalogue-miss   the same with a random page number (1–100,000) on
#                    every request: searches the catalogue cache has not
#                    seen (page-bench-wrk.lua)
#   org          GET /org/<employer> (members, invitations)  (org admin)
#   bulk         GET /org/<employer>/enrolments             (org admin)
#   studio       GET /studio                                (instructor)
#   cohorts      GET /studio/courses/<big course>/cohorts   (instructor)
# (PAGES= picks; the default is the first six.)
# Then it runs the domain benchmarks with EXPLAIN (ANALYZE, BUFFERS)
# (internal/learning/roster_bench_test.go) on the same database.
# Traffic goes only to 127.0.0.1. Needs PostgreSQL on 127.0.0.1:5432, wrk
# (apt-get install wrk), python3 (for the TOTP code).
# Usage: scripts/page-bench.sh [sizes…]   e.g. scripts/page-bench.sh 1000 100000
# Env: DURATION (wrk per cell, default 15s), KEEP=1 keeps the databases,
#      SKIP_BUILD=1 reuses a database of the same name if it has the data,
#      BIN=path serves with another build (e.g. an older commit's, for a
#      before/after comparison on the same data), BENCH=0 skips the domain
#      benchmarks, PAGES="roster analytics" limits the pages measured,
#      DB_PREFIX names the databases (default takumi_pagebench), ADDR the
#      address served on (default a free port on 127.0.0.1), PROFILE=dir
#      keeps a CPU and an allocation profile of each page (pprof, from the
#      metrics listener), CONNS the wrk connections (default "8 32").
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 100000)
# ADDR: where the server listens (default a free port on 127.0.0.1);
# DB_PREFIX: the databases' name before _<size> (default takumi_pagebench),
# so that two people can run the script at once.
ADDR=${ADDR:-127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
DURATION=${DURATION:-15s}
PASSWORD=${PASSWORD:-page-bench-password}
TOTP_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
PSQL=(psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt)
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)"; exit 1; }
BIN=${BIN:-}
if [ -z "$BIN" ]; then go build -o bin/takumi . && BIN=bin/takumi; fi
# Building the data needs `takumi recount`: a BIN older than it serves only
# a database built before (KEEP=1 with this tree's build, then SKIP_BUILD=1).
if [ "${SKIP_BUILD:-}" != 1 ] && ! { "$BIN" 2>&1 || true; } | grep -q '^  recount'; then
  echo "$BIN has no recount command: build the data with this tree's build (KEEP=1), then run with SKIP_BUILD=1 BIN=$BIN"; exit 1
fi
if curl -fs "http://$ADDR/healthz" >/dev/null 2>&1; then echo "something already listens on $ADDR; stop it first"; exit 1; fi
LOG=$(mktemp /tmp/takumi-pagebench.XXXXXX.log)
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null || true' EXIT

# totp, csrf, signin, freeport, cputicks, ticksdiff, backends, cookie,
# startserve, wrkcell
. scripts/lib/bench.sh

for N in "${SIZES[@]}"; do
  DB=${DB_PREFIX:-takumi_pagebench}_$N
  URL="postgres://postgres@127.0.0.1:5432/$DB?sslmode=disable"
  have=$("${PSQL[@]}" -d "$DB" -c "SELECT count(*) FROM users WHERE email LIKE 'bench%'" 2>/dev/null || echo 0)
  if [ "${SKIP_BUILD:-}" != 1 ] || [ "$have" != "$N" ]; then
    echo "== building $DB ($N learners)"
    "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
    t0=$(date +%s)
    DATABASE_URL=$URL TAKUMI_DEMO_PASSWORD=$PASSWORD "$BIN" demo >/dev/null
    "${PSQL[@]}" -d "$DB" -v learners="$N" -f scripts/page-bench-data.sql
    # The counters and the roster the load skipped (its triggers were off),
    # by their owners' recounts; then the rewritten tables vacuumed, as the
    # load's own tables were.
    DATABASE_URL=$URL "$BIN" recount
    "${PSQL[@]}" -d "$DB" -c "VACUUM ANALYZE roster_entries, roster_counts, quiz_stats, quiz_question_stats, lesson_stats"
    echo "built in $(( $(date +%s) - t0 )) s"
  else
    DATABASE_URL=$URL "$BIN" migrate >/dev/null 2>&1
  fi
  "${PSQL[@]}" -d "$DB" -c "UPDATE users SET totp_secret = '$TOTP_SECRET', totp_enabled_at = now(), totp_last_step = 0 WHERE email = 'hr@demo.takumi.localhost'"
  read -r ORG COURSE PROVIDER CODE < <("${PSQL[@]}" -F' ' -d "$DB" -c "SELECT o.id, c.id, p.code, c.code FROM organisations o, courses c JOIN organisations p ON p.id = c.provider_id
    WHERE o.name_en = 'Tokai Precision Works (demo)' AND c.code = 'cloud-basics-101'")
  # The learner's enrolment in the big course and its first lesson.
  read -r ENROL LESSON < <("${PSQL[@]}" -F' ' -d "$DB" -c "SELECT e.id, r.content->'modules'->0->'lessons'->0->>'id'
    FROM enrolments e JOIN users u ON u.id = e.user_id JOIN courses c ON c.id = e.course_id
    JOIN course_revisions r ON r.course_id = c.id AND r.number = c.published_revision
    WHERE u.email = 'learner01@demo.takumi.localhost' AND c.code = 'cloud-basics-101' LIMIT 1")

  startserve "$BIN" "$URL" "$LOG"
  J=$(mktemp -d)
  signin "$J/admin" hr@demo.takumi.localhost 2fa
  signin "$J/instructor" instructor1@demo.takumi.localhost
  signin "$J/learner" learner01@demo.takumi.localhost
  if [[ " ${PAGES:-} " == *" player-learners "* ]]; then
    # LEARNERS bench learners get learner01's password, sign in, and each
    # opens the big course's first lesson in their own enrolment.
    LEARNERS=${LEARNERS:-64}
    "${PSQL[@]}" -d "$DB" -c "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE email = 'learner01@demo.takumi.localhost')
      WHERE email IN (SELECT 'bench' || i || '@bench.takumi.localhost' FROM generate_series(1, $LEARNERS) i)"
    : >"$J/player-learners"
    while read -r i enrol; do
      signin "$J/bench$i" "bench$i@bench.takumi.localhost"
      printf '%s\t%s\n' "$(cookie "$J/bench$i")" "/learn/$enrol/lessons/$LESSON" >>"$J/player-learners"
    done < <("${PSQL[@]}" -F' ' -d "$DB" -c "SELECT substring(u.email FROM '^bench([0-9]+)@')::int AS i, e.id FROM users u
      JOIN enrolments e ON e.user_id = u.id JOIN courses c ON c.id = e.course_id AND c.code = 'cloud-basics-101'
      WHERE u.email IN (SELECT 'bench' || i || '@bench.takumi.localhost' FROM generate_series(1, $LEARNERS) i) ORDER BY 1")
  fi
  declare -A PAGE=(
    [roster]="admin /org/$ORG/roster"
    [roster-filtered]="admin /org/$ORG/roster?course=$COURSE&status=completed"
    [roster-search]="admin /org/$ORG/roster?q=%E5%8F%97%E8%AC%9B%E8%80%85+000123"
    [roster-surname]="admin /org/$ORG/roster?q=%E4%BD%90%E8%97%A4"
    [roster-last]="admin /org/$ORG/roster?sort=last_activity&dir=desc&before=$(python3 -c 'import base64, json; print(base64.urlsafe_b64encode(json.dumps({"s": "last_activity", "d": True, "k": ["none", "\uffff", "\uffff", "none", "none", "none"]}).encode()).decode().rstrip("="))')"
    [analytics]="instructor /studio/courses/$COURSE/analytics"
    [course]="learner /courses/$PROVIDER/$CODE"
    [player]="learner /learn/$ENROL/lessons/$LESSON"
    [player-learners]="learner /learn/$ENROL/lessons/$LESSON"
    [my-learning]="learner /learn"
    [catalogue]="learner /courses?q=%E3%82%AF%E3%83%A9%E3%82%A6%E3%83%89"
    [catalogue-miss]="learner /courses?q=%E3%82%AF%E3%83%A9%E3%82%A6%E3%83%89&page="
    [org]="admin /org/$ORG"
    [bulk]="admin /org/$ORG/enrolments"
    [studio]="instructor /studio"
    [cohorts]="instructor /studio/courses/$COURSE/cohorts"
  )
  echo "== $N learners; machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  # app and pg: CPU milliseconds per request of the app's process and of
  # the PostgreSQL processes serving this database (whatever else runs on
  # the machine), over the measured run.
  printf '%-12s %5s %10s %10s %10s %10s %8s %8s\n' page conns req/s p50 p95 p99 app_ms pg_ms
  for name in ${PAGES:-roster analytics course player my-learning catalogue}; do
    read -r who path <<<"${PAGE[$name]}"
    ck=$(cookie "$J/$who")
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $ck" "http://$ADDR$path")
    [ "$code" = 200 ] || { echo "$name: GET $path answered $code (sign-in failed?)"; continue; }
    wrk -t2 -c8 -d3s -H "Cookie: $ck" "http://$ADDR$path" >/dev/null # warm-up
    ROTATE=
    [ "$name" != player-learners ] || ROTATE=$J/player-learners
    for c in ${CONNS:-8 32}; do wrkcell "$name" "$c" "$ck" "$path"; done
  done
  kill $PID; wait $PID 2>/dev/null || true; PID=
  echo "5xx in the server log: $(grep -c '"status":5' "$LOG" || true);" \
    "499 (client went away): $(grep -c '"status":499' "$LOG" || true)"
  rm -rf "$J"
  [ "${BENCH:-1}" = 0 ] || { echo "== domain benchmarks with plans ($N learners)"
  TAKUMI_BENCH_EXPLAIN=${EXPLAIN:-} TAKUMI_PAGE_DATABASE_URL=$URL go test -run xxx -bench 'Roster|Analytics' -benchtime "${BENCHTIME:-20x}" ./internal/learning/ 2>&1 |
    grep -E "^Benchmark|ns/op|^== |Execution Time" || true; }
  [ -n "${KEEP:-}" ] || "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
done
