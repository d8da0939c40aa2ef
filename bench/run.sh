#!/usr/bin/env bash
# EventPortal load benchmark: the registration API against a bare-INSERT baseline, on SQLite
# and on PostgreSQL, in one run on one machine. See bench/README.md.
#
#   ./bench/run.sh [options]
#
# For each provider: a fresh app (fresh SQLite directory / fresh PostgreSQL cluster) on a free
# port of 127.0.0.1, a short warm-up, then POST /bench/baseline and POST
# /api/events/{slug}/registrations for the same number of seconds each. Prints a table and
# writes it to bench/results/latest.md (and appends it to bench/results/history.md).
# Every process it starts and every temporary directory is removed on exit.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/run.sh [options]

  -d, --duration SEC      seconds per measured endpoint (default 10; env BENCH_DURATION)
  -w, --warmup SEC        seconds of warm-up per endpoint before measuring (default 5; env BENCH_WARMUP)
  -t, --threads N         wrk threads (default 2; env BENCH_THREADS)
  -c, --connections N     wrk connections, all threads together (default 32; env BENCH_CONNECTIONS)
  -p, --providers LIST    "sqlite postgres" (default), "sqlite" or "postgres"; commas work too
  -o, --output FILE       results file (default bench/results/latest.md); history.md beside it gets a copy appended
      --no-build          use the existing Release build of src/EventPortal.Web
      --no-install        fail instead of apt-get installing wrk / curl / postgresql when missing
      --keep-tmp          keep the temporary directory (app logs, wrk output) for inspection
  -h, --help              this text

Only 127.0.0.1 is ever targeted. Each wrk run is bounded by its duration (and killed 30 s
after it at the latest), so the script always stops by itself.
EOF
}

SCRIPT=run.sh
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"   # die, log, HOST, free_port, …

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-5}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PROVIDERS=${BENCH_PROVIDERS:-"sqlite postgres"}
BUILD=1
INSTALL=1
KEEP=0
OUTPUT=""

while (($#)); do
  case $1 in
    -d|--duration) DURATION=${2:?}; shift 2 ;;
    -w|--warmup) WARMUP=${2:?}; shift 2 ;;
    -t|--threads) THREADS=${2:?}; shift 2 ;;
    -c|--connections) CONNECTIONS=${2:?}; shift 2 ;;
    -p|--providers) PROVIDERS=${2:?}; shift 2 ;;
    -o|--output) OUTPUT=${2:?}; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --no-install) INSTALL=0; shift ;;
    --keep-tmp) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

for n in DURATION WARMUP THREADS CONNECTIONS; do
  [[ ${!n} =~ ^[0-9]+$ ]] || die "$n must be a whole number, not '${!n}'"
