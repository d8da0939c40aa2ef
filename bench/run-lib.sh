# shellcheck shell=bash
# Helpers of bench/run.sh: app instances, parallel wrk runs, CPU and WAL sampling, medians.
# Source it after bench/lib.sh, once run.sh has set TMP, THREADS, CONNECTIONS and (for PostgreSQL)
# PGBIN, AS and PG_DATA.
#
#   start_app K PROVIDER PORT DATA LOG PGPORT SEED   instance K (0-based) on 127.0.0.1:PORT
#   wait_healthy K                                   until /healthz answers (90 s at most)
#   stop_apps                                        every instance, TERM then KILL after 10 s
#   run_load LABEL SCRIPT SEC OUT TAG [ARGS…]        one wrk per instance, all at once; merged figures in OUT
#   measure KEY LABEL SCRIPT SEC TAG [ARGS…]         run_load with CPU (app, PostgreSQL, machine) and WAL
#                                                    sampled around it; figures in R[KEY.*]
#   val FILE KEY / median VALUE… / per_op AMOUNT COUNT

APP_PIDS=()   # one per instance
APP_URLS=()
APP_LOGS=()
WRK_PIDS=()   # the timeout processes of the wrk runs under way
PG_SOCKET=""  # socket directory and port of the cluster, set by run.sh for psql
PG_PORT=""
declare -A R=()   # KEY.figure -> value

start_app() {  # k provider port data-dir log pg-port seed(true|false)
  local k=$1 provider=$2 port=$3 data=$4 logfile=$5 pgport=$6 seed=$7
  local -a settings=(
    ASPNETCORE_ENVIRONMENT=Production
    Logging__LogLevel__Default=Warning
    EventPortal__DataDirectory="$data"
    EventPortal__Bench__Enabled=true
    EventPortal__RateLimits__Enabled=false   # one client address drives every registration
    EventPortal__SeedDemo="$seed"
  )
  # The outbox dispatcher (mail) is off unless --with-dispatch: the rounds measure the registration
  # path; composing and sending the mail has its own benchmark (bench/mail.sh) and docs/scaling.md adds the two.
  ((WITH_DISPATCH)) || settings+=(EventPortal__Outbox__DispatcherEnabled=false)
  # Extra app settings for an experiment, e.g. BENCH_APP_SETTINGS="EventPortal__Mail__Transport=Pickup".
  local extra
  for extra in ${BENCH_APP_SETTINGS:-}; do settings+=("$extra"); done
  if [[ $provider == postgres ]]; then
    settings+=(EventPortal__Database__Provider=Postgres
      "ConnectionStrings__EventPortal=Host=$HOST;Port=$pgport;Username=postgres;Database=eventportal;Maximum Pool Size=50")
  else
    settings+=(EventPortal__Database__Provider=Sqlite ConnectionStrings__EventPortal=)
  fi
  mkdir -p "$data"
  (cd "$TMP" && exec env -u ASPNETCORE_URLS -u DOTNET_URLS "${settings[@]}" \
    dotnet "$TMP/app/EventPortal.Web.dll" --urls "http://$HOST:$port") >"$logfile" 2>&1 &
  APP_PIDS[k]=$!
  APP_URLS[k]="http://$HOST:$port"
  APP_LOGS[k]=$logfile
}

wait_healthy() {  # k
  local k=$1 deadline=$((SECONDS + 90))
  until curl -fsS -o /dev/null --max-time 2 "${APP_URLS[k]}/healthz" 2>/dev/null; do
    kill -0 "${APP_PIDS[k]}" 2>/dev/null || { tail -40 "${APP_LOGS[k]}" >&2; die "app instance $((k + 1)) exited before it was healthy"; }
    ((SECONDS < deadline)) || { tail -40 "${APP_LOGS[k]}" >&2; die "app instance $((k + 1)) was not healthy within 90 s"; }
    sleep 0.5
  done
}

stop_apps() {
  local pid
  for pid in "${APP_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    local alive=0
    for pid in "${APP_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${APP_PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  APP_PIDS=() APP_URLS=() APP_LOGS=()
}

stop_wrk() {
  local pid
  for pid in "${WRK_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${WRK_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  WRK_PIDS=()
}

val() { sed -n "s/^bench\.$2=//p" "$1" | tail -1; }   # file key

# The figures of one wrk per instance as one: counts and rates summed, latencies and duration the worst.
merge_wrk() {  # out files...
  local out=$1
  shift
  awk -F= '/^bench\./ {
      k = substr($1, 7)
      if (k == "name") { name = $2; next }
      if (!(k in v)) order[++n] = k
      if (k ~ /^(latency_|duration_s)/) { if (!(k in v) || $2 + 0 > v[k]) v[k] = $2 + 0 } else v[k] += $2
    }
    END {
      print "bench.name=" name
      for (i = 1; i <= n; i++) {
        k = order[i]
        if (k ~ /_per_sec$/) printf "bench.%s=%.1f\n", k, v[k]
        else if (k ~ /^(latency_|duration_s)/) printf "bench.%s=%.2f\n", k, v[k]
        else printf "bench.%s=%d\n", k, v[k]
      }
    }' "$@" >"$out"
}

