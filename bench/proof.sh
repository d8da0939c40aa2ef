#!/usr/bin/env bash
# EventPortal proof under load, faults and hostile input, at full size: the scenarios
# of tests/EventPortal.Tests/Proof run with bench sizes against a PostgreSQL cluster with
# production durability. See bench/README.md, "Proof".
#
#   ./bench/proof.sh [options]
#
# 1. Builds the tests and the app in Release.
# 2. Starts a throwaway PostgreSQL cluster with default durability (fsync and synchronous_commit
#    on; the test run's own cluster has them off) on a free port of 127.0.0.1.
# 3. Runs the Proof tests with PROOF_* sizes: the flash crowd with one and with two app
#    processes, kill -9 of one of two instances mid-rush, an SMTP outage across both, the
#    generated hostile input with every value sent to every target, and the seat-drain (one
#    client, made-up addresses, double opt-in) across two instances. Each scenario still asserts
#    everything it asserts in the normal test run, and writes its figures as a JSON line.
# 4. Prints a table and writes it to bench/results/proof-latest.md (and appends it to
#    bench/results/proof-history.md). Stops everything it started on exit.
set -euo pipefail
export LC_ALL=C
SCRIPT=proof.sh

usage() {
  cat <<'EOF'
Usage: bench/proof.sh [options]

  -n, --crowd N           registrations in each flash crowd (default 6000; env PROOF_CROWD)
      --crash N           registrations in the crash run (default 4000; env PROOF_CRASH)
      --outage N          registrations in the SMTP-outage run (default 4000; env PROOF_OUTAGE)
      --rate N            registrations started per second in the crash and outage runs (default 200)
      --outage-seconds N  how long the SMTP server stays down (default 10)
  -c, --concurrency N     registrations in flight at once (default 64; env PROOF_CONCURRENCY)
      --fuzz-values N     generated hostile values (default 1200; env PROOF_FUZZ_VALUES)
      --fuzz-fanout N     targets each value goes to (default: all of them)
      --fuzz-providers L  Postgres, Sqlite or both, comma-separated (default Postgres)
      --drain N           registrations the one draining client sends (default 300; env PROOF_DRAIN)
      --drain-seats N     seats of the drained event (default 100; env PROOF_DRAIN_SEATS)
      --drain-hold N      the hold time in seconds in the drain run (default 180; env PROOF_DRAIN_HOLD_SECONDS)
      --only LIST         scenarios to run, comma-separated: crowd, crash, outage, fuzz, drain (default all)
      --min-threads N     start each app instance's thread pool with N workers (DOTNET_ThreadPool_ForceMinWorkerThreads)
  -o, --output FILE       results file (default bench/results/proof-latest.md); proof-history.md beside it gets a copy
      --no-build          use the existing Release build of the tests and the app
      --no-install        fail instead of apt-get installing postgresql / python3-aiosmtpd when missing
      --keep-tmp          keep the temporary directory (PostgreSQL log, test log, raw figures)
  -h, --help              this text

Only 127.0.0.1 is ever targeted. Each scenario is bounded by the test's own time limits and
the whole test run by a timeout of 90 minutes, so the script always stops by itself.
EOF
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

CROWD=${PROOF_CROWD:-6000}
CRASH=${PROOF_CRASH:-4000}
OUTAGE=${PROOF_OUTAGE:-4000}
RATE=200
OUTAGE_SECONDS=10
CONCURRENCY=${PROOF_CONCURRENCY:-64}
FUZZ_VALUES=${PROOF_FUZZ_VALUES:-1200}
FUZZ_FANOUT=1000
FUZZ_PROVIDERS=Postgres
DRAIN=${PROOF_DRAIN:-300}
DRAIN_SEATS=${PROOF_DRAIN_SEATS:-100}
DRAIN_HOLD=${PROOF_DRAIN_HOLD_SECONDS:-180}
ONLY="crowd,crash,outage,fuzz,drain"
MIN_THREADS=""
BUILD=1
NO_INSTALL=0
KEEP=0
OUTPUT=""

while (($#)); do
  case $1 in
    -n|--crowd) CROWD=${2:?}; shift 2 ;;
    --crash) CRASH=${2:?}; shift 2 ;;
    --outage) OUTAGE=${2:?}; shift 2 ;;
    --rate) RATE=${2:?}; shift 2 ;;
    --outage-seconds) OUTAGE_SECONDS=${2:?}; shift 2 ;;
    -c|--concurrency) CONCURRENCY=${2:?}; shift 2 ;;
    --fuzz-values) FUZZ_VALUES=${2:?}; shift 2 ;;
    --fuzz-fanout) FUZZ_FANOUT=${2:?}; shift 2 ;;
    --fuzz-providers) FUZZ_PROVIDERS=${2:?}; shift 2 ;;
    --drain) DRAIN=${2:?}; shift 2 ;;
    --drain-seats) DRAIN_SEATS=${2:?}; shift 2 ;;
    --drain-hold) DRAIN_HOLD=${2:?}; shift 2 ;;
    --only) ONLY=${2:?}; shift 2 ;;
    --min-threads) MIN_THREADS=${2:?}; shift 2 ;;
    -o|--output) OUTPUT=${2:?}; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --no-install) NO_INSTALL=1; shift ;;
    --keep-tmp) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

