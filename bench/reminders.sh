#!/usr/bin/env bash
# EventPortal reminders benchmark: re-planning and sending reminders for an event with N
# registrations. See bench/README.md, "Reminders".
#
# 1. The app (SQLite, fresh data directory, dispatcher off) gets an event starting ~3 h from now
#    through the admin API, published, and N "live" registrations (each queues a confirmation;
#    each mail rule still ahead is one plan row, kind plan.reminder, which writes the reminder
#    rows, kind mail.reminder, of everyone registered when the rule is due).
# 2. Time to enqueue: PUT /api/admin/events/{slug}/reminders with [{first, all}, {-60, live}],
#    the first rule due --lead seconds from now. One transaction deletes the unsent plan rows
#    and plans them again (one per rule). Timed at the client; the rows are counted with sqlite3.
# 3. Time to drain: the app is stopped, smtp-sink started, the app started again on the same data
#    with the dispatcher on. The N confirmations (due earlier) go first; then the clock runs from
#    the first rule's due time (its plan row writes N rows then) until the sink has counted 2 x N messages.
# Writes bench/results/reminders-latest.md. Only 127.0.0.1 is targeted; every phase is bounded;
# everything started is stopped and the temporary directory removed on exit.
set -euo pipefail
export LC_ALL=C

usage() {
  cat <<'EOF'
Usage: bench/reminders.sh [options]

  -n, --registrations N   registrations (default 10000; env BENCH_REMINDERS_N)
      --lead SEC          the first reminder is due at least SEC after the re-plan is sent
                          (default 120, so the confirmations can drain first; env BENCH_REMINDERS_LEAD)
  -P, --parallel P        EventPortal:Outbox:MaxParallel in the drain (default 16, the app's default)
  -T, --timeout SEC       limit for the drain, from the first reminder's due time (default 240)
  -o, --output FILE       results file (default bench/results/reminders-latest.md)
      --no-build          use the existing Release build of src/EventPortal.Web
      --keep-tmp          keep the temporary directory (logs, database, progress.tsv)
  -h, --help              this text
EOF
}

die() { echo "reminders.sh: $*" >&2; exit 1; }
log() { echo "==> $*" >&2; }

N=${BENCH_REMINDERS_N:-10000}
LEAD=${BENCH_REMINDERS_LEAD:-120}
PAR=16
DRAIN_TIMEOUT=240
BUILD=1
KEEP=0
OUTPUT=""
while (($#)); do
  case $1 in
    -n|--registrations) N=${2:?}; shift 2 ;;
    --lead) LEAD=${2:?}; shift 2 ;;
    -P|--parallel) PAR=${2:?}; shift 2 ;;
    -T|--timeout) DRAIN_TIMEOUT=${2:?}; shift 2 ;;
    -o|--output) OUTPUT=${2:?}; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --keep-tmp) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done
