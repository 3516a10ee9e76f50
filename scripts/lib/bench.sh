# shellcheck shell=bash
# Shared helpers of the page benchmarks (scripts/page-bench.sh,
# scripts/national-bench.sh), sourced, not run. They use the caller's
# ADDR (the server, host:port), PASSWORD, TOTP_SECRET, PSQL (an array) and
# DB (the database whose backends are sampled).

totp() { python3 - "$TOTP_SECRET" <<'PY'
import base64, hashlib, hmac, struct, sys, time
k = base64.b32decode(sys.argv[1]); c = struct.pack(">Q", int(time.time()) // 30)
h = hmac.new(k, c, hashlib.sha1).digest(); o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o+4])[0] & 0x7fffffff) % 1000000))
PY
}
csrf() { grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
# signin JAR EMAIL [2fa]: signs in and leaves the session cookie in JAR.
signin() {
  local jar=$1 email=$2 tok
  rm -f "$jar"
  tok=$(curl -s -c "$jar" -b "$jar" "http://$ADDR/login" | csrf)
  curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "email=$email" --data-urlencode "password=$PASSWORD" \
    --data-urlencode "_csrf=$tok" "http://$ADDR/login"
  if [ "${3:-}" = 2fa ]; then
    tok=$(curl -s -c "$jar" -b "$jar" "http://$ADDR/login/2fa" | csrf)
    curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "code=$(totp)" --data-urlencode "_csrf=$tok" "http://$ADDR/login/2fa"
  fi
}
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# cputicks PID…: the user + system CPU the processes have used, in clock
# ticks (1/100 s).
cputicks() { local p; for p in "$@"; do awk '{print $1, $14 + $15}' "/proc/$p/stat" 2>/dev/null; done; true; }
# ticksdiff BEFORE AFTER: the CPU used between the two cputicks samples,
# counting only processes in both (a backend that ended is left out).
ticksdiff() { awk 'NR == FNR {b[$1] = $2; next} ($1 in b) {t += $2 - b[$1]} END {print t + 0}' <(echo "$1") <(echo "$2"); }
# backends: the PostgreSQL server processes serving the database $DB.
backends() { "${PSQL[@]}" -d postgres -c "SELECT pid FROM pg_stat_activity WHERE datname = '$DB'"; }
# cookie JAR: the jar's cookies as a Cookie header value.
cookie() { awk '!/^#/ || /^#HttpOnly_/ {sub(/^#HttpOnly_/, ""); if (NF >= 7) printf "%s=%s; ", $6, $7}' "$1"; }
# startserve BIN URL LOG: starts `takumi serve` on $ADDR against the
# database URL, with its metrics listener (and /debug/pprof) on a free port
# of its own in MADDR; sets PID and waits until it is ready.
startserve() {
  MADDR=127.0.0.1:$(freeport)
  # The SCORM content origin's default port (TAKUMI_ADDR's + 1) may be
  # taken: any free port instead.
  DATABASE_URL=$2 TAKUMI_ADDR=$ADDR TAKUMI_METRICS_ADDR=$MADDR TAKUMI_CONTENT_ADDR=127.0.0.1:0 TAKUMI_LOGIN_IP_LIMIT=100000000 \
    "$1" serve >"$3" 2>&1 &
  PID=$!
  until curl -fs "http://$ADDR/readyz" >/dev/null 2>&1; do
    kill -0 "$PID" 2>/dev/null || { echo "takumi serve exited:"; tail -5 "$3"; exit 1; }
    sleep 0.1
  done
}
# wrkcell NAME CONNS COOKIE PATH: one measured wrk run of $DURATION on
# http://$ADDR$PATH, printing req/s, p50/p95/p99 and the CPU milliseconds
# per request of the app ($PID) and of the PostgreSQL backends of $DB
# (whatever else runs on the machine). PROFILE=dir keeps a CPU and an
# allocation profile of the app during the 8-connection run
# (go tool pprof -top DIR/NAME.cpu), from the metrics listener $MADDR.
# ROTATE=FILE sends the requests round FILE's "COOKIE<tab>PATH" lines
# instead (page-bench-wrk.lua).
wrkcell() {
  local name=$1 c=$2 ck=$3 path=$4 bs a0 a1 g0 g1 out rps n p prof=
  if [ -n "${PROFILE:-}" ] && [ "$c" = 8 ]; then
    mkdir -p "$PROFILE"
    curl -s -o "$PROFILE/$name.allocs0" "http://$MADDR/debug/pprof/allocs"
    curl -s -o "$PROFILE/$name.cpu" "http://$MADDR/debug/pprof/profile?seconds=$(( ${DURATION%s} - 2 ))" &
    prof=$!
  fi
  bs=$(backends); a0=$(cputicks "$PID"); g0=$(cputicks $bs)
  out=$(wrk -t"$(( c < 2 ? 1 : 2 ))" -c"$c" -d"$DURATION" --timeout 10s --latency -H "Cookie: $ck" "http://$ADDR$path" -s scripts/page-bench-wrk.lua ${ROTATE:+-- "$ROTATE"})
  a1=$(cputicks "$PID"); g1=$(cputicks $bs)
  if [ -n "$prof" ]; then wait "$prof"; curl -s -o "$PROFILE/$name.allocs" "http://$MADDR/debug/pprof/allocs"; fi
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  p=$(awk '/^P50 / {a=$2} /^P95 / {b=$2} /^P99 / {c=$2} END {print a, b, c}' <<<"$out")
  # shellcheck disable=SC2086
  printf '%-12s %5s %10s %10s %10s %10s %8.2f %8.2f\n' "$name" "$c" "$rps" $p \
    "$(bc -l <<<"$(ticksdiff "$a0" "$a1") * 10 / $n")" "$(bc -l <<<"$(ticksdiff "$g0" "$g1") * 10 / $n")"
  grep -E "Non-2xx|Socket errors" <<<"$out" || true
}
