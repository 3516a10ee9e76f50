#!/usr/bin/env bash
# national-bench.sh: issue 20's national-scale page benchmark. Against a
# database `takumi seed` filled (default takumi_scale: 1,000,000 learners,
# 5,000,000 enrolments), it starts `takumi serve` on a free port, signs in
# as the seed's bench learner (50 enrolments) and as a ministry analyst
# (two-factor sign-in), and measures with wrk:
#   my-learning   GET /learn                          (bench learner)
#   player        GET /learn/<enrolment>/lessons/<its next lesson>
#   my-learning-learners, player-learners: the same pages for LEARNERS
#                 (default 64) sampled seed learners in turn, each with
#                 their own session (not in the default PAGES)
#   catalogue     GET /courses?q=クラウド               (bench learner)
#   progress      GET /progress                       (public)
#   progress-json GET /progress/data.json             (public)
#   ministry…     GET /ministry with no filter, prefecture=13, industry=G,
#                 region=Kanto, skill_area=ai_data, segment=engineer
#                 (the analyst; docs/scale.md's filters)
# printing req/s, p50/p95/p99 (ms) and the CPU milliseconds per request of
# the app's process and of the PostgreSQL backends of the database.
# Learner pages run at CONNS (default "8 32") connections, the national
# pages at NATIONAL_CONNS (default 8).
#
# The database is only read, except what the pages themselves write (the
# player records each visit's time on task, the session store its
# sessions) and one bench account: the analyst
# national-bench-analyst@bench.takumi.localhost, member (analyst) of the
# ministry organisation "ベンチマーク省 (national-bench)", both made by
# `takumi seed analyst` (through the account and org packages; the seed
# makes no ministry, and in production a platform admin would add the
# analyst in /admin). The analyst gets the seed accounts' password and a
# fresh two-factor secret, which the command prints. DROP_ANALYST=1 removes
# them at the end of the run (`takumi seed analyst --drop`).
#
# Usage: PASSWORD=<the seed's password> scripts/national-bench.sh
# Env: DATABASE_URL (default takumi_scale on 127.0.0.1:5432), PASSWORD (every
#      seed account's password, as `takumi seed` printed it; or SEED_LOG=file
#      with that output), DURATION (per cell, default 15s), BIN (a built
#      takumi; default go build), ANALYST_BIN (the build that runs `takumi
#      seed analyst`, default BIN: set it to this tree's build when BIN is
#      an older commit's without the command), PAGES (names above; ministry names:
#      ministry ministry-pref ministry-ind ministry-region ministry-skill
#      ministry-seg), PROFILE=dir (pprof CPU + allocation profiles per page,
#      8 connections), ADDR (default a free port on 127.0.0.1), LEARNER (the
#      learner's email for my-learning, player and catalogue; default the
#      bench learner, whose 50 enrolments are the seed's heaviest: any seed
#      learner has the same password, e.g. one with the seed's median of
#      3-4 enrolments, found with scripts/typical-learner.sql).
# Needs PostgreSQL on 127.0.0.1 (psql as postgres, for reads), wrk, python3, bc.
set -euo pipefail
cd "$(dirname "$0")/.."
DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/takumi_scale?sslmode=disable}
DB=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlparse(sys.argv[1]).path.lstrip("/"))' "$DATABASE_URL")
ADDR=${ADDR:-127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
DURATION=${DURATION:-15s}
PSQL=(psql -h 127.0.0.1 -U postgres -X -v ON_ERROR_STOP=1 -qAt)
LEARNER=${LEARNER:-bench-learner@seed.takumi.localhost}
# totp, csrf, signin, freeport, cputicks, ticksdiff, backends, cookie,
# startserve, wrkcell
. scripts/lib/bench.sh

if [ -z "${PASSWORD:-}" ] && [ -n "${SEED_LOG:-}" ]; then
  PASSWORD=$(sed -n "s/.*every seed account's password: //p" "$SEED_LOG" | tail -1)
fi
PASSWORD=${PASSWORD:-${TAKUMI_DEMO_PASSWORD:-}}
[ -n "$PASSWORD" ] || { echo "PASSWORD (the seed accounts' password) is not set"; exit 1; }
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)"; exit 1; }
[ "$("${PSQL[@]}" -d "$DB" -c "SELECT count(*) FROM users WHERE email = '$LEARNER'")" = 1 ] ||
  { echo "$DB has no $LEARNER: fill it with takumi seed first"; exit 1; }