# One wrk per app instance, started together; each gets its share of the connections and threads
# (at least one of each) and, when TAG is given, the script argument TAG-iK so no e-mail repeats.
run_load() {  # label script seconds out tag [script args...]
  local label=$1 script=$2 seconds=$3 out=$4 tag=$5
  shift 5
  local n=${#APP_URLS[@]} k c t files=() shape=""
  local -a args
  for ((k = 0; k < n; k++)); do
    c=$((CONNECTIONS / n + (k < CONNECTIONS % n ? 1 : 0)))
    t=$((THREADS / n + (k < THREADS % n ? 1 : 0)))
    ((t >= 1)) || t=1
    ((t <= c)) || t=$c
    args=("$@")
    [[ -n $tag ]] && args+=("$tag-i$((k + 1))")
    shape+="${shape:+ + }-t$t -c$c"
    timeout --kill-after=5 $((seconds + 30)) wrk -t"$t" -c"$c" -d"${seconds}s" --timeout 2s --latency -s "$script" \
      "${APP_URLS[k]}" -- "${args[@]}" >"$out.$k" 2>&1 &
    WRK_PIDS+=($!)
    files+=("$out.$k")
  done
  log "  $label: wrk $shape, ${seconds}s"
  local failed=0
  for k in "${!WRK_PIDS[@]}"; do wait "${WRK_PIDS[k]}" || failed=1; done
  WRK_PIDS=()
  for k in "${files[@]}"; do
    if ((failed)) || ! grep -q '^bench\.requests_per_sec=' "$k"; then cat "$k" >&2; die "wrk failed or printed no results ($label)"; fi
  done
  merge_wrk "$out" "${files[@]}"
}

# ---------------------------------------------------------------- CPU and WAL
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

proc_ticks() {  # pid -> utime + stime in clock ticks (0 when it is gone)
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || { echo 0; return; }
  local -a f
  read -r -a f <<<"${stat##*) }"   # the fields after "(comm) ": f[11] utime, f[12] stime
  echo $((f[11] + f[12]))
}

apps_ticks() {  # all instances together
  local pid sum=0
  for pid in "${APP_PIDS[@]}"; do sum=$((sum + $(proc_ticks "$pid"))); done
  echo "$sum"
}

# Every process of the cluster: the postmaster (its own time and what its exited children used,
# cutime + cstime) and its live children (backends, walwriter, checkpointer, autovacuum, …).
pg_ticks() {
  [[ -n $PG_DATA && -f $PG_DATA/postmaster.pid ]] || { echo 0; return; }
  local pm stat sum=0 file
  local -a f
  pm=$(head -1 "$PG_DATA/postmaster.pid")
  for file in /proc/[0-9]*/stat; do
    { read -r stat <"$file"; } 2>/dev/null || continue
    read -r -a f <<<"${stat##*) }"   # f[1] ppid, f[11] utime, f[12] stime, f[13] cutime, f[14] cstime
    if [[ ${file#/proc/} == "$pm/stat" ]]; then sum=$((sum + f[11] + f[12] + f[13] + f[14]))
    elif [[ ${f[1]} == "$pm" ]]; then sum=$((sum + f[11] + f[12]))
    fi
  done
  echo "$sum"
}

psql_q() { "${AS[@]}" "$PGBIN/psql" -h "$PG_SOCKET" -p "$PG_PORT" -U postgres -d eventportal -Atq -c "$1"; }

machine_ticks() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat; }

per_op() {  # amount count -> amount / count with 2 decimals, n/a without a count
  awk -v a="$1" -v n="$2" 'BEGIN { if (a != "" && n + 0 > 0) printf "%.2f", a / n; else print "n/a" }'
}

measure() {  # key label script seconds tag [script args...]
  local key=$1
  shift
  local out="$TMP/${key//./-}.txt" wal0="" a0 p0 m0 a1 p1 m1 wal="" k
  [[ -n $PG_PORT ]] && wal0=$(psql_q "SELECT pg_current_wal_lsn()")
  a0=$(apps_ticks); p0=$(pg_ticks); m0=$(machine_ticks)
  run_load "$1" "$2" "$3" "$out" "${@:4}"
  a1=$(apps_ticks); p1=$(pg_ticks); m1=$(machine_ticks)
  [[ -n $wal0 ]] && wal=$(psql_q "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$wal0')")
  for k in duration_s requests created created_per_sec latency_p50_ms latency_p90_ms latency_p99_ms latency_max_ms \
    non2xx socket_errors errors_connect errors_read errors_write errors_timeout; do
    R[$key.$k]=$(val "$out" "$k")
  done
  local created=${R[$key.created]}
  R[$key.app_ms]=$(per_op "$(awk -v t="$((a1 - a0))" -v hz="$CLK_TCK" 'BEGIN { print 1000 * t / hz }')" "$created")
  R[$key.pg_ms]=n/a R[$key.wal_b]=n/a
  if [[ -n $wal0 ]]; then
    R[$key.pg_ms]=$(per_op "$(awk -v t="$((p1 - p0))" -v hz="$CLK_TCK" 'BEGIN { print 1000 * t / hz }')" "$created")
    R[$key.wal_b]=$(per_op "$wal" "$created")
  fi
  R[$key.app_cores]=$(awk -v t="$((a1 - a0))" -v hz="$CLK_TCK" -v s="${R[$key.duration_s]}" 'BEGIN { printf "%.2f", t / hz / s }')
  R[$key.machine_busy]=$(awk -v m0="$m0" -v m1="$m1" \
    'BEGIN { split(m0, a, " "); split(m1, b, " "); printf "%.0f", 100 * (b[1] - a[1]) / (b[2] - a[2]) }')
}

median() {  # values... (non-numbers ignored) -> the median, or n/a
  printf '%s\n' "$@" | awk '$1 ~ /^-?[0-9.]+$/ { print $1 }' | sort -g \
    | awk '{ v[NR] = $1 }
      END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

worst() {  # values... -> the largest, or n/a
  printf '%s\n' "$@" | awk '$1 ~ /^-?[0-9.]+$/ { if (!n++ || $1 + 0 > m) m = $1 + 0 } END { print n ? m : "n/a" }'
}
