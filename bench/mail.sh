#!/usr/bin/env bash
# EventPortal mail benchmark: the outbox dispatcher sending N queued confirmations over SMTP
# into postfix's smtp-sink, against postfix's smtp-source sending N messages of the same size
# into the same sink over as many kept connections as the app's slots (smtp-source -d -s P).
# See bench/README.md, "Mail dispatch".
#
#   ./bench/mail.sh [options]
#
# 1. probe: a throwaway app sends one confirmation into a dumping smtp-sink; that message (the
#    real MIME, ~45 kB) is what smtp-source sends for the baseline.
# 2. queue: the app with the dispatcher off takes N registrations (each one queues one
#    confirmation mail in the outbox); then it is stopped and the data directory kept as a seed.
# 3. for each MaxParallel value: a fresh copy of the seed, the app started with the dispatcher
#    on, timed until the sink has counted N messages; then smtp-source -d -s P -m N into the sink.
# Prints a table and writes it to bench/results/mail-latest.md (and appends it to
# bench/results/mail-history.md). Every process it starts and every temporary directory is
# removed on exit.
set -euo pipefail
export LC_ALL=C   # decimal points in $EPOCHREALTIME and awk

usage() {
  cat <<'EOF'
Usage: bench/mail.sh [options]

  -n, --messages N        messages to queue and dispatch (default 10000; env BENCH_MAIL_MESSAGES)
  -P, --parallel LIST     EventPortal:Outbox:MaxParallel values to measure, each also the number of
                          smtp-source sessions of its baseline (default "1 8 16 32"; env BENCH_MAIL_PARALLEL)
  -T, --timeout SEC       limit for one dispatch run, from app start (default 120; env BENCH_MAIL_TIMEOUT);
                          a run that hits it is reported with what arrived by then
      --min-threads N     start the app's thread pool with N worker threads in the dispatch runs
                          (DOTNET_ThreadPool_ForceMinWorkerThreads; default: the runtime's own, one per CPU)
  -o, --output FILE       results file (default bench/results/mail-latest.md); mail-history.md beside it gets a copy appended
      --no-build          use the existing Release build of src/EventPortal.Web
      --no-install        fail instead of apt-get installing postfix / curl / sqlite3 when missing
      --keep-tmp          keep the temporary directory (app logs, sink output, the probe message,
                          progress-pN.tsv: seconds since launch and messages at the sink, every 0.1 s)
  -h, --help              this text

Only 127.0.0.1 is ever targeted. postfix is installed (when missing) only for its smtp-sink and
smtp-source test programs; no mail system is configured or started. Every phase is bounded
(app start 90 s, queueing 300 s, each dispatch run --timeout, each baseline 300 s), so the
script always stops by itself.
EOF
}

SCRIPT=mail.sh
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"   # die, log, HOST, free_port, …

MESSAGES=${BENCH_MAIL_MESSAGES:-10000}
PARALLEL=${BENCH_MAIL_PARALLEL:-"1 8 16 32"}
RUN_TIMEOUT=${BENCH_MAIL_TIMEOUT:-120}
MIN_THREADS=""
BUILD=1
INSTALL=1
KEEP=0
OUTPUT=""

while (($#)); do
  case $1 in
    -n|--messages) MESSAGES=${2:?}; shift 2 ;;
    -P|--parallel) PARALLEL=${2:?}; shift 2 ;;
    -T|--timeout) RUN_TIMEOUT=${2:?}; shift 2 ;;
    --min-threads) MIN_THREADS=${2:?}; shift 2 ;;
    -o|--output) OUTPUT=${2:?}; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --no-install) INSTALL=0; shift ;;
    --keep-tmp) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

for n in MESSAGES RUN_TIMEOUT; do
  [[ ${!n} =~ ^[0-9]+$ ]] || die "$n must be a whole number, not '${!n}'"
done
((MESSAGES >= 1 && MESSAGES <= 100000)) || die "--messages must be between 1 and 100000"
((RUN_TIMEOUT >= 10)) || die "--timeout must be at least 10"
if [[ -n $MIN_THREADS ]]; then
  [[ $MIN_THREADS =~ ^[0-9]+$ ]] && ((MIN_THREADS >= 1 && MIN_THREADS <= 1000)) || die "--min-threads must be 1..1000, not '$MIN_THREADS'"
