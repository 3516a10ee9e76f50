#!/usr/bin/env bash
# page-statements.sh: the SQL statements each learner page sends, counted
# from PostgreSQL's own log (log_statement = 'all', set on the bench
# database only, for new connections). Uses a database built by
# scripts/page-bench.sh (KEEP=1), e.g. takumi_learnerh_1000:
#   scripts/page-statements.sh takumi_learnerh_1000 [bin]
# Prints, per page, the number of statements of one warm request (the
# session read, the sign-in check and the page's own; BEGIN and COMMIT
# count) and, with VERBOSE=1, the statements. River's polling is left out.
# Needs read access to the server log (LOG, default Debian's).
set -euo pipefail
cd "$(dirname "$0")/.."
DB=$1
BIN=${2:-}
if [ -z "$BIN" ]; then go build -o bin/takumi . && BIN=bin/takumi; fi
LOGFILE=${LOG:-/var/log/postgresql/postgresql-15-main.log}
PASSWORD=${PASSWORD:-page-bench-password}
PSQL=(psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt)
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ADDR=127.0.0.1:$(freeport)
URL="postgres://postgres@127.0.0.1:5432/$DB?sslmode=disable"
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; "${PSQL[@]}" -d postgres -c "ALTER DATABASE $DB RESET log_statement" || true' EXIT
"${PSQL[@]}" -d postgres -c "ALTER DATABASE $DB SET log_statement = 'all'"
read -r COURSE PROVIDER CODE < <("${PSQL[@]}" -F' ' -d "$DB" -c "SELECT c.id, p.code, c.code FROM courses c JOIN organisations p ON p.id = c.provider_id WHERE c.code = 'cloud-basics-101'")
read -r ENROL LESSON < <("${PSQL[@]}" -F' ' -d "$DB" -c "SELECT e.id, r.content->'modules'->0->'lessons'->0->>'id'
  FROM enrolments e JOIN users u ON u.id = e.user_id JOIN courses c ON c.id = e.course_id
  JOIN course_revisions r ON r.course_id = c.id AND r.number = c.published_revision
  WHERE u.email = 'learner01@demo.takumi.localhost' AND c.code = 'cloud-basics-101' LIMIT 1")
DATABASE_URL=$URL TAKUMI_ADDR=$ADDR TAKUMI_METRICS_ADDR=127.0.0.1:0 TAKUMI_LOGIN_IP_LIMIT=100000000 "$BIN" serve >/dev/null 2>&1 &
PID=$!
until curl -fs "http://$ADDR/readyz" >/dev/null 2>&1; do kill -0 "$PID" 2>/dev/null || exit 1; sleep 0.1; done
J=$(mktemp)
tok=$(curl -s -c "$J" -b "$J" "http://$ADDR/login" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
curl -s -o /dev/null -c "$J" -b "$J" --data-urlencode "email=learner01@demo.takumi.localhost" --data-urlencode "password=$PASSWORD" \
  --data-urlencode "_csrf=$tok" "http://$ADDR/login"
declare -A PAGE=(
  [course]="/courses/$PROVIDER/$CODE"
  [player]="/learn/$ENROL/lessons/$LESSON"
  [my-learning]="/learn"
  [catalogue]="/courses?q=%E3%82%AF%E3%83%A9%E3%82%A6%E3%83%89"
  [catalogue-filtered]="/courses?q=%E3%82%AF%E3%83%A9%E3%82%A6%E3%83%89&skill=cloud&sort=title"
)
for name in ${PAGES:-course player my-learning catalogue catalogue-filtered}; do
  path=${PAGE[$name]}
  curl -s -o /dev/null -b "$J" "http://$ADDR$path"; curl -s -o /dev/null -b "$J" "http://$ADDR$path" # warm
  sleep 0.3
  before=$(wc -c <"$LOGFILE")
  code=$(curl -s -o /dev/null -w '%{http_code}' -b "$J" "http://$ADDR$path")
  sleep 0.5
  stmts=$(tail -c +$((before + 1)) "$LOGFILE" | grep -E "@$DB LOG:  (statement|execute [^:]*):" | grep -viE 'river_|pg_notify|LISTEN' || true)
  printf '%-20s %s %3d statements\n' "$name" "$code" "$(grep -c . <<<"$stmts" || true)"
  [ -z "${VERBOSE:-}" ] || sed -E 's/^.*LOG:  //' <<<"$stmts" | cut -c1-160
done
rm -f "$J"