done
((DURATION >= 1)) || die "--duration must be at least 1"
((THREADS >= 1)) || die "--threads must be at least 1"
((CONNECTIONS >= THREADS)) || die "--connections must be at least --threads"
PROVIDERS=${PROVIDERS//,/ }
for p in $PROVIDERS; do
  [[ $p == sqlite || $p == postgres ]] || die "unknown provider '$p' (sqlite, postgres)"
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
APP_PROJECT="$ROOT/src/EventPortal.Web"
OUTPUT=${OUTPUT:-"$BENCH/results/latest.md"}
HISTORY="$(dirname "$OUTPUT")/history.md"

# ---------------------------------------------------------------- cleanup
TMP=""
APP_PID=""
PG_DATA=""
PGBIN=""
AS=()   # runs PostgreSQL's tools as the postgres user when we are root (initdb refuses root)

stop_app() {
  [[ -n $APP_PID ]] || return 0
  if kill -0 "$APP_PID" 2>/dev/null; then
    kill -TERM "$APP_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$APP_PID" 2>/dev/null && kill -KILL "$APP_PID" 2>/dev/null
  fi
  wait "$APP_PID" 2>/dev/null || true
  APP_PID=""
}

stop_pg() {
  [[ -n $PG_DATA && -f $PG_DATA/postmaster.pid ]] || { PG_DATA=""; return 0; }
  if ! "${AS[@]}" "$PGBIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1; then
    local pid
    pid=$(head -1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] && kill -KILL "$pid" 2>/dev/null
  fi
  PG_DATA=""
}

cleanup() {
  local rc=$?
  set +e
  stop_app
  stop_pg
  if [[ -n $TMP && -d $TMP ]]; then
    if ((KEEP)); then echo "run.sh: kept $TMP" >&2; else rm -rf "$TMP"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- tools
wants_postgres() { [[ " $PROVIDERS " == *" postgres "* ]]; }
find_pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
if wants_postgres && [[ -z $(find_pgbin) ]]; then missing+=(postgresql); fi
if ((${#missing[@]})); then
  ((INSTALL)) || die "missing: ${missing[*]} (run without --no-install, or apt-get install them)"
  SUDO=()
  [[ $(id -u) == 0 ]] || SUDO=(sudo)
  log "installing ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null || die "dotnet (the .NET 10 SDK) is not on PATH"
if wants_postgres; then
  PGBIN=$(find_pgbin)
  [[ -x $PGBIN/initdb ]] || die "PostgreSQL's initdb not found under /usr/lib/postgresql"
  [[ $(id -u) == 0 ]] && AS=(runuser -u postgres --)
fi

TMP=$(mktemp -d /tmp/bench-XXXXXX)
chmod 755 "$TMP"   # the postgres user must reach its cluster inside

# ---------------------------------------------------------------- build
if ((BUILD)); then
  log "building src/EventPortal.Web (Release)"
  dotnet build "$APP_PROJECT/EventPortal.Web.csproj" -c Release -nologo -v quiet >"$TMP/build.log" 2>&1 \
    || { tail -40 "$TMP/build.log" >&2; die "build failed (see above)"; }
fi
BUILD_OUT=$(ls -d "$APP_PROJECT"/bin/Release/net*/ 2>/dev/null | sort -V | tail -1)
[[ -n $BUILD_OUT && -f $BUILD_OUT/EventPortal.Web.dll ]] || die "no Release build in $APP_PROJECT/bin/Release (drop --no-build)"
# Run from a private copy, so that somebody else's build cannot replace the files under us.
cp -a "$BUILD_OUT" "$TMP/app"

# ---------------------------------------------------------------- helpers


start_pg() {  # dir port
  local dir=$1 port=$2
  mkdir -p "$dir"
  ((${#AS[@]})) && chown postgres:postgres "$dir"
  "${AS[@]}" "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  PG_DATA="$dir/data"
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
    -o "-p $port -k $dir -c listen_addresses=$HOST -c max_connections=200" >/dev/null \
    || { cat "$dir/server.log" >&2; die "PostgreSQL did not start"; }
  "${AS[@]}" "$PGBIN/psql" -h "$dir" -p "$port" -U postgres -q -c "CREATE DATABASE eventportal" >/dev/null
}

start_app() {  # provider port data-dir log [pg-port]
  local provider=$1 port=$2 data=$3 logfile=$4 pgport=${5:-}
  local -a settings=(
    ASPNETCORE_ENVIRONMENT=Production
    Logging__LogLevel__Default=Warning
    EventPortal__DataDirectory="$data"
    EventPortal__Bench__Enabled=true
    EventPortal__RateLimits__Enabled=false   # one client address drives every registration
    EventPortal__SeedDemo=true
  )
  if [[ $provider == postgres ]]; then
    settings+=(EventPortal__Database__Provider=Postgres
      "ConnectionStrings__EventPortal=Host=$HOST;Port=$pgport;Username=postgres;Database=eventportal;Maximum Pool Size=50")
  else
    settings+=(EventPortal__Database__Provider=Sqlite ConnectionStrings__EventPortal=)
  fi
  mkdir -p "$data"
  (cd "$TMP" && exec env -u ASPNETCORE_URLS -u DOTNET_URLS "${settings[@]}" \
    dotnet "$TMP/app/EventPortal.Web.dll" --urls "http://$HOST:$port") >"$logfile" 2>&1 &
  APP_PID=$!
}

wait_healthy() {  # url log
  local deadline=$((SECONDS + 90))
  until curl -fsS -o /dev/null --max-time 2 "$1/healthz" 2>/dev/null; do
    kill -0 "$APP_PID" 2>/dev/null || { tail -40 "$2" >&2; die "the app exited before it was healthy"; }
    ((SECONDS < deadline)) || { tail -40 "$2" >&2; die "the app was not healthy within 90 s"; }
    sleep 0.5
  done
}

run_wrk() {  # label script seconds output [script args...]
  local label=$1 script=$2 seconds=$3 out=$4
  shift 4
  log "  $label: wrk -t$THREADS -c$CONNECTIONS -d${seconds}s"
  timeout --kill-after=5 $((seconds + 30)) \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" --timeout 2s --latency -s "$script" "$URL" -- "$@" >"$out" 2>&1 \
    || { cat "$out" >&2; die "wrk failed ($label)"; }
  grep -q '^bench\.requests_per_sec=' "$out" || { cat "$out" >&2; die "wrk printed no results ($label)"; }
}

val() { sed -n "s/^bench\.$2=//p" "$1" | tail -1; }   # file key

# CPU time: the app's own (utime + stime, in clock ticks) and the whole machine's (busy, total).
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
proc_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }           # the fields after "(comm) "; utime and stime are the 12th and 13th
  awk '{ print $12 + $13 }' <<<"$stat"
}
machine_ticks() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat; }

measure() {  # provider kind(base|reg) label script seconds output [script args...]
  local provider=$1 kind=$2
  shift 2
  local app0 m0 app1 m1
  app0=$(proc_ticks "$APP_PID"); m0=$(machine_ticks)
  run_wrk "$@"
  app1=$(proc_ticks "$APP_PID"); m1=$(machine_ticks)
  local seconds
  seconds=$(val "$4" duration_s)
  R[$provider.$kind.app_cpu]=$(awk -v a="$((app1 - app0))" -v hz="$CLK_TCK" -v s="$seconds" 'BEGIN { printf "%.2f", a / hz / s }')
  R[$provider.$kind.machine_busy]=$(awk -v m0="$m0" -v m1="$m1" 'BEGIN { split(m0, a, " "); split(m1, b, " "); printf "%.0f", 100 * (b[1] - a[1]) / (b[2] - a[2]) }')
}

declare -A R=()   # provider.key -> value

# ---------------------------------------------------------------- one provider
bench_provider() {
  local provider=$1 port pgport=""
  local dir="$TMP/$provider"
  mkdir -p "$dir"
  R[$provider.load]=$(cut -d' ' -f1-3 /proc/loadavg)
  if [[ $provider == postgres ]]; then
    pgport=$(free_port)
    log "$provider: fresh cluster on $HOST:$pgport"
    start_pg "$dir/pg" "$pgport"
  fi
  port=$(free_port)
  URL="http://$HOST:$port"
  log "$provider: app on $URL"
  start_app "$provider" "$port" "$dir/data" "$dir/app.log" "$pgport"
  wait_healthy "$URL" "$dir/app.log"

  local slug code
  slug=$(curl -fsS --max-time 5 "$URL/api/events" | grep -o '"slug" *: *"[^"]*"' | head -1 | sed 's/.*"\([^"]*\)"$/\1/')
  [[ -n $slug ]] || die "$provider: GET /api/events returned no slug"
  code=$(curl -sS -o "$dir/smoke.json" -w '%{http_code}' --max-time 10 -X POST -H 'Content-Type: application/json' \
    --data-binary '{"familyName":"山田","givenName":"花子","email":"smoke@bench.example.jp","organization":"Bench","ticketType":"recording","consent":true}' \
    "$URL/api/events/$slug/registrations")
  [[ $code == 201 ]] || { cat "$dir/smoke.json" >&2; die "$provider: a test registration answered $code, not 201"; }
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -X POST "$URL/bench/baseline")
  [[ $code == 201 ]] || die "$provider: POST /bench/baseline answered $code, not 201 (is EventPortal:Bench:Enabled honoured?)"

  local tag
  tag=$(date +%s)
  if ((WARMUP > 0)); then
    run_wrk "warm-up baseline" "$BENCH/baseline.lua" "$WARMUP" "$dir/warm-baseline.txt"
    run_wrk "warm-up registrations" "$BENCH/registrations.lua" "$WARMUP" "$dir/warm-registrations.txt" "$slug" recording "w$tag"
  fi
  measure "$provider" base "baseline" "$BENCH/baseline.lua" "$DURATION" "$dir/baseline.txt"
  measure "$provider" reg "registrations" "$BENCH/registrations.lua" "$DURATION" "$dir/registrations.txt" "$slug" recording "m$tag"

  local k
  for k in requests_per_sec created latency_p50_ms latency_p90_ms latency_p99_ms latency_max_ms non2xx socket_errors requests \
    errors_connect errors_read errors_write errors_timeout; do
    R[$provider.reg.$k]=$(val "$dir/registrations.txt" "$k")
    R[$provider.base.$k]=$(val "$dir/baseline.txt" "$k")
  done

  # Every 201 must be a row: count them in the database (smoke + warm-up + measured). A few
  # more rows are normal: requests still in flight when wrk stopped were answered to nobody.
  local expected rows="n/a"
  expected=$((1 + ${R[$provider.reg.created]} + $( ((WARMUP > 0)) && val "$dir/warm-registrations.txt" created || echo 0)))
  stop_app
  if [[ $provider == postgres ]]; then
    rows=$("${AS[@]}" "$PGBIN/psql" -h "$dir/pg" -p "$pgport" -U postgres -d eventportal -Atq -c "SELECT count(*) FROM registrations" 2>/dev/null || echo "n/a")
    stop_pg
  elif command -v sqlite3 >/dev/null; then
    rows=$(sqlite3 "$dir/data/eventportal.db" "SELECT count(*) FROM registrations" 2>/dev/null || echo "n/a")
  fi
  R[$provider.rows]="$rows for $expected answered 201"
  log "$provider: done (registrations rows: ${R[$provider.rows]})"
}

# ---------------------------------------------------------------- machine

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
[[ -n $cpu_model ]] || cpu_model=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
mem_gib=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
os_name=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}")
MACHINE="$(nproc) CPUs ($cpu_model), ${mem_gib} GiB RAM, Linux $(uname -r)${os_name:+, $os_name}"
wrk_version=$( (wrk -v 2>&1 || true) | awk 'NR == 1 { print $1, $2 }')   # wrk -v exits 1
SOFTWARE=".NET SDK $(dotnet --version), $wrk_version"
wants_postgres && SOFTWARE+=", PostgreSQL $("$PGBIN/postgres" --version | awk '{ print $3 }')"
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
COMMIT=$(git_commit "$ROOT")

# ---------------------------------------------------------------- run
for p in $PROVIDERS; do bench_provider "$p"; done

fmt0() { awk -v v="$1" 'BEGIN { if (v == "") print "n/a"; else printf "%.0f", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

table() {
  echo "| provider | registrations/s | p50 ms | p99 ms | non-2xx | socket errors | baseline/s | baseline p99 ms | ratio | ratio ≥ 0.5 | SQLite aim ≥ 1,500/s, p99 < 100 ms |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
  local p r aim target
  for p in $PROVIDERS; do
    r=$(ratio "${R[$p.reg.requests_per_sec]}" "${R[$p.base.requests_per_sec]}")
    target=$(awk -v r="$r" 'BEGIN { print (r != "n/a" && r + 0 >= 0.5) ? "met" : "**missed**" }')
    aim="n/a"
    if [[ $p == sqlite ]]; then
      aim=$(awk -v rps="${R[$p.reg.requests_per_sec]}" -v p99="${R[$p.reg.latency_p99_ms]}" -v e="$((${R[$p.reg.non2xx]} + ${R[$p.reg.socket_errors]}))" \
        'BEGIN { print (rps + 0 >= 1500 && p99 + 0 < 100 && e == 0) ? "met" : "**missed**" }')
    fi
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$p" \
      "$(fmt0 "${R[$p.reg.requests_per_sec]}")" "${R[$p.reg.latency_p50_ms]}" "${R[$p.reg.latency_p99_ms]}" \
      "${R[$p.reg.non2xx]}" "${R[$p.reg.socket_errors]}" \
      "$(fmt0 "${R[$p.base.requests_per_sec]}")" "${R[$p.base.latency_p99_ms]}" "$r" "$target" "$aim"
  done
}

errs() {  # provider kind
  echo "connect ${R[$1.$2.errors_connect]}, read ${R[$1.$2.errors_read]}, write ${R[$1.$2.errors_write]}, timeout ${R[$1.$2.errors_timeout]}"
}

details() {
  local p
  for p in $PROVIDERS; do
    echo "- **$p**, registrations: ${R[$p.reg.requests]} requests, ${R[$p.reg.created]} answered 201;" \
      "latency p50 ${R[$p.reg.latency_p50_ms]} ms, p90 ${R[$p.reg.latency_p90_ms]} ms, p99 ${R[$p.reg.latency_p99_ms]} ms, max ${R[$p.reg.latency_max_ms]} ms;" \
      "socket errors: $(errs "$p" reg); app CPU ${R[$p.reg.app_cpu]} cores, machine ${R[$p.reg.machine_busy]} % busy."
    echo "  Baseline: ${R[$p.base.requests]} requests, ${R[$p.base.created]} answered 201, non-2xx ${R[$p.base.non2xx]};" \
      "latency p50 ${R[$p.base.latency_p50_ms]} ms, p90 ${R[$p.base.latency_p90_ms]} ms, p99 ${R[$p.base.latency_p99_ms]} ms, max ${R[$p.base.latency_max_ms]} ms;" \
      "socket errors: $(errs "$p" base); app CPU ${R[$p.base.app_cpu]} cores, machine ${R[$p.base.machine_busy]} % busy."
    echo "  Rows in \`registrations\` afterwards: ${R[$p.rows]} (smoke test + warm-up + measured). Load average before: ${R[$p.load]}."
  done
}

report() {
  echo "## Run of $DATE"
  echo
  echo "- Commit: $COMMIT"
  echo "- Machine: $MACHINE"
  echo "- Software: $SOFTWARE"
  echo "- Load: \`wrk -t$THREADS -c$CONNECTIONS --latency\`, ${WARMUP} s warm-up then ${DURATION} s per endpoint (baseline first, then registrations), wrk and the app (and PostgreSQL) sharing the machine; app in Release, Production, log level Warning; ticket type \`recording\`"
  echo
  table
  echo
  details
  echo
}

REPORT=$(report)
echo
echo "$REPORT"
mkdir -p "$(dirname "$OUTPUT")"
{ echo "# EventPortal load benchmark: latest run"; echo; echo "Written by bench/run.sh; see bench/README.md for what it measures."; echo; echo "$REPORT"; } >"$OUTPUT"
{ [[ -s $HISTORY ]] || { echo "# EventPortal load benchmark: every run"; echo; }; echo "$REPORT"; echo; } >>"$HISTORY"
log "written to ${OUTPUT#"$ROOT"/} (and appended to ${HISTORY#"$ROOT"/})"