for n in CROWD CRASH OUTAGE RATE OUTAGE_SECONDS CONCURRENCY FUZZ_VALUES FUZZ_FANOUT DRAIN DRAIN_SEATS DRAIN_HOLD; do
  [[ ${!n} =~ ^[0-9]+$ ]] && ((${!n} >= 1)) || die "$n must be a whole number of at least 1, not '${!n}'"
done
((CROWD <= 100000 && CRASH <= 100000 && OUTAGE <= 100000)) || die "at most 100,000 registrations per scenario"
((CONCURRENCY <= 512)) || die "--concurrency must be at most 512"
if [[ -n $MIN_THREADS ]]; then
  [[ $MIN_THREADS =~ ^[0-9]+$ ]] && ((MIN_THREADS >= 1 && MIN_THREADS <= 1000)) || die "--min-threads must be 1..1000, not '$MIN_THREADS'"
fi
filters=()
for s in ${ONLY//,/ }; do
  case $s in
    crowd) filters+=("FullyQualifiedName~EventPortal.Tests.Proof.FlashCrowd") ;;
    crash) filters+=("FullyQualifiedName~EventPortal.Tests.Proof.CrashMidRush") ;;
    outage) filters+=("FullyQualifiedName~EventPortal.Tests.Proof.SmtpOutage") ;;
    fuzz) filters+=("FullyQualifiedName~EventPortal.Tests.Proof.GeneratedHostileInput") ;;
    drain) filters+=("FullyQualifiedName~EventPortal.Tests.Proof.SeatDrain") ;;
    *) die "unknown scenario '$s' (crowd, crash, outage, fuzz, drain)" ;;
  esac
done
FILTER=$(IFS='|'; echo "${filters[*]}")
OUTPUT=${OUTPUT:-"$ROOT/bench/results/proof-latest.md"}
HISTORY="$(dirname "$OUTPUT")/proof-history.md"