for v in N LEAD PAR DRAIN_TIMEOUT; do [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number"; done
((N >= 1 && N <= 100000)) || die "--registrations must be 1..100000"
((LEAD >= 30 && LEAD <= 3000)) || die "--lead must be 30..3000"
((PAR >= 1 && PAR <= 64)) || die "--parallel must be 1..64"
((DRAIN_TIMEOUT >= 10)) || die "--timeout must be at least 10"

readonly HOST=127.0.0.1
readonly SLUG=bench-reminders
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
APP_PROJECT="$ROOT/src/EventPortal.Web"
OUTPUT=${OUTPUT:-"$ROOT/bench/results/reminders-latest.md"}
PATH="$PATH:/usr/sbin"
for c in smtp-sink curl sqlite3 dotnet awk; do command -v "$c" >/dev/null || die "$c not found (postfix, curl, sqlite3, .NET SDK)"; done
SINK_USER=()
[[ $(id -u) == 0 ]] && SINK_USER=(-u nobody)

TMP=""; APP_PID=""; SINK_PID=""
stop_pid() {
  local pid=$1
  [[ -n $pid ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null || true
}
stop_app() { stop_pid "$APP_PID"; APP_PID=""; }
cleanup() {
  local rc=$?
  set +e
  stop_app; stop_pid "$SINK_PID"; SINK_PID=""
  if [[ -n $TMP && -d $TMP ]]; then
    if ((KEEP)); then echo "reminders.sh: kept $TMP" >&2; else rm -rf "$TMP"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

TMP=$(mktemp -d /tmp/bench-reminders-XXXXXX)
chmod 711 "$TMP"
DATA="$TMP/data"
DB="$DATA/eventportal.db"

if ((BUILD)); then
  log "building src/EventPortal.Web (Release)"
  dotnet build "$APP_PROJECT/EventPortal.Web.csproj" -c Release -nologo -v quiet >"$TMP/build.log" 2>&1 \
    || { tail -40 "$TMP/build.log" >&2; die "build failed"; }
fi
BUILD_OUT=$(ls -d "$APP_PROJECT"/bin/Release/net*/ 2>/dev/null | sort -V | tail -1)
[[ -n $BUILD_OUT && -f $BUILD_OUT/EventPortal.Web.dll ]] || die "no Release build (drop --no-build)"
cp -a "$BUILD_OUT" "$TMP/app"

port_in_use() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
free_port() {
  local p
  for _ in $(seq 1 200); do p=$((20000 + RANDOM % 12000)); port_in_use "$p" || { echo "$p"; return 0; }; done
  die "no free port found"
}
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# A random token, only for this run's throwaway database.
TOKEN="bench-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"

start_app() {  # port log dispatcher(true|false) sink-port
  local port=$1 logfile=$2 dispatcher=$3 sinkport=$4
  local -a unset=(-u ASPNETCORE_URLS -u DOTNET_URLS)
  local v
  for v in $(compgen -e | grep -E '^(EventPortal__|ConnectionStrings__|DOTNET_ThreadPool_)' || true); do unset+=(-u "$v"); done
  mkdir -p "$DATA"
  (cd "$TMP" && exec env "${unset[@]}" \
    ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
    EventPortal__DataDirectory="$DATA" EventPortal__PublicBaseUrl=https://portal.example.jp \
    EventPortal__RateLimits__Enabled=false \
    EventPortal__SeedDemo=false EventPortal__Database__Provider=Sqlite \
    EventPortal__Bootstrap__ApiToken="$TOKEN" \
    EventPortal__Mail__Transport=Smtp EventPortal__Mail__Smtp__Host=$HOST EventPortal__Mail__Smtp__Port="$sinkport" \
    EventPortal__Mail__From=noreply@portal.example.jp EventPortal__Outbox__MaxParallel="$PAR" \
    EventPortal__Mail__MessagesPerMinute=0 EventPortal__Outbox__DispatcherEnabled="$dispatcher" \
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
api() {  # method path [json-file] -> body in $TMP/resp.json, prints the status code
  local -a data=()
  [[ -n ${3:-} ]] && data=(--data-binary "@$3" -H 'Content-Type: application/json')
  curl -sS -o "$TMP/resp.json" -w '%{http_code}' --max-time "${API_TIMEOUT:-30}" -X "$1" \
    -H "Authorization: Bearer $TOKEN" "${data[@]}" "$URL$2"
}
sink_messages() {  # smtp-sink -c: "sess=N quit=N mesg=N\r", rewritten in place
  local s
  s=$(tail -c 160 "$SINK_OUT" 2>/dev/null) || true
  if [[ $s == *$'\r'* ]]; then s=${s%$'\r'*}; s=${s##*$'\r'}; else s=""; fi
  [[ $s =~ mesg=([0-9]+) ]] && echo "${BASH_REMATCH[1]}" || echo 0
}
outbox_status() {
  sqlite3 "$DB" "SELECT replace(kind, 'mail.', '') || ' ' || status || '=' || count(*) FROM outbox GROUP BY kind, status ORDER BY kind, status" 2>/dev/null \
    | paste -sd',' - | sed 's/,/, /g' || echo "n/a"
}
# due_at / sent_at are "yyyy-MM-dd HH:mm:ss.fffffff" UTC; as Unix seconds.
epoch_sql() { sqlite3 "$DB" "SELECT printf('%.3f', (julianday($1) - 2440587.5) * 86400.0) $2"; }

declare -A R=()
R[load]=$(cut -d' ' -f1-3 /proc/loadavg)
SINK_PORT=$(free_port)

# ---------------------------------------------------------------- 1. event and registrations
PORT=$(free_port); URL="http://$HOST:$PORT"
log "app (dispatcher off) on $URL, data in $DATA"
start_app "$PORT" "$TMP/app1.log" false "$SINK_PORT"
wait_healthy "$URL" "$TMP/app1.log"

START_EPOCH=$(( ($(date +%s) + 3 * 3600 + 59) / 60 * 60 ))   # ~3 h from now, on a whole minute
STARTS=$(TZ=Asia/Tokyo date -d "@$START_EPOCH" '+%Y-%m-%dT%H:%M:%S+09:00')
ENDS=$(TZ=Asia/Tokyo date -d "@$((START_EPOCH + 3600))" '+%Y-%m-%dT%H:%M:%S+09:00')
printf '{"slug":"%s","title":"ベンチマーク説明会","startsAt":"%s","endsAt":"%s","timeZone":"Asia/Tokyo","ticketTypes":[{"code":"live","name":"ライブ参加","capacity":null,"waitlist":false,"kind":"live"}]}' \
  "$SLUG" "$STARTS" "$ENDS" >"$TMP/event.json"
code=$(api POST /api/admin/events "$TMP/event.json")
[[ $code == 201 || $code == 200 ]] || { cat "$TMP/resp.json" >&2; die "create event answered $code"; }
code=$(api POST "/api/admin/events/$SLUG/publish")
[[ $code == 200 || $code == 204 ]] || { cat "$TMP/resp.json" >&2; die "publish answered $code"; }
log "event $SLUG starts $STARTS; published"

URL_REG="$URL/api/events/$SLUG/registrations" N="$N" TAG="$(date +%s)" awk 'BEGIN {
  q = "\\\""
  for (i = 1; i <= ENVIRON["N"]; i++) {
    printf "url = \"%s\"\n", ENVIRON["URL_REG"]
    printf "data-binary = \"{%sfamilyName%s:%s山田%s,%sgivenName%s:%s花子%s,%semail%s:%sr-%s-%d@bench.example.jp%s,", q, q, q, q, q, q, q, q, q, q, q, ENVIRON["TAG"], i, q
    printf "%sorganization%s:%sBench%s,%sticketType%s:%slive%s,%sconsent%s:true}\"\n", q, q, q, q, q, q, q, q, q, q
    print "header = \"Content-Type: application/json\""
    print "output = \"/dev/null\""
    print "max-time = 30"
    print "write-out = \"%{http_code}\\n\""
    if (i < ENVIRON["N"]) print "next"
  }
}' >"$TMP/requests.curl"
log "$N registrations (curl --parallel-max 16)"
t0=$(now)
timeout --kill-after=5 300 curl -sS --parallel --parallel-max 16 -K "$TMP/requests.curl" >"$TMP/codes.txt" 2>"$TMP/curl.err" || true
t1=$(now)
R[reg_s]=$(elapsed "$t0" "$t1")
created=$(grep -c '^201$' "$TMP/codes.txt" || true)
log "registrations: $created of $N answered 201 in ${R[reg_s]} s"
((created == N)) || { sort "$TMP/codes.txt" | uniq -c >&2; head -5 "$TMP/curl.err" >&2; die "$created registrations instead of $N"; }
R[before]=$(outbox_status)
R[reminders_before]=$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE kind = 'mail.reminder' AND status = 'queued'")
R[plans_before]=$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE kind = 'plan.reminder' AND status = 'queued'")
log "outbox after registering: ${R[before]}"

# ---------------------------------------------------------------- 2. time to enqueue
# The first rule's due time: the latest whole-minute offset that is still at least LEAD s ahead.
NOW_S=$(date +%s)
FIRST=$(( -((START_EPOCH - NOW_S - LEAD) / 60) ))
((FIRST < -60)) || die "the event starts too soon for --lead $LEAD"
printf '[{"offsetMinutes": %d, "audience": "all"}, {"offsetMinutes": -60, "audience": "live"}]' "$FIRST" >"$TMP/rules.json"
log "PUT reminders: $(cat "$TMP/rules.json") (first due $(( START_EPOCH + FIRST * 60 - NOW_S )) s from now)"
t0=$(now)
code=$(API_TIMEOUT=120 api PUT "/api/admin/events/$SLUG/reminders" "$TMP/rules.json")
t1=$(now)
[[ $code == 200 ]] || { cat "$TMP/resp.json" >&2; die "PUT reminders answered $code"; }
R[enqueue_s]=$(elapsed "$t0" "$t1")
R[rules]=$(cat "$TMP/resp.json")
# The rules ahead are plan rows; the first ("all") writes a reminder for each of the N registrations when due.
PLANS="FROM outbox WHERE kind = 'plan.reminder' AND status = 'queued'"
read -r R[planned] R[min_due] <<<"$(sqlite3 -separator ' ' "$DB" "SELECT count(*), min(due_at) $PLANS" | sed 's/ /_/2')"
R[min_due]=${R[min_due]/_/ }
R[reminders_after]=$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE kind = 'mail.reminder' AND status = 'queued'")
R[first_rows]=$N
DUE=$(epoch_sql "min(due_at)" "$PLANS")
log "enqueue: ${R[enqueue_s]} s; ${R[planned]} plan rows queued (reminder rows: ${R[reminders_after]}), the first due at ${R[min_due]} UTC for ${R[first_rows]}"
stop_app

# ---------------------------------------------------------------- 3. time to drain
SINK_OUT="$TMP/sink.out"
smtp-sink "${SINK_USER[@]}" -c "$HOST:$SINK_PORT" 1000 >"$SINK_OUT" 2>"$SINK_OUT.err" &
SINK_PID=$!
deadline=$((SECONDS + 10))
until port_in_use "$SINK_PORT"; do
  kill -0 "$SINK_PID" 2>/dev/null || { cat "$SINK_OUT.err" >&2; die "smtp-sink exited"; }
  ((SECONDS < deadline)) || die "smtp-sink did not listen within 10 s"; sleep 0.1
done
PORT=$(free_port); URL="http://$HOST:$PORT"
TOTAL=$((N + R[first_rows]))
log "smtp-sink on $HOST:$SINK_PORT; app (dispatcher on, MaxParallel $PAR) on $URL; waiting for $TOTAL messages"
t_launch=$(now)
start_app "$PORT" "$TMP/app2.log" true "$SINK_PORT"
end_by=$(awk -v d="$DUE" -v t="$DRAIN_TIMEOUT" 'BEGIN { printf "%.0f", d + t }')
t_conf=""; m_at_due=""; t_first_rem=""; t_end=""; timed_out=0
: >"$TMP/progress.tsv"
while :; do
  m=$(sink_messages); t=$(now)
  echo "$(elapsed "$DUE" "$t") $m" >>"$TMP/progress.tsv"
  [[ -z $t_conf ]] && ((m >= N)) && t_conf=$t
  if [[ -z $m_at_due ]] && awk -v a="$t" -v b="$DUE" 'BEGIN { exit !(a >= b) }'; then m_at_due=$m; fi
  [[ -z $t_first_rem ]] && ((m > N)) && t_first_rem=$t
  ((m >= TOTAL)) && { t_end=$t; break; }
  kill -0 "$APP_PID" 2>/dev/null || { tail -40 "$TMP/app2.log" >&2; die "the app exited"; }
  kill -0 "$SINK_PID" 2>/dev/null || die "smtp-sink died"
  ((${t%.*} >= end_by)) && { timed_out=1; t_end=$t; break; }
  sleep 0.1
done
R[msgs]=$m
stop_app
stop_pid "$SINK_PID"; SINK_PID=""
R[conf_s]=$([[ -n $t_conf ]] && elapsed "$t_launch" "$t_conf" || echo "n/a")
R[conf_before_due]=$(awk -v c="${t_conf:-1e99}" -v d="$DUE" 'BEGIN { print (c <= d) ? "yes" : "no" }')
R[m_at_due]=${m_at_due:-n/a}
R[first_rem_s]=$([[ -n $t_first_rem ]] && elapsed "$DUE" "$t_first_rem" || echo "n/a")
R[drain_s]=$(elapsed "$DUE" "$t_end")
R[rem_msgs]=$((m > N ? m - N : 0))
R[rate]=$(awk -v n="${R[rem_msgs]}" -v s="${R[drain_s]}" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "n/a" }')
R[rate_first]=$( [[ -n $t_first_rem ]] && awk -v n="${R[rem_msgs]}" -v a="$t_first_rem" -v b="$t_end" 'BEGIN { if (b > a) printf "%.0f", (n - 1) / (b - a); else print "n/a" }' || echo "n/a")
R[conf_rate]=$( [[ -n $t_conf ]] && awk -v n="$N" -v a="$t_launch" -v b="$t_conf" 'BEGIN { printf "%.0f", n / (b - a) }' || echo "n/a")
# The app's own clock: first and last reminder marked sent.
R[app_span]=$(sqlite3 "$DB" "SELECT printf('%.2f s after due → %.2f s after due', (julianday(min(sent_at)) - julianday(min(due_at))) * 86400, (julianday(max(sent_at)) - julianday(min(due_at))) * 86400) FROM outbox WHERE kind = 'mail.reminder' AND status = 'sent'" 2>/dev/null || echo n/a)
R[after]=$(outbox_status)
R[load_after]=$(cut -d' ' -f1-3 /proc/loadavg)
R[errors]=$(grep -ciE 'fail|error|exception' "$TMP/app2.log" || true)
log "drain: ${R[rem_msgs]} reminders in ${R[drain_s]} s from the due time (timed out: $timed_out); outbox: ${R[after]}"

# ---------------------------------------------------------------- report
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem_gib=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
os_name=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}")
MACHINE="$(nproc) CPUs ($cpu_model), ${mem_gib} GiB RAM, Linux $(uname -r)${os_name:+, $os_name}"
SOFTWARE=".NET SDK $(dotnet --version), postfix $(dpkg-query -W -f '${Version}' postfix 2>/dev/null || echo unknown) (smtp-sink), SQLite CLI $(sqlite3 --version | awk '{ print $1 }'), curl $(curl --version | awk 'NR == 1 { print $2 }')"
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
DRAIN_CELL="${R[drain_s]} s"
((timed_out)) && DRAIN_CELL="**timed out** after ${R[drain_s]} s (${R[rem_msgs]} of ${R[first_rows]})"

report() {
  echo "## Run of $DATE"
  echo
  echo "- Machine: $MACHINE"
  echo "- Software: $SOFTWARE"
  echo "- Load average before: ${R[load]}; after: ${R[load_after]}"
  echo "- Event: \`$SLUG\`, starts $STARTS, one \`live\` ticket type; $N registrations in ${R[reg_s]} s (curl, 16 in parallel, dispatcher off)."
  echo "- Re-plan: \`PUT /api/admin/events/$SLUG/reminders\` with \`$(cat "$TMP/rules.json")\`; rules afterwards: \`${R[rules]}\`."
  echo "- Drain: app restarted on the same SQLite data with the dispatcher on (\`Mail:Transport=Smtp\` → \`smtp-sink -c\` on $HOST, MaxParallel $PAR, BatchSize 100, PollSeconds 1)."
  echo
  echo "| measure | value |"
  echo "| --- | ---: |"
  echo "| plan rows / reminder rows queued before the re-plan (default rules: \"1 h before\" and the thank-you after the end still ahead) | ${R[plans_before]} / ${R[reminders_before]} |"
  echo "| **time to enqueue** (PUT, client wall time: delete unsent + plan every rule, one transaction) | **${R[enqueue_s]} s** |"
  echo "| plan rows / reminder rows queued after it (\`status='queued'\`) | ${R[planned]} / ${R[reminders_after]} |"
  echo "| reminders the first rule writes when due (min(due_at) ${R[min_due]} UTC) | ${R[first_rows]} |"
  echo "| confirmations drained (app launch → ${N}th message at the sink) | ${R[conf_s]} s (${R[conf_rate]}/s) |"
  echo "| confirmations all sent before the reminders' due time | ${R[conf_before_due]} (sink count at due time: ${R[m_at_due]}) |"
  echo "| due time → first reminder at the sink | ${R[first_rem_s]} s |"
  echo "| **time to drain** (due time → its plan row writes ${R[first_rows]} rows → the sink counted them all) | **$DRAIN_CELL** |"
  echo "| messages/s over the drain (from due time) | ${R[rate]} |"
  echo "| messages/s first → last reminder at the sink | ${R[rate_first]} |"
  echo "| app's sent_at of the reminders (first → last) | ${R[app_span]} |"
  echo
  echo "- Outbox before the re-plan: ${R[before]}"
  echo "- Outbox at the end: ${R[after]}"
  echo "- Sink total: ${R[msgs]} messages; log lines in the drain run matching fail/error/exception: ${R[errors]}."
  echo
}
REPORT=$(report)
echo; echo "$REPORT"
mkdir -p "$(dirname "$OUTPUT")"
{ echo "# EventPortal reminders benchmark: latest run"; echo; echo "Written by bench/reminders.sh; see bench/README.md (\"Reminders\")."; echo; echo "$REPORT"; } >"$OUTPUT"
((KEEP)) && cp "$TMP/progress.tsv" "$TMP/progress-kept.tsv"
log "written to ${OUTPUT#"$ROOT"/}"