BIN=${BIN:-}
if [ -z "$BIN" ]; then go build -o bin/takumi . && BIN=bin/takumi; fi
if curl -fs "http://$ADDR/healthz" >/dev/null 2>&1; then echo "something already listens on $ADDR; stop it first"; exit 1; fi
LOG=$(mktemp /tmp/takumi-nationalbench.XXXXXX.log)
PID=
J=$(mktemp -d)
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$J"
  if [ -n "${DROP_ANALYST:-}" ]; then
    "${ANALYST_BIN:-$BIN}" seed analyst --drop --database-url "$DATABASE_URL" || true
  fi
}
trap cleanup EXIT

# The bench analyst (see above): made, or given a new two-factor secret,
# by `takumi seed analyst`, which prints email=, password=, totp_secret=.
ANALYST_OUT=$(TAKUMI_DEMO_PASSWORD=$PASSWORD "${ANALYST_BIN:-$BIN}" seed analyst --database-url "$DATABASE_URL")
ANALYST=$(sed -n 's/^email=//p' <<<"$ANALYST_OUT")
TOTP_SECRET=$(sed -n 's/^totp_secret=//p' <<<"$ANALYST_OUT")
[ -n "$ANALYST" ] && [ -n "$TOTP_SECRET" ] || { echo "takumi seed analyst printed no credentials"; exit 1; }