fi
PARALLEL=${PARALLEL//,/ }
read -r -a PLIST <<<"$PARALLEL"
((${#PLIST[@]})) || die "--parallel needs at least one value"
for p in "${PLIST[@]}"; do
  [[ $p =~ ^[0-9]+$ ]] && ((p >= 1 && p <= 64)) || die "--parallel values must be 1..64 (the app's limit), not '$p'"
done
[[ $(printf '%s\n' "${PLIST[@]}" | sort -n | uniq -d) == "" ]] || die "--parallel lists a value twice"

readonly FROM=noreply@portal.example.jp
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
APP_PROJECT="$ROOT/src/EventPortal.Web"
OUTPUT=${OUTPUT:-"$ROOT/bench/results/mail-latest.md"}
HISTORY="$(dirname "$OUTPUT")/mail-history.md"

# ---------------------------------------------------------------- cleanup
TMP=""
APP_PID=""
SINK_PID=""
PROBE_SINK_PID=""

stop_pid() {  # pid: TERM, up to 10 s, then KILL
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
stop_sink() { stop_pid "$SINK_PID"; SINK_PID=""; }
stop_probe_sink() { stop_pid "$PROBE_SINK_PID"; PROBE_SINK_PID=""; }

cleanup() {
  local rc=$?
  set +e
  stop_app
  stop_sink
  stop_probe_sink
  if [[ -n $TMP && -d $TMP ]]; then
    if ((KEEP)); then echo "mail.sh: kept $TMP" >&2; else rm -rf "$TMP"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- tools
SUDO=()
[[ $(id -u) == 0 ]] || SUDO=(sudo)
missing=()
command -v smtp-sink >/dev/null || [[ -x /usr/sbin/smtp-sink ]] || missing+=(postfix)
command -v curl >/dev/null || missing+=(curl)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
if ((${#missing[@]})); then
  ((INSTALL)) || die "missing: ${missing[*]} (run without --no-install, or apt-get install them)"
  log "installing ${missing[*]}"
  if [[ " ${missing[*]} " == *" postfix "* ]]; then
    # Only smtp-sink and smtp-source are wanted: no mail system is configured. Debian's
    # policy-rc.d in containers keeps the service from starting; nothing here starts it.
    echo "postfix postfix/main_mailer_type select No configuration" | "${SUDO[@]}" debconf-set-selections
  fi
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
PATH="$PATH:/usr/sbin"
command -v smtp-sink >/dev/null && command -v smtp-source >/dev/null || die "smtp-sink / smtp-source not found (Debian package postfix)"
command -v dotnet >/dev/null || die "dotnet (the .NET 10 SDK) is not on PATH"
# smtp-sink refuses to run as root without -u; it then also writes its dumps as that user.
SINK_USER=()
[[ $(id -u) == 0 ]] && SINK_USER=(-u nobody)

TMP=$(mktemp -d /tmp/bench-mail-XXXXXX)
chmod 711 "$TMP"   # the probe sink, running as nobody, writes into a directory inside

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


now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }   # from to

start_app() {  # port data-dir log dispatcher(true|false) max-parallel sink-port [min-threads]
  local port=$1 data=$2 logfile=$3 dispatcher=$4 parallel=$5 sinkport=$6 minthreads=${7:-}
  local -a unset=(-u ASPNETCORE_URLS -u DOTNET_URLS)
  local v
  # Settings from the caller's environment must not change what is measured.
  for v in $(compgen -e | grep -E '^(EventPortal__|ConnectionStrings__|DOTNET_ThreadPool_)' || true); do unset+=(-u "$v"); done
  local -a settings=(
    ASPNETCORE_ENVIRONMENT=Production
    Logging__LogLevel__Default=Warning
    EventPortal__DataDirectory="$data"
    EventPortal__RateLimits__Enabled=false   # one client address queues every registration
    EventPortal__PublicBaseUrl=https://portal.example.jp
    EventPortal__SeedDemo=true
    EventPortal__Database__Provider=Sqlite
    EventPortal__Mail__Transport=Smtp
    EventPortal__Mail__Smtp__Host=$HOST
    EventPortal__Mail__Smtp__Port="$sinkport"
    EventPortal__Mail__From=$FROM
    EventPortal__Outbox__MaxParallel="$parallel"
    EventPortal__Mail__MessagesPerMinute=0
    EventPortal__Outbox__DispatcherEnabled="$dispatcher"
  )
  # The runtime reads this knob as hexadecimal.
  [[ -n $minthreads ]] && settings+=("DOTNET_ThreadPool_ForceMinWorkerThreads=$(printf '0x%x' "$minthreads")")
  mkdir -p "$data"
  (cd "$TMP" && exec env "${unset[@]}" "${settings[@]}" \
    dotnet "$TMP/app/EventPortal.Web.dll" --urls "http://$HOST:$port") >"$logfile" 2>&1 &
  APP_PID=$!
}

healthy() { curl -fsS -o /dev/null --max-time 2 "$1/healthz" 2>/dev/null; }

wait_healthy() {  # url log
  local deadline=$((SECONDS + 90))
  until healthy "$1"; do
    kill -0 "$APP_PID" 2>/dev/null || { tail -40 "$2" >&2; die "the app exited before it was healthy"; }
    ((SECONDS < deadline)) || { tail -40 "$2" >&2; die "the app was not healthy within 90 s"; }
    sleep 0.5
  done
}

start_sink() {  # port stdout-file pid-variable [smtp-sink options...]
  local port=$1 out=$2 var=$3
  shift 3
  smtp-sink "${SINK_USER[@]}" "$@" "$HOST:$port" 1000 >"$out" 2>"$out.err" &
  printf -v "$var" '%s' "$!"
  local deadline=$((SECONDS + 10))
  until port_in_use "$port"; do
    kill -0 "${!var}" 2>/dev/null || { cat "$out.err" >&2; die "smtp-sink exited at start"; }
    ((SECONDS < deadline)) || die "smtp-sink did not listen on $HOST:$port within 10 s"
    sleep 0.1
  done
}

# smtp-sink -c rewrites one status line, "sess=N quit=N mesg=N\r", whenever a session ends,
# QUIT is received or a message's final "." is. Prints "sessions messages" from the last
# complete line.
SINK_OUT=""
sink_counts() {
  local s
  s=$(tail -c 160 "$SINK_OUT" 2>/dev/null) || true
  if [[ $s == *$'\r'* ]]; then
    s=${s%$'\r'*}
    s=${s##*$'\r'}
  else
    s=""
  fi
  if [[ $s =~ sess=([0-9]+)\ quit=[0-9]+\ mesg=([0-9]+) ]]; then
    echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
  else
    echo "0 0"
  fi
}
sink_messages() { local c; c=$(sink_counts); echo "${c#* }"; }
sink_alive() { kill -0 "$SINK_PID" 2>/dev/null || { cat "$SINK_OUT.err" >&2; die "smtp-sink died"; }; }

# CPU time in clock ticks: one process's own (utime + stime), and the whole machine's (busy, total).
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
proc_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }           # the fields after "(comm) "; utime and stime are the 12th and 13th
  awk '{ print $12 + $13 }' <<<"$stat"
}
machine_ticks() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat; }
cores() { awk -v a="$1" -v hz="$CLK_TCK" -v s="$2" 'BEGIN { if (s > 0) printf "%.2f", a / hz / s; else print "n/a" }'; }   # ticks seconds
busy() { awk -v m0="$1" -v m1="$2" 'BEGIN { split(m0, a, " "); split(m1, b, " "); printf "%.0f", (b[2] > a[2]) ? 100 * (b[1] - a[1]) / (b[2] - a[2]) : 0 }'; }

outbox_status() {  # db: "registration_confirmed sent=N, reminder queued=N, ..."
  sqlite3 "$1" "SELECT replace(kind, 'mail.', '') || ' ' || status || '=' || count(*) FROM outbox GROUP BY kind, status ORDER BY kind, status" 2>/dev/null \
    | paste -sd',' - | sed 's/,/, /g' || echo "n/a"
}
# Rows the dispatcher may claim now (the app writes due_at as "yyyy-MM-dd HH:mm:ss.fffffff", UTC).
DUE_NOW="status IN ('queued', 'retry') AND due_at <= strftime('%Y-%m-%d %H:%M:%f', 'now')"
outbox_count() {  # db status
  sqlite3 "$1" "SELECT count(*) FROM outbox WHERE status = '$2'" 2>/dev/null || echo 0
}

declare -A R=()   # key -> value

# ---------------------------------------------------------------- phase 0: the probe message
# One confirmation from the real app into a sink that dumps it: the baseline sends exactly this
# message, and it is the check that the SMTP transport works before anything is timed.
probe() {
  local dir="$TMP/probe" port sinkport
  mkdir -p "$dir/dump"
  [[ ${#SINK_USER[@]} -gt 0 ]] && chown nobody "$dir/dump"
  sinkport=$(free_port)
  start_sink "$sinkport" "$dir/sink.out" PROBE_SINK_PID -c -d "$dir/dump/%H%M%S."
  port=$(free_port)
  log "probe: one confirmation from the app into a dumping smtp-sink on $HOST:$sinkport"
  start_app "$port" "$dir/data" "$dir/app.log" true 1 "$sinkport"
  local url="http://$HOST:$port"
  wait_healthy "$url" "$dir/app.log"
  SLUG=$(curl -fsS --max-time 5 "$url/api/events" | grep -o '"slug" *: *"[^"]*"' | head -1 | sed 's/.*"\([^"]*\)"$/\1/')
  [[ -n $SLUG ]] || die "probe: GET /api/events returned no slug"
  local code
  code=$(curl -sS -o "$dir/probe.json" -w '%{http_code}' --max-time 10 -X POST -H 'Content-Type: application/json' \
    --data-binary '{"familyName":"山田","givenName":"花子","email":"probe@bench.example.jp","organization":"Bench","ticketType":"recording","consent":true}' \
    "$url/api/events/$SLUG/registrations")
  [[ $code == 201 ]] || { cat "$dir/probe.json" >&2; die "probe: a registration answered $code, not 201"; }
  local deadline=$((SECONDS + 30)) file=""
  until [[ -n $file ]]; do
    file=$(ls "$dir/dump"/* 2>/dev/null | head -1 || true)
    [[ -n $file ]] && break
    ((SECONDS < deadline)) || { tail -20 "$dir/app.log" >&2; echo "outbox: $(outbox_status "$dir/data/eventportal.db")" >&2; die "probe: no message reached the sink within 30 s"; }
    sleep 0.2
  done
  sleep 0.5   # let the sink finish writing the dump
  stop_app
  stop_probe_sink
  # The dump is smtp-sink's own X-* lines and a three-line Received: header, then the message as
  # received, then one empty line. Keep the message.
  awk 'done { print; next } /^Received:/ { r = 1; next } r && /^[ \t]/ { next } r { done = 1; print }' "$file" | sed '$ { /^$/d }' >"$TMP/message.eml"
  grep -q '^Content-Type: multipart/mixed' "$TMP/message.eml" || die "probe: the dumped message does not look like the confirmation ($file)"
  # Size on the wire: every line ends in CRLF there.
  R[msg_bytes]=$(($(wc -c <"$TMP/message.eml") + $(wc -l <"$TMP/message.eml")))
  log "probe: ok, the confirmation is ${R[msg_bytes]} bytes on the wire (event '$SLUG')"
}

# ---------------------------------------------------------------- phase 1: queue N mails
# N registrations through the public API with the dispatcher off: each queues one confirmation.
# curl --parallel runs them 16 at a time from one process, one result code per request.
queue() {
  local dir="$TMP/seed" port
  port=$(free_port)
  log "queue: $MESSAGES registrations with the dispatcher off"
  start_app "$port" "$dir" "$TMP/seed-app.log" false 1 9   # port 9: nothing is ever sent
  local url="http://$HOST:$port"
  wait_healthy "$url" "$TMP/seed-app.log"
  local slug
  slug=$(curl -fsS --max-time 5 "$url/api/events" | grep -o '"slug" *: *"[^"]*"' | head -1 | sed 's/.*"\([^"]*\)"$/\1/')
  [[ $slug == "$SLUG" ]] || die "queue: the seeded event is '$slug', the probe's was '$SLUG'"
  # curl config: one block per request; inside double quotes \" is a quote and \n a newline.
  URL="$url/api/events/$slug/registrations" N="$MESSAGES" TAG="$(date +%s)" awk 'BEGIN {
    q = "\\\""
    for (i = 1; i <= ENVIRON["N"]; i++) {
      printf "url = \"%s\"\n", ENVIRON["URL"]
      printf "data-binary = \"{%sfamilyName%s:%s山田%s,%sgivenName%s:%s花子%s,%semail%s:%sm-%s-%d@bench.example.jp%s,", q, q, q, q, q, q, q, q, q, q, q, ENVIRON["TAG"], i, q
      printf "%sorganization%s:%sBench%s,%sticketType%s:%srecording%s,%sconsent%s:true}\"\n", q, q, q, q, q, q, q, q, q, q
      print "header = \"Content-Type: application/json\""
      print "output = \"/dev/null\""
      print "max-time = 30"
      print "write-out = \"%{http_code}\\n\""
      if (i < ENVIRON["N"]) print "next"
    }
  }' >"$TMP/requests.curl"
  local t0 t1
  t0=$(now)
  timeout --kill-after=5 300 curl -sS --parallel --parallel-max 16 -K "$TMP/requests.curl" >"$TMP/codes.txt" 2>"$TMP/curl.err" || true
  t1=$(now)
  local created
  created=$(grep -c '^201$' "$TMP/codes.txt" || true)
  R[queue_s]=$(elapsed "$t0" "$t1")
  stop_app
  R[queued]=$(sqlite3 "$dir/eventportal.db" "SELECT count(*) FROM outbox WHERE $DUE_NOW" 2>/dev/null || echo "n/a")
  R[queue_other]=$(sqlite3 "$dir/eventportal.db" "SELECT count(*) FROM outbox WHERE NOT ($DUE_NOW)" 2>/dev/null || echo "n/a")
  R[queue_outbox]=$(outbox_status "$dir/eventportal.db")
  log "queue: $created of $MESSAGES answered 201 in ${R[queue_s]} s; outbox: ${R[queued]} due now, ${R[queue_other]} not yet due (${R[queue_outbox]})"
  if ((created != MESSAGES)); then
    sort "$TMP/codes.txt" | uniq -c >&2; head -5 "$TMP/curl.err" >&2
    die "queue: $created registrations instead of $MESSAGES"
  fi
  # Later rows (reminders for the day before the event, say) stay queued and are not sent here.
  [[ ${R[queued]} == "$MESSAGES" ]] || die "queue: the outbox has ${R[queued]} rows due now, not $MESSAGES (${R[queue_outbox]})"
  local kinds
  kinds=$(sqlite3 "$dir/eventportal.db" "SELECT DISTINCT kind FROM outbox WHERE $DUE_NOW" 2>/dev/null || echo "?")
  [[ $kinds == mail.registration_confirmed ]] || die "queue: the rows due now are '$kinds', not only confirmations"
}

# ---------------------------------------------------------------- phase 2: the app dispatching
# A fresh copy of the seed, the app started with the dispatcher on; polls the sink every 0.1 s.
# Times: from launching the process, to /healthz answering, to the sink's first message, to N.
dispatch() {  # parallel
  local p=$1 key="app.$1" dir="$TMP/run-p$1" port
  cp -a "$TMP/seed" "$dir"
  port=$(free_port)
  local url="http://$HOST:$port"
  local s0 m0
  read -r s0 m0 <<<"$(sink_counts)"
  log "dispatch: MaxParallel=$p, app on $url"
  local t_launch t_health="" t_first="" t_end="" m_first=0 m=0 sess now_t
  local a_first=0 a_end=0 k_first=0 k_end=0 mt_first="" mt_end="" timed_out=0
  local progress="$TMP/progress-p$p.tsv"   # seconds since launch, messages at the sink
  : >"$progress"
  t_launch=$(now)
  start_app "$port" "$dir" "$dir/app.log" true "$p" "$SINK_PORT" "$MIN_THREADS"
  local deadline
  deadline=$(awk -v t="$t_launch" -v d="$RUN_TIMEOUT" 'BEGIN { printf "%.0f", t + d }')
  while :; do
    read -r sess m <<<"$(sink_counts)"
    now_t=$(now)
    m=$((m - m0))
    echo "$(elapsed "$t_launch" "$now_t") $m" >>"$progress"
    if [[ -z $t_first ]] && ((m > 0)); then
      t_first=$now_t; m_first=$m
      a_first=$(proc_ticks "$APP_PID"); k_first=$(proc_ticks "$SINK_PID"); mt_first=$(machine_ticks)
    fi
    if ((m >= MESSAGES)); then
      t_end=$now_t
      R[$key.threads]=$(awk '/^Threads:/ { print $2 }' "/proc/$APP_PID/status" 2>/dev/null || echo "n/a")
      a_end=$(proc_ticks "$APP_PID"); k_end=$(proc_ticks "$SINK_PID"); mt_end=$(machine_ticks)
      break
    fi
    if [[ -z $t_health ]] && healthy "$url"; then t_health=$(now); fi
    kill -0 "$APP_PID" 2>/dev/null || { tail -40 "$dir/app.log" >&2; die "dispatch P=$p: the app exited"; }
    sink_alive
    if ((${now_t%.*} >= deadline)); then
      timed_out=1; t_end=$now_t
      R[$key.threads]=$(awk '/^Threads:/ { print $2 }' "/proc/$APP_PID/status" 2>/dev/null || echo "n/a")
      a_end=$(proc_ticks "$APP_PID"); k_end=$(proc_ticks "$SINK_PID"); mt_end=$(machine_ticks)
      log "dispatch P=$p: time limit of $RUN_TIMEOUT s reached with $m of $MESSAGES messages at the sink"
      break
    fi
    sleep 0.1
  done
  # Results are recorded in the outbox right after each send: give the last ones a moment.
  local wait_until=$((SECONDS + 10))
  while ((! timed_out)) && (($(outbox_count "$dir/eventportal.db" sent) < MESSAGES)) && ((SECONDS < wait_until)); do sleep 0.2; done
  stop_app
  sleep 0.3
  local s1 m1
  read -r s1 m1 <<<"$(sink_counts)"
  R[$key.messages]=$((m1 - m0))
  R[$key.sessions]=$((s1 - s0))
  R[$key.timed_out]=$timed_out
  R[$key.outbox]=$(outbox_status "$dir/eventportal.db")
  R[$key.warnings]=$(grep -c '^warn: EventPortal.Web.Mail' "$dir/app.log" || true)
  R[$key.errors]=$(grep -cE '^(fail|crit):' "$dir/app.log" || true)
  R[$key.health_s]=$([[ -n $t_health ]] && elapsed "$t_launch" "$t_health" || echo "n/a")
  if [[ -n $t_first ]]; then
    local span
    span=$(elapsed "$t_first" "$t_end")
    R[$key.first_s]=$(elapsed "$t_launch" "$t_first")
    R[$key.span_s]=$span
    R[$key.total_s]=$(elapsed "$t_launch" "$t_end")
    R[$key.done]=$m
    R[$key.rate]=$(awk -v n="$((m - m_first))" -v s="$span" 'BEGIN { if (s > 0) printf "%.1f", n / s; else print "n/a" }')
    # The second half alone: the thread pool and the JIT have warmed up by then.
    R[$key.rate_half]=$(awk -v final="$m" '{ t[NR] = $1; c[NR] = $2 }
      END { for (i = 1; i <= NR; i++) if (c[i] >= final / 2) break
            if (i < NR && t[NR] > t[i]) printf "%.1f", (c[NR] - c[i]) / (t[NR] - t[i]); else print "n/a" }' "$progress")
    R[$key.app_cpu]=$(cores "$((a_end - a_first))" "$span")
    R[$key.cpu_ms]=$(awk -v a="$((a_end - a_first))" -v hz="$CLK_TCK" -v n="$((m - m_first))" 'BEGIN { if (n > 0) printf "%.1f", 1000 * a / hz / n; else print "n/a" }')
    R[$key.sink_cpu]=$(cores "$((k_end - k_first))" "$span")
    R[$key.busy]=$(busy "$mt_first" "$mt_end")
  else
    R[$key.first_s]="n/a"; R[$key.span_s]="n/a"; R[$key.total_s]="n/a"; R[$key.done]=0; R[$key.rate]=0; R[$key.rate_half]="n/a"
    R[$key.app_cpu]="n/a"; R[$key.cpu_ms]="n/a"; R[$key.sink_cpu]="n/a"; R[$key.busy]="n/a"
  fi
  log "dispatch P=$p: ${R[$key.done]} messages, ${R[$key.rate]}/s from the first message, ${R[$key.rate_half]}/s in the second half (${R[$key.span_s]} s; ${R[$key.total_s]} s from launch); outbox: ${R[$key.outbox]}"
  ((KEEP)) || rm -rf "$dir"
}

# ---------------------------------------------------------------- phase 3: the baseline
# smtp-source sends the probe's message N times with P sessions, each keeping its connection for
# message after message (-d), as each of the app's P dispatcher slots does.
baseline() {  # parallel
  local p=$1 key="base.$1"
  local s0 m0 s1 m1 t0 t1 a0 a1 mt0 mt1
  read -r s0 m0 <<<"$(sink_counts)"
  log "baseline: smtp-source -d -s $p -m $MESSAGES"
  local -a opts=(-d -s "$p" -m "$MESSAGES" -F "$TMP/message.eml" -f "$FROM" -t bench@bench.example.jp -M bench.example.jp)
  a0=$(proc_ticks "$SINK_PID"); mt0=$(machine_ticks)
  t0=$(now)
  timeout --kill-after=5 300 smtp-source "${opts[@]}" "$HOST:$SINK_PORT" >"$TMP/$key.out" 2>&1 \
    || { cat "$TMP/$key.out" >&2; die "smtp-source failed or took over 300 s ($key)"; }
  t1=$(now)
  a1=$(proc_ticks "$SINK_PID"); mt1=$(machine_ticks)
  local deadline=$((SECONDS + 5))
  while read -r s1 m1 <<<"$(sink_counts)"; (((m1 - m0) < MESSAGES)) && ((SECONDS < deadline)); do sleep 0.1; done
  sink_alive
  local span
  span=$(elapsed "$t0" "$t1")
  R[$key.messages]=$((m1 - m0))
  R[$key.sessions]=$((s1 - s0))
  R[$key.span_s]=$span
  R[$key.rate]=$(awk -v n="$((m1 - m0))" -v s="$span" 'BEGIN { if (s > 0) printf "%.1f", n / s; else print "n/a" }')
  R[$key.sink_cpu]=$(cores "$((a1 - a0))" "$span")
  R[$key.busy]=$(busy "$mt0" "$mt1")
  log "baseline P=$p: ${R[$key.messages]} messages in $span s, ${R[$key.rate]}/s"
  [[ ${R[$key.messages]} -eq $MESSAGES ]] || die "baseline: the sink counted ${R[$key.messages]} messages, not $MESSAGES"
}

# ---------------------------------------------------------------- machine

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
[[ -n $cpu_model ]] || cpu_model=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
mem_gib=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
os_name=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}")
MACHINE="$(nproc) CPUs ($cpu_model), ${mem_gib} GiB RAM, Linux $(uname -r)${os_name:+, $os_name}"
postfix_version=$(dpkg-query -W -f '${Version}' postfix 2>/dev/null || echo "unknown")
SOFTWARE=".NET SDK $(dotnet --version), postfix $postfix_version (smtp-sink, smtp-source), SQLite $(sqlite3 --version | awk '{ print $1 }') (sqlite3 CLI), curl $(curl --version | awk 'NR == 1 { print $2 }')"
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
COMMIT=$(git_commit "$ROOT")

# ---------------------------------------------------------------- run
R[load]=$(cut -d' ' -f1-3 /proc/loadavg)
SLUG=""
probe
queue
SINK_PORT=$(free_port)
SINK_OUT="$TMP/sink.out"
log "smtp-sink on $HOST:$SINK_PORT for every measured run"
start_sink "$SINK_PORT" "$SINK_OUT" SINK_PID -c
for p in "${PLIST[@]}"; do
  dispatch "$p"
  baseline "$p"
done
stop_sink
R[load_after]=$(cut -d' ' -f1-3 /proc/loadavg)

fmt0() { awk -v v="$1" 'BEGIN { if (v == "" || v == "n/a") print "n/a"; else printf "%.0f", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "n/a" && b > 0) printf "%.3f", a / b; else print "n/a" }'; }

aim() {  # key: N messages within 15 s of the first one
  local k=$1
  if [[ ${R[$k.timed_out]} == 1 || ${R[$k.done]} -lt $MESSAGES ]]; then
    awk -v d="${R[$k.done]}" -v t="$RUN_TIMEOUT" -v r="${R[$k.rate]}" -v n="$MESSAGES" \
      'BEGIN { printf "**missed** (%d by the %d s limit", d, t; if (r > 0) printf "; ~%.0f s for %d at this rate", n / r, n; print ")" }'
    return
  fi
  awk -v s="${R[$k.span_s]}" -v t="${R[$k.total_s]}" 'BEGIN { printf "%s (%.1f s; %.1f s from launch)", (s + 0 <= 15) ? "met" : "**missed**", s, t }'
}

table() {
  echo "| MaxParallel | app messages/s | app, second half | app: first → last message | app start → first message | baseline messages/s (smtp-source -d -s P) | ratio app/baseline | $MESSAGES within 15 s |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  local p
  for p in "${PLIST[@]}"; do
    printf '| %s | %s | %s | %s s | %s s | %s | %s | %s |\n' "$p" \
      "$(fmt0 "${R[app.$p.rate]}")" "$(fmt0 "${R[app.$p.rate_half]}")" "${R[app.$p.span_s]}" "${R[app.$p.first_s]}" \
      "$(fmt0 "${R[base.$p.rate]}")" "$(ratio "${R[app.$p.rate]}" "${R[base.$p.rate]}")" "$(aim "app.$p")"
  done
}

details() {
  local p k
  for p in "${PLIST[@]}"; do
    k=app.$p
    echo "- **MaxParallel $p**: the sink counted ${R[$k.messages]} messages in ${R[$k.sessions]} SMTP sessions;" \
      "outbox afterwards: ${R[$k.outbox]}; /healthz answered ${R[$k.health_s]} s after launch, first message at ${R[$k.first_s]} s, last at ${R[$k.total_s]} s;" \
      "${R[$k.rate_half]}/s over the second half of the messages; app CPU ${R[$k.app_cpu]} cores (${R[$k.cpu_ms]} ms per message), smtp-sink ${R[$k.sink_cpu]} cores, machine ${R[$k.busy]} % busy (first → last message);" \
      "app threads at the end: ${R[$k.threads]};" \
      "dispatcher warnings in the log: ${R[$k.warnings]}, errors: ${R[$k.errors]}."
    k=base.$p
    echo "  Baseline \`smtp-source -d -s $p -m $MESSAGES\` (P kept connections): ${R[$k.messages]} messages in ${R[$k.sessions]} sessions, ${R[$k.span_s]} s;" \
      "smtp-sink ${R[$k.sink_cpu]} cores, machine ${R[$k.busy]} % busy."
  done
  echo "- Queueing: $MESSAGES registrations (curl --parallel-max 16, dispatcher off) took ${R[queue_s]} s; outbox then: ${R[queue_outbox]} (${R[queued]} due now; the rest are due later and are not sent in this benchmark)."
  echo "- Load average before the run: ${R[load]}; after: ${R[load_after]}."
}

report() {
  echo "## Run of $DATE"
  echo
  echo "- Commit: $COMMIT"
  echo "- Machine: $MACHINE"
  echo "- Software: $SOFTWARE"
  echo "- Method: $MESSAGES confirmations queued through the registration API, then the app (Release, Production, SQLite, log level Warning, \`Mail:Transport=Smtp\`, BatchSize 100) started with the dispatcher on${MIN_THREADS:+ and the thread pool started at $MIN_THREADS worker threads (\`DOTNET_ThreadPool_ForceMinWorkerThreads\`)} and timed until \`smtp-sink -c\` on $HOST counted $MESSAGES messages; messages/s is counted from the sink's first message to its last (app start-up excluded, shown separately); \"second half\" is the rate from the moment half of them had arrived. A run stops at ${RUN_TIMEOUT} s. Baseline: \`smtp-source\` sending the app's own confirmation (${R[msg_bytes]} bytes on the wire) $MESSAGES times into the same sink over as many kept connections as MaxParallel (\`-d\`). App, sink and smtp-source share the machine."
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
{ echo "# EventPortal mail benchmark: latest run"; echo; echo "Written by bench/mail.sh; see bench/README.md (\"Mail dispatch\") for what it measures."; echo; echo "$REPORT"; } >"$OUTPUT"
{ [[ -s $HISTORY ]] || { echo "# EventPortal mail benchmark: every run"; echo; }; echo "$REPORT"; echo; } >>"$HISTORY"
log "written to ${OUTPUT#"$ROOT"/} (and appended to ${HISTORY#"$ROOT"/})"
