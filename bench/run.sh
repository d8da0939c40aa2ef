#!/usr/bin/env bash
# EventPortal load benchmark: the registration API against a bare-INSERT baseline, on SQLite
# and on PostgreSQL, in one run on one machine. See bench/README.md.
#
#   ./bench/run.sh [options]
#
# For each provider: a fresh app (fresh SQLite directory / fresh PostgreSQL cluster, with -i N
# app instances on it) on free ports of 127.0.0.1; then per scenario (the bench event's
# `unlimited` and `capped` tickets) a short warm-up and ROUNDS alternating rounds of
# POST /bench/baseline then POST /api/events/bench-rush/registrations, DURATION seconds each.
# The table quotes medians over the rounds; CPU per request (app, PostgreSQL) and WAL bytes per
# request are sampled around every round. Prints the report and writes it to
# bench/results/latest.md (and appends it to bench/results/history.md). Every process it starts
# and every temporary directory is removed on exit.
set -euo pipefail
export LC_ALL=C   # decimal points in awk

usage() {
  cat <<'EOF'
Usage: bench/run.sh [options]

  -d, --duration SEC      seconds per measured round of each endpoint (default 10; env BENCH_DURATION)
  -w, --warmup SEC        seconds of warm-up per endpoint and scenario before measuring (default 5; env BENCH_WARMUP)
  -r, --rounds N          alternating rounds (baseline, then registrations) per scenario (default 3; env BENCH_ROUNDS)
  -t, --threads N         wrk threads in all (default 2; env BENCH_THREADS)
  -c, --connections N     wrk connections in all (default 32; env BENCH_CONNECTIONS)
  -i, --instances N       app instances on the one PostgreSQL database, the load split across them
                          (default 1; env BENCH_INSTANCES; PostgreSQL only, SQLite always runs one)
  -p, --providers LIST    "sqlite postgres" (default), "sqlite" or "postgres"; commas work too
  -o, --output FILE       results file (default bench/results/latest.md); history.md beside it gets a copy appended
      --no-build          use the existing Release build of src/EventPortal.Web
      --no-install        fail instead of apt-get installing wrk / curl / postgresql when missing
      --keep-tmp          keep the temporary directory (app logs, wrk output) for inspection
      --with-dispatch     keep the outbox dispatcher on (it composes and writes each registration's mail meanwhile)
  -h, --help              this text

Scenarios: SQLite `unlimited` then `capped`, PostgreSQL `capped` then `unlimited` (the tickets of
the event bench-rush that the app seeds when EventPortal:Bench:Enabled is on). Only 127.0.0.1 is
ever targeted. Each wrk run is bounded by its duration (and killed 30 s after it at the latest),
so the script always stops by itself.
EOF
}

SCRIPT=run.sh
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"       # die, log, HOST, free_port, start_pg, …
# shellcheck source=bench/run-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/run-lib.sh"   # start_app, run_load, measure, median, …

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-5}
ROUNDS=${BENCH_ROUNDS:-3}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
INSTANCES=${BENCH_INSTANCES:-1}
PROVIDERS=${BENCH_PROVIDERS:-"sqlite postgres"}
BUILD=1
NO_INSTALL=0
KEEP=0
WITH_DISPATCH=0
OUTPUT=""

while (($#)); do
  case $1 in
    -d|--duration) DURATION=${2:?}; shift 2 ;;
    -w|--warmup) WARMUP=${2:?}; shift 2 ;;
    -r|--rounds) ROUNDS=${2:?}; shift 2 ;;
    -t|--threads) THREADS=${2:?}; shift 2 ;;
    -c|--connections) CONNECTIONS=${2:?}; shift 2 ;;
    -i|--instances) INSTANCES=${2:?}; shift 2 ;;
    -p|--providers) PROVIDERS=${2:?}; shift 2 ;;
    -o|--output) OUTPUT=${2:?}; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --no-install) NO_INSTALL=1; shift ;;
    --keep-tmp) KEEP=1; shift ;;
    --with-dispatch) WITH_DISPATCH=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

for n in DURATION WARMUP ROUNDS THREADS CONNECTIONS INSTANCES; do
  [[ ${!n} =~ ^[0-9]+$ ]] || die "$n must be a whole number, not '${!n}'"