# ---------------------------------------------------------------- cleanup
TMP=""
TEST_PID=""
cleanup() {
  local rc=$?
  set +e
  if [[ -n $TEST_PID ]] && kill -0 "$TEST_PID" 2>/dev/null; then kill -TERM "$TEST_PID" 2>/dev/null; wait "$TEST_PID" 2>/dev/null; fi
  stop_pg
  if [[ -n $TMP && -d $TMP ]]; then
    if ((KEEP)); then echo "$SCRIPT: kept $TMP" >&2; else rm -rf "$TMP"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- tools, build, database
install_missing postgresql python3-aiosmtpd
command -v dotnet >/dev/null || die "dotnet (the .NET 10 SDK) is not on PATH"
pg_tools
TMP=$(mktemp -d /tmp/bench-proof-XXXXXX)
chmod 755 "$TMP"

if ((BUILD)); then
  log "building tests/EventPortal.Tests and the app (Release)"
  dotnet build "$ROOT/tests/EventPortal.Tests/EventPortal.Tests.csproj" -c Release -nologo -v quiet >"$TMP/build.log" 2>&1 \
    || { tail -40 "$TMP/build.log" >&2; die "build failed (see above)"; }
fi
[[ -f $ROOT/src/EventPortal.Web/bin/Release/net10.0/EventPortal.Web.dll ]] || die "no Release build of the app (drop --no-build)"

PGPORT=$(free_port)
log "PostgreSQL with default durability on $HOST:$PGPORT"
start_pg "$TMP/pg" "$PGPORT"

# ---------------------------------------------------------------- run
export PROOF_RESULTS="$TMP/figures.jsonl"
export PROOF_PG="Host=$HOST;Port=$PGPORT;Username=postgres;Database=postgres;Maximum Pool Size=5"
export PROOF_CROWD=$CROWD PROOF_CRASH=$CRASH PROOF_OUTAGE=$OUTAGE PROOF_CONCURRENCY=$CONCURRENCY
export PROOF_CRASH_RATE=$RATE PROOF_OUTAGE_RATE=$RATE PROOF_OUTAGE_SECONDS=$OUTAGE_SECONDS
export PROOF_WARMUP=200 PROOF_MAIL_TIMEOUT=900
export PROOF_FUZZ_VALUES=$FUZZ_VALUES PROOF_FUZZ_FANOUT=$FUZZ_FANOUT PROOF_FUZZ_PROVIDERS=$FUZZ_PROVIDERS
export PROOF_DRAIN=$DRAIN PROOF_DRAIN_SEATS=$DRAIN_SEATS PROOF_DRAIN_HOLD_SECONDS=$DRAIN_HOLD
# The runtime reads DOTNET_* numbers as hexadecimal.
export PROOF_MIN_THREADS=${MIN_THREADS:+$(printf '0x%x' "$MIN_THREADS")}
export DOTNET_USE_POLLING_FILE_WATCHER=true
: >"$PROOF_RESULTS"
log "running the proof scenarios ($ONLY): crowd $CROWD, crash $CRASH, outage $OUTAGE, concurrency $CONCURRENCY, fuzz $FUZZ_VALUES values"
START=$SECONDS
set +e
timeout --kill-after=30 5400 dotnet test "$ROOT/tests/EventPortal.Tests/EventPortal.Tests.csproj" -c Release --no-build --nologo \
  --filter "$FILTER" --logger "console;verbosity=detailed" >"$TMP/test.log" 2>&1 &
TEST_PID=$!
wait "$TEST_PID"
status=$?
TEST_PID=""
set -e
ELAPSED=$((SECONDS - START))
grep -E '^\s+(Passed|Failed) EventPortal' "$TMP/test.log" >&2 || true
if ((status != 0)); then
  grep -E -A30 '^\s+Failed EventPortal' "$TMP/test.log" | head -120 >&2
  KEEP=1
  log "a scenario failed (exit $status); figures so far are still written"
fi

# ---------------------------------------------------------------- report
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
REPORT=$(python3 - "$PROOF_RESULTS" <<PY
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
def f(v):
    if isinstance(v, float): return f"{v:,.1f}"
    if isinstance(v, int): return f"{v:,}"
    return "" if v is None else str(v)
print("## Run of $DATE")
print()
print("- Commit: $(git_commit "$ROOT")")
print("- Machine: $(machine_line); load average before: $(cut -d' ' -f1-3 /proc/loadavg)")
print("- Software: .NET SDK $(dotnet --version), PostgreSQL $("$PGBIN/postgres" --version | awk '{ print $3 }') with default durability, aiosmtpd $(/usr/bin/python3 -c 'import aiosmtpd; print(aiosmtpd.__version__)' 2>/dev/null || echo '?')")
print("- Sizes: crowd $CROWD, crash $CRASH and outage $OUTAGE registrations (those two started at $RATE/s), $CONCURRENCY in flight; SMTP down $OUTAGE_SECONDS s; hostile input $FUZZ_VALUES values, fan-out $FUZZ_FANOUT, $FUZZ_PROVIDERS; seat-drain $DRAIN registrations, $DRAIN_SEATS seats, hold $DRAIN_HOLD s${MIN_THREADS:+; app thread pools started at $MIN_THREADS workers}")
print("- Test run: exit $status after $ELAPSED s")
print()
order = {"flash-crowd": 0, "crash": 1, "smtp-outage": 2, "hostile-input": 3, "console-hostile-input": 4, "seat-drain": 5}
rows.sort(key=lambda r: (order.get(r["scenario"], 9), r.get("instances", 0)))
crowd = [r for r in rows if r["scenario"] in ("flash-crowd", "crash", "smtp-outage")]
if crowd:
    print("| scenario | instances | registrations | answered | registrations/s | p50 ms | p99 ms | max ms | confirmed / seats | waitlisted | 409 | 5xx | no answer | oversold | lost | mails owed | delivered | duplicates | retried | mail drained s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in crowd:
        lost = r.get("lost_registrations", 0) + r.get("mails_lost", 0)
        print("| " + " | ".join(f(x) for x in [r["scenario"], r["instances"], r["attempts"], r["answered"], r["per_second"], r["p50_ms"], r["p99_ms"], r["max_ms"],
              f"{r['confirmed']} / {r['seats']}", r["waitlisted"], r["status_409"], r["status_5xx"], r["unanswered"], r["oversold"] + r["seat_count_mismatch"], lost,
              r["mails_owed"], r["mails_delivered"], r["mails_duplicated"], r["mails_retried"], r["mail_drain_s"]]) + " |")
    print()
for r in rows:
    if r["scenario"] == "crash":
        print(f"- **crash**: instance 0 killed (SIGKILL) at {f(r['killed_at_s'])} s of the rush with {r['in_flight_at_kill']} outbox rows in flight on it, "
              f"back on its port at {f(r['restarted_at_s'])} s; {f(r['unanswered'])} requests lost their connection ({f(r['unanswered_stored'])} of those were stored all the same), "
              f"{f(r['failed_over'])} went to the other instance while it was down; the restarted instance answered {f(r['answered_by_restarted_in_rush'])} in the rush and {f(r['answered_by_restarted_after'])} after it.")
    if r["scenario"] == "smtp-outage":
        print(f"- **smtp-outage**: SMTP server down from {f(r['smtp_down_at_s'])} s to {f(r['smtp_up_at_s'])} s; {f(r['answered_during_outage'])} registrations answered meanwhile "
              f"(p99 {f(r['p99_ms_during_outage'])} ms); {f(r['mails_retried'])} mails needed more than one attempt; all delivered once.")
    if r["scenario"] == "hostile-input":
        print(f"- **hostile input** ({r['provider']}): {f(r['values'])} generated values (seed {r['seed']}) to {r['targets']} targets, {r['fanout']} each: "
              f"{f(r['requests'])} requests in {f(r['seconds'])} s ({f(r['not_sendable'])} not sendable by HttpClient), {f(r['stored'])} registrations stored; "
              f"5xx: {r['status_5xx']}, failures: {r['failures']}; answers " + ", ".join(f"{k}×{v:,}" for k, v in r["statuses"].items()) + ".")
    if r["scenario"] == "console-hostile-input":
        print(f"- **console hostile input** ({r['provider']}): {f(r['values'])} values to {r['targets']} targets ({r['console_targets']} console, "
              f"{r['api_targets']} admin API, {r['setup_targets']} setup), {r['fanout']} each (PROOF_FUZZ_CONSOLE_FANOUT): {f(r['requests'])} requests, "
              f"one at a time, in {f(r['seconds'])} s; {f(r['refused'])} refused with the database unchanged, {f(r['accepted'])} accepted; "
              f"5xx: {r['status_5xx']}, failures: {r['failures']}.")
    if r["scenario"] == "seat-drain":
        print(f"- **seat-drain** ({r['instances']} instances): one client sent {f(r['attempts'])} registrations with made-up addresses to a {r['seats']}-seat event "
              f"(double opt-in, hold {r['hold_seconds']} s): it held {r['holds_by_one_client']} seats (refused {f(r['refused_429'])} with 429), confirmed "
              f"{r['confirmed_without_mail']} without the mail; after the hold {r['seats_back_after_hold']} seats were back, {r['promoted_from_waitlist']} "
              f"promoted from the waitlist, released {f(r['released_s_after_lapse'])} s after the last hold ran out; 5xx: {r['status_5xx']}; "
              f"mail to the made-up addresses: {r['mail_to_made_up_addresses']}.")
PY
)
echo
echo "$REPORT"
mkdir -p "$(dirname "$OUTPUT")"
{ echo "# EventPortal proof under load, faults and hostile input: latest run"; echo; echo "Written by bench/proof.sh; see bench/README.md, \"Proof\"."; echo; echo "$REPORT"; } >"$OUTPUT"
{ [[ -s $HISTORY ]] || { echo "# EventPortal proof: every run"; echo; }; echo "$REPORT"; echo; } >>"$HISTORY"
log "written to ${OUTPUT#"$ROOT"/} (and appended to ${HISTORY#"$ROOT"/})"
exit "$status"
