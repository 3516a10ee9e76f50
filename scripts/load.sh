#!/usr/bin/env bash
# Measures Takumi on this machine: cold start of `serve` to ready, memory (RSS)
# at idle and after 10,000 home-page requests, and requests per second for the
# home and sign-in pages. Traffic goes only to 127.0.0.1 and stops by itself.
# Needs: PostgreSQL on 127.0.0.1:5432, wrk and ab (apt-get install wrk apache2-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
ADDR=127.0.0.1:18181
DB=takumi_load
URL="postgres://postgres@127.0.0.1:5432/$DB?sslmode=disable"
DURATION=${DURATION:-15s}
CONNS=${CONNS:-32}

command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)"; exit 1; }
command -v ab >/dev/null || { echo "ab not installed (apt-get install apache2-utils)"; exit 1; }
go build -o bin/takumi .
if curl -fs "http://$ADDR/healthz" >/dev/null 2>&1; then echo "something already listens on $ADDR; stop it first"; exit 1; fi
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1

rss() { awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' "/proc/$1/status"; }
start_server() {
  local t0 t1
  t0=$(date +%s%N)
  DATABASE_URL=$URL TAKUMI_ADDR=$ADDR TAKUMI_DEMO_PASSWORD=load-test-password TAKUMI_LOGIN_IP_LIMIT=100000000 \
    ./bin/takumi serve >/tmp/takumi-load.log 2>&1 &
  PID=$!
  until curl -fs "http://$ADDR/readyz" >/dev/null 2>&1; do
    kill -0 "$PID" 2>/dev/null || { echo "takumi serve exited:"; tail -5 /tmp/takumi-load.log; exit 1; }
    sleep 0.01
  done
  t1=$(date +%s%N)
  STARTUP_MS=$(( (t1 - t0) / 1000000 ))
}
PID=
trap 'kill $PID 2>/dev/null || true' EXIT

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(go version | cut -d" " -f3)"
start_server
echo "cold start on an empty database (create + all migrations) to /readyz 200: ${STARTUP_MS} ms"
kill $PID; wait $PID 2>/dev/null || true
DATABASE_URL=$URL TAKUMI_DEMO_PASSWORD=load-test-password ./bin/takumi demo >/dev/null 2>&1
start_server
echo "start with the schema current (demo data loaded) to /readyz 200: ${STARTUP_MS} ms"
sleep 2
echo "RSS at idle: $(rss $PID)"
ab -q -n 10000 -c 16 "http://$ADDR/" | grep -E "Requests per second|Failed requests|Non-2xx" || true
echo "RSS after 10,000 home-page requests: $(rss $PID)"
echo "== wrk home page (/), $CONNS connections, $DURATION"
wrk -t2 -c"$CONNS" -d"$DURATION" --latency "http://$ADDR/" | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|Socket errors"
echo "== wrk sign-in page (GET /login), $CONNS connections, $DURATION"
wrk -t2 -c"$CONNS" -d"$DURATION" --latency "http://$ADDR/login" | grep -E "Requests/sec|Latency|50%|99%|Non-2xx|Socket errors"
echo "RSS after the runs: $(rss $PID)"
grep -c '"status":5' /tmp/takumi-load.log | xargs echo "responses with status 5xx in the log:"