done
((DURATION >= 1)) || die "--duration must be at least 1"
((ROUNDS >= 1 && ROUNDS <= 20)) || die "--rounds must be 1..20"
((THREADS >= 1)) || die "--threads must be at least 1"
((INSTANCES >= 1 && INSTANCES <= 4)) || die "--instances must be 1..4"
((CONNECTIONS >= THREADS && CONNECTIONS >= INSTANCES)) || die "--connections must be at least --threads and --instances"
PROVIDERS=${PROVIDERS//,/ }
for p in $PROVIDERS; do
  [[ $p == sqlite || $p == postgres ]] || die "unknown provider '$p' (sqlite, postgres)"
done
wants_postgres() { [[ " $PROVIDERS " == *" postgres "* ]]; }
((INSTANCES == 1)) || wants_postgres || die "--instances applies to PostgreSQL only (add -p postgres)"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
APP_PROJECT="$ROOT/src/EventPortal.Web"
OUTPUT=${OUTPUT:-"$BENCH/results/latest.md"}
HISTORY="$(dirname "$OUTPUT")/history.md"
SLUG=bench-rush

# ---------------------------------------------------------------- cleanup
TMP=""
cleanup() {
  local rc=$?
  set +e
  stop_wrk
  stop_apps
  stop_pg
  if [[ -n $TMP && -d $TMP ]]; then
    if ((KEEP)); then echo "run.sh: kept $TMP" >&2; else rm -rf "$TMP"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- tools and build
packages=(wrk curl)
wants_postgres && packages+=(postgresql)
install_missing "${packages[@]}"
command -v dotnet >/dev/null || die "dotnet (the .NET 10 SDK) is not on PATH"
wants_postgres && pg_tools

TMP=$(mktemp -d /tmp/bench-XXXXXX)
chmod 755 "$TMP"   # the postgres user must reach its cluster inside

if ((BUILD)); then
  log "building src/EventPortal.Web (Release)"
  dotnet build "$APP_PROJECT/EventPortal.Web.csproj" -c Release -nologo -v quiet >"$TMP/build.log" 2>&1 \
    || { tail -40 "$TMP/build.log" >&2; die "build failed (see above)"; }
fi
BUILD_OUT=$(find "$APP_PROJECT/bin/Release" -mindepth 1 -maxdepth 1 -type d -name 'net*' 2>/dev/null | sort -V | tail -1)
[[ -n $BUILD_OUT && -f $BUILD_OUT/EventPortal.Web.dll ]] || die "no Release build in $APP_PROJECT/bin/Release (drop --no-build)"
# Run from a private copy, so that somebody else's build cannot replace the files under us.
cp -a "$BUILD_OUT" "$TMP/app"

# ---------------------------------------------------------------- one provider
scenarios() { if [[ $1 == sqlite ]]; then echo "unlimited capped"; else echo "capped unlimited"; fi; }

post_json() {  # url body -> HTTP status (the answer in $TMP/answer.json)
  curl -sS -o "$TMP/answer.json" -w '%{http_code}' --max-time 10 -X POST -H 'Content-Type: application/json' --data-binary "$2" "$1"
}

# Per ticket of the bench event: "code|rows|waitlisted", counted in the database.
count_rows() {  # provider dir
  local sql="SELECT t.code, COUNT(r.id), SUM(CASE WHEN r.status = 'waitlisted' THEN 1 ELSE 0 END)
    FROM ticket_types t JOIN events e ON e.id = t.event_id LEFT JOIN registrations r ON r.ticket_type_id = t.id
    WHERE e.slug = '$SLUG' GROUP BY t.code"
  if [[ $1 == postgres ]]; then psql_q "$sql" 2>/dev/null || true
  elif command -v sqlite3 >/dev/null; then sqlite3 "$2/data0/eventportal.db" "$sql" 2>/dev/null || true
  fi
}

bench_provider() {
  local provider=$1 n=1 pgport="" k s r code
  local dir="$TMP/$provider"
  mkdir -p "$dir"
  [[ $provider == postgres ]] && n=$INSTANCES
  R[$provider.instances]=$n
  R[$provider.load]=$(cut -d' ' -f1-3 /proc/loadavg)
  if [[ $provider == postgres ]]; then
    pgport=$(free_port)
    log "$provider: fresh cluster on $HOST:$pgport"
    start_pg "$dir/pg" "$pgport"
    PG_SOCKET="$dir/pg" PG_PORT=$pgport
    "${AS[@]}" "$PGBIN/psql" -h "$PG_SOCKET" -p "$PG_PORT" -U postgres -q -c "CREATE DATABASE eventportal" >/dev/null
  fi

  # Instance 1 migrates and seeds (the demo event, and the bench event on its first baseline
  # request); the others start once it has, on the same database, each on its own port.
  local -a ports=()
  for ((k = 0; k < n; k++)); do
    ports[k]=$(free_port)
    while [[ " ${ports[*]:0:k} " == *" ${ports[k]} "* ]]; do ports[k]=$(free_port); done
    start_app "$k" "$provider" "${ports[k]}" "$dir/data$k" "$dir/app$k.log" "$pgport" "$([[ $k == 0 ]] && echo true || echo false)"
    log "$provider: app instance $((k + 1)) on ${APP_URLS[k]}"
    ((k > 0)) || wait_healthy 0
    ((k > 0)) || [[ $(curl -sS -o /dev/null -w '%{http_code}' --max-time 60 -X POST "${APP_URLS[0]}/bench/baseline") == 201 ]] \
      || die "$provider: POST /bench/baseline did not answer 201 (is EventPortal:Bench:Enabled honoured?)"
  done
  for ((k = 1; k < n; k++)); do
    wait_healthy "$k"
    [[ $(curl -sS -o /dev/null -w '%{http_code}' --max-time 60 -X POST "${APP_URLS[k]}/bench/baseline") == 201 ]] \
      || die "$provider: POST /bench/baseline on instance $((k + 1)) did not answer 201"
  done
  code=$(curl -sS -o "$dir/event.json" -w "%{http_code}" --max-time 10 "${APP_URLS[0]}/api/events/$SLUG")
  [[ $code == 200 ]] || die "$provider: GET /api/events/$SLUG answered $code: the bench event was not seeded"

  for s in $(scenarios "$provider"); do
    grep -Eq "\"code\" *: *\"$s\"" "$dir/event.json" || die "$provider: the event $SLUG has no ticket '$s'"
    code=$(post_json "${APP_URLS[0]}/api/events/$SLUG/registrations" '{"familyName":"山田","givenName":"花子",'`
      `'"email":"smoke-'"$s"'@bench.example.jp","organization":"Bench","ticketType":"'"$s"'","consent":true}')
    [[ $code == 201 ]] || { cat "$TMP/answer.json" >&2; die "$provider: a test registration ($s) answered $code, not 201"; }
    R[$provider.$s.expected]=1
  done

  for s in $(scenarios "$provider"); do
    log "$provider, $s: ${WARMUP} s warm-up, then $ROUNDS rounds of ${DURATION} s baseline + ${DURATION} s registrations"
    if ((WARMUP > 0)); then
      run_load "warm-up baseline" "$BENCH/baseline.lua" "$WARMUP" "$dir/warm-$s-baseline.txt" ""
      run_load "warm-up registrations" "$BENCH/registrations.lua" "$WARMUP" "$dir/warm-$s-registrations.txt" "$s-w" "$SLUG" "$s"
      R[$provider.$s.expected]=$((R[$provider.$s.expected] + $(val "$dir/warm-$s-registrations.txt" created)))
    fi
    for ((r = 1; r <= ROUNDS; r++)); do
      measure "$provider.$s.base.$r" "round $r baseline" "$BENCH/baseline.lua" "$DURATION" ""
      measure "$provider.$s.reg.$r" "round $r registrations" "$BENCH/registrations.lua" "$DURATION" "$s-r$r" "$SLUG" "$s"
      R[$provider.$s.expected]=$((R[$provider.$s.expected] + R[$provider.$s.reg.$r.created]))
      R[$provider.$s.ratio.$r]=$(awk -v a="${R[$provider.$s.reg.$r.created_per_sec]}" -v b="${R[$provider.$s.base.$r.created_per_sec]}" \
        'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
      log "  round $r: ratio ${R[$provider.$s.ratio.$r]}"
    done
  done

  # Every 201 must be a row: count them per ticket (smoke test + warm-up + measured). A few more
  # rows are normal: requests still in flight when wrk stopped were answered to nobody.
  stop_apps
  local counts line rows waiting
  counts=$(count_rows "$provider" "$dir")
  for s in $(scenarios "$provider"); do
    line=$(grep "^$s|" <<<"$counts" || true)
    IFS='|' read -r _ rows waiting <<<"${line:-$s|n/a|n/a}"
    R[$provider.$s.rows]="$rows rows ($waiting waitlisted) for ${R[$provider.$s.expected]} answered 201"
    [[ $rows =~ ^[0-9]+$ ]] && ((rows < R[$provider.$s.expected])) && R[$provider.$s.rows]+=": **fewer rows than 201 answers**"
    log "$provider, $s: ${R[$provider.$s.rows]}"
  done
  if [[ $provider == postgres ]]; then stop_pg; PG_PORT="" PG_SOCKET=""; fi
}

# ---------------------------------------------------------------- machine and run
MACHINE=$(machine_line)
wrk_version=$( (wrk -v 2>&1 || true) | awk 'NR == 1 { print $1, $2 }')   # wrk -v exits 1
SOFTWARE=".NET SDK $(dotnet --version), $wrk_version"
wants_postgres && SOFTWARE+=", PostgreSQL $("$PGBIN/postgres" --version | awk '{ print $3 }')"
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
COMMIT=$(git_commit "$ROOT")

for p in $PROVIDERS; do bench_provider "$p"; done

# shellcheck source=bench/run-report.sh
source "$BENCH/run-report.sh"   # report
REPORT=$(report)
echo
echo "$REPORT"
mkdir -p "$(dirname "$OUTPUT")"
{
  echo "# EventPortal load benchmark: latest run"; echo
  echo "Written by bench/run.sh; see bench/README.md for what it measures."; echo
  echo "$REPORT"
} >"$OUTPUT"
{ [[ -s $HISTORY ]] || { echo "# EventPortal load benchmark: every run"; echo; }; echo "$REPORT"; echo; } >>"$HISTORY"
log "written to ${OUTPUT#"$ROOT"/} (and appended to ${HISTORY#"$ROOT"/})"