# The bench learner's next lesson: the first of its active enrolments
# (by id) that has some progress and a next lesson.
read -r ENROL LESSON < <("${PSQL[@]}" -F' ' -d "$DB" -c "SELECT e.id, e.next_lesson_id FROM enrolments e JOIN users u ON u.id = e.user_id
  WHERE u.email = '$LEARNER' AND e.status = 'active' AND e.next_lesson_id IS NOT NULL
  ORDER BY e.progress_percent > 0 DESC, e.id LIMIT 1")

t0=$(date -u +%FT%T.%NZ)
startserve "$BIN" "$DATABASE_URL" "$LOG"
# The server refreshes the ministry's read models at start (River jobs:
# course statistics over every enrolment, learner statistics over every
# learner; then every 10 min and every minute). Measuring during the first
# refresh would count its PostgreSQL backend's CPU against the pages, so
# wait for it (at most WAIT_REFRESH seconds, default 300).
for _ in $(seq 1 "${WAIT_REFRESH:-300}"); do
  [ "$("${PSQL[@]}" -d "$DB" -c "SELECT courses_refreshed_at > '$t0' AND learners_refreshed_at > '$t0' FROM ministry_stats_state WHERE id = 1")" = t ] && break
  sleep 1
done
echo "== read models refreshed $(( $(date +%s) - $(date -d "$t0" +%s) )) s after the start"
signin "$J/learner" "$LEARNER"
signin "$J/analyst" "$ANALYST" 2fa
: >"$J/public"
# The *-learners pages: LEARNERS (default 64) seed learners in turn, each
# with their own session, instead of the one bench learner: a sample of
# the population (the first by md5 of their email among those with a
# course in progress that has a next lesson: at 1,000,000 learners their
# live enrolments have a median of 4, the whole seed's 3), and each
# request reads or writes a different learner's rows, as a real load does.
if [[ " ${PAGES:-} " == *"-learners "* ]]; then
  "${PSQL[@]}" -F' ' -d "$DB" -c "SELECT u.email, e.id, e.next_lesson_id FROM users u
    CROSS JOIN LATERAL (SELECT e.id, e.next_lesson_id FROM enrolments e
      WHERE e.user_id = u.id AND e.status = 'active' AND e.next_lesson_id IS NOT NULL AND e.superseded_at IS NULL
      ORDER BY e.id LIMIT 1) e
    WHERE u.email LIKE 'learner%@seed.takumi.localhost' ORDER BY md5(u.email) LIMIT ${LEARNERS:-64}" >"$J/sample"
  : >"$J/my-learning-learners"; : >"$J/player-learners"
  k=0
  while read -r email enrol lesson; do
    k=$((k + 1))
    signin "$J/l$k" "$email"
    printf '%s\t%s\n' "$(cookie "$J/l$k")" /learn >>"$J/my-learning-learners"
    printf '%s\t%s\n' "$(cookie "$J/l$k")" "/learn/$enrol/lessons/$lesson" >>"$J/player-learners"
  done <"$J/sample"
  echo "== $k sampled learners signed in; live enrolments each: $("${PSQL[@]}" -d "$DB" -c "SELECT 'median ' ||
    percentile_disc(0.5) WITHIN GROUP (ORDER BY n) || ', max ' || max(n) FROM (SELECT count(*) AS n FROM enrolments e
    JOIN users u ON u.id = e.user_id WHERE u.email = ANY (string_to_array('$(cut -d' ' -f1 "$J/sample" | paste -sd,)', ','))
    AND e.superseded_at IS NULL AND e.status IN ('active', 'waitlisted', 'completed') GROUP BY u.id) x")"
fi
declare -A PAGE=(
  [my-learning]="learner /learn"
  [player]="learner /learn/$ENROL/lessons/$LESSON"
  [my-learning-learners]="learner /learn"
  [player-learners]="learner /learn/$ENROL/lessons/$LESSON"
  [catalogue]="learner /courses?q=%E3%82%AF%E3%83%A9%E3%82%A6%E3%83%89"
  [progress]="public /progress"
  [progress-json]="public /progress/data.json"
  [ministry]="analyst /ministry"
  [ministry-pref]="analyst /ministry?prefecture=13"
  [ministry-ind]="analyst /ministry?industry=G"
  [ministry-region]="analyst /ministry?region=Kanto"
  [ministry-skill]="analyst /ministry?skill_area=ai_data"
  [ministry-seg]="analyst /ministry?segment=engineer"
)
echo "== $DB: $("${PSQL[@]}" -d "$DB" -c "SELECT (SELECT count(*) FROM users) || ' users, ' || (SELECT reltuples::bigint FROM pg_class WHERE relname = 'enrolments') || ' enrolments (estimate), ' || (SELECT reltuples::bigint FROM pg_class WHERE relname = 'learning_events') || ' learning events (estimate)'")"
echo "== machine: $(nproc) cores, $(go version "$BIN" | cut -d' ' -f2), PostgreSQL $("${PSQL[@]}" -d "$DB" -c 'SHOW server_version'), load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
# app and pg: CPU milliseconds per request of the app's process and of the
# PostgreSQL processes serving this database (whatever else runs on the
# machine), over the measured run.
printf '%-12s %5s %10s %10s %10s %10s %8s %8s\n' page conns req/s p50 p95 p99 app_ms pg_ms
for name in ${PAGES:-my-learning player catalogue progress progress-json ministry ministry-pref ministry-ind ministry-region ministry-skill ministry-seg}; do
  read -r who path <<<"${PAGE[$name]}"
  ck=$(cookie "$J/$who")
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $ck" "http://$ADDR$path")
  [ "$code" = 200 ] || { echo "$name: GET $path answered $code (sign-in failed?)"; continue; }
  ROTATE=
  [[ "$name" != *-learners ]] || ROTATE=$J/$name
  wrk -t2 -c8 -d3s -H "Cookie: $ck" "http://$ADDR$path" -s scripts/page-bench-wrk.lua ${ROTATE:+-- "$ROTATE"} >/dev/null # warm-up
  conns=${CONNS:-8 32}
  [ "$who" = learner ] || conns=${NATIONAL_CONNS:-8}
  for c in $conns; do wrkcell "$name" "$c" "$ck" "$path"; done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "5xx in the server log: $(grep -c '"status":5' "$LOG" || true);" \
  "499 (client went away): $(grep -c '"status":499' "$LOG" || true); server log $LOG"
