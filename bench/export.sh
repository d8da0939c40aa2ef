#!/usr/bin/env bash
# Attendee export benchmark: how fast GET /api/admin/events/{slug}/registrations.csv streams
# 100,000 registrations, and how much memory the app needs for it. See bench/README.md,
# section "Attendee export".
#
#   ./bench/export.sh [options]
#
# Seeds two events straight into a fresh SQLite database (10,000 and 100,000 registrations,
# one transaction each through the sqlite3 CLI), then for each measurement starts a fresh app
# in Release on a free port of 127.0.0.1, records its idle memory, downloads the export with
# curl while sampling VmRSS every 20 ms, and reads VmHWM (the peak) afterwards. If the export
# streams, the peak does not grow with the number of rows. Writes bench/results/export-latest.md.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/export.sh [options]

  -n, --rows N        registrations in the large event (default 100000, at least 20000; the small one has a tenth)
  -o, --output FILE   results file (default bench/results/export-latest.md)
      --no-build      use the existing Release build of src/EventPortal.Web
      --keep-tmp      keep the temporary directory (database, app logs, one downloaded CSV)
  -h, --help          this text
EOF
}

die() { echo "export.sh: $*" >&2; exit 1; }
log() { echo "==> $*" >&2; }

ROWS=100000
BUILD=1
KEEP=0
OUTPUT=""
while (($#)); do
  case $1 in
    -n|--rows) ROWS=${2:?}; shift 2 ;;
    -o|--output) OUTPUT=${2:?}; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --keep-tmp) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done
[[ $ROWS =~ ^[0-9]+$ ]] && ((ROWS >= 20000)) || die "--rows must be a whole number of at least 20000 (the seed puts 2,000 on the live ticket of each event)"
SMALL=$((ROWS / 10))

readonly HOST=127.0.0.1
readonly TOKEN="bench-export-token-0123456789abcdefghijklmnopqrstuvwxyz"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
APP_PROJECT="$ROOT/src/EventPortal.Web"
OUTPUT=${OUTPUT:-"$ROOT/bench/results/export-latest.md"}

TMP=""
APP_PID=""
SAMPLER_PID=""
stop_app() {
  [[ -n $SAMPLER_PID ]] && { kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""; }
  [[ -n $APP_PID ]] || return 0
  kill -TERM "$APP_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$APP_PID" 2>/dev/null || true
  wait "$APP_PID" 2>/dev/null || true
  APP_PID=""
}
cleanup() {
  local rc=$?
  set +e
  stop_app
  if [[ -n $TMP && -d $TMP ]]; then
    if ((KEEP)); then echo "export.sh: kept $TMP" >&2; else rm -rf "$TMP"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for tool in curl sqlite3 python3; do
  command -v $tool >/dev/null && continue
  log "installing $tool"
  SUDO=(); [[ $(id -u) == 0 ]] || SUDO=(sudo)
  "${SUDO[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "$tool" >/dev/null
done
command -v dotnet >/dev/null || die "dotnet (the .NET 10 SDK) is not on PATH"

TMP=$(mktemp -d /tmp/bench-export-XXXXXX)
if ((BUILD)); then
  log "building src/EventPortal.Web (Release)"
  dotnet build "$APP_PROJECT/EventPortal.Web.csproj" -c Release -nologo -v quiet >"$TMP/build.log" 2>&1 \
    || { tail -40 "$TMP/build.log" >&2; die "build failed"; }
fi
BUILD_OUT=$(ls -d "$APP_PROJECT"/bin/Release/net*/ 2>/dev/null | sort -V | tail -1)
[[ -n $BUILD_OUT && -f $BUILD_OUT/EventPortal.Web.dll ]] || die "no Release build (drop --no-build)"
cp -a "$BUILD_OUT" "$TMP/app"   # a private copy: a concurrent build cannot swap files under us
DB="$TMP/data/eventportal.db"

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/$HOST/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  die "no free port found"
}

start_app() {  # log file
  PORT=$(free_port)
  URL="http://$HOST:$PORT"
  (cd "$TMP" && exec env -u ASPNETCORE_URLS ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning \
    EventPortal__DataDirectory="$TMP/data" EventPortal__SeedDemo=false EventPortal__Outbox__DispatcherEnabled=false \
    EventPortal__RateLimits__Enabled=false \
    EventPortal__Bootstrap__ApiToken="$TOKEN" dotnet "$TMP/app/EventPortal.Web.dll" --urls "$URL") >"$1" 2>&1 &
  APP_PID=$!
  local deadline=$((SECONDS + 90))
  until curl -fsS -o /dev/null --max-time 2 "$URL/healthz" 2>/dev/null; do
    kill -0 "$APP_PID" 2>/dev/null || { tail -30 "$1" >&2; die "the app exited before it was healthy"; }
    ((SECONDS < deadline)) || die "the app was not healthy within 90 s"
    sleep 0.3
  done
}

kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$APP_PID/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

# ------------------------------------------------------------------ seed
log "creating the schema (one start of the app)"
start_app "$TMP/migrate.log"
stop_app

log "seeding $SMALL + $ROWS registrations with sqlite3"
seed_event() {  # slug count
  cat <<SQL
INSERT INTO events (slug, title, starts_at, ends_at, status, created_at, updated_at)
  VALUES ('$1', 'エクスポート計測 $1', '2030-03-06 03:00:00', '2030-03-06 04:00:00', 'published', datetime('now'), datetime('now'));
INSERT INTO ticket_types (event_id, code, kind, name_ja, name_en, capacity, waitlist, position)
  SELECT id, 'live', 'live', 'ライブ参加', 'Live', 100, 1, 0 FROM events WHERE slug = '$1';
INSERT INTO ticket_types (event_id, code, kind, name_ja, name_en, capacity, waitlist, position)
  SELECT id, 'recording', 'recording', '録画視聴', 'Recording', NULL, 0, 1 FROM events WHERE slug = '$1';
INSERT INTO event_categories (event_id, code, name_ja, name_en, position)
  SELECT id, 'municipal', '自治体職員', 'Municipal staff', 0 FROM events WHERE slug = '$1'
  UNION ALL SELECT id, 'npo', 'NPO等の団体', 'NPO', 1 FROM events WHERE slug = '$1'
  UNION ALL SELECT id, 'other', 'その他', 'Other', 2 FROM events WHERE slug = '$1';
INSERT INTO event_questions (event_id, code, label_ja, label_en, position)
  SELECT id, 'how', 'どこで知りましたか', 'How did you hear of us?', 0 FROM events WHERE slug = '$1'
  UNION ALL SELECT id, 'city', '市区町村', 'City', 1 FROM events WHERE slug = '$1';
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2),
  e AS (SELECT id FROM events WHERE slug = '$1')
INSERT INTO registrations (event_id, ticket_type_id, status, family_name, given_name, reading, email, email_normalized,
    organization, category_code, accessibility, questions, answers, language, token_seed, manage_token_hash,
    join_token_hash, watch_token_hash, consent_at, created_at, updated_at)
SELECT e.id,
  (SELECT id FROM ticket_types t WHERE t.event_id = e.id AND t.code = CASE WHEN i <= 2000 THEN 'live' ELSE 'recording' END),
  CASE WHEN i <= 100 OR i > 2000 THEN 'confirmed' ELSE 'waitlisted' END,
  substr('山田髙橋佐藤鈴木田中伊藤渡辺中村小林加藤', 1 + 2 * (i % 10), 2), substr('花子太郎𠮷子一郎次郎', 1 + (i % 5) * 2, 2),
  'ヤマダ　ハナコ', 'user' || i || '@example.jp', 'user' || i || '@example.jp',
  CASE WHEN i % 50 = 0 THEN '=HYPERLINK("x")' ELSE '横浜市 市民局 第' || (i % 7) || '課' END,
  CASE i % 3 WHEN 0 THEN 'municipal' WHEN 1 THEN 'npo' ELSE 'other' END,
  CASE WHEN i % 20 = 0 THEN '字幕を希望します' ELSE '' END,
  CASE WHEN i % 7 = 0 THEN '質問です。' || char(10) || '2行目に "引用" と, カンマ' ELSE '' END,
  '{"how":"知人の紹介","city":"横浜市"}', 'ja', 'seed' || i, 'm-$1-' || i, 'j-$1-' || i, 'w-$1-' || i,
  strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || ($2 - i) || ' seconds'),
  strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || ($2 - i) || ' seconds'),
  strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || ($2 - i) || ' seconds')
FROM n, e;
-- The live ticket's 100 seats, held by its 100 confirmed registrations (migration 0012_seat_rows).
INSERT INTO seats (ticket_type_id, seat_no, registration_id)
  SELECT r.ticket_type_id, ROW_NUMBER() OVER (ORDER BY r.id), r.id
  FROM registrations r JOIN ticket_types t ON t.id = r.ticket_type_id JOIN events e ON e.id = r.event_id
  WHERE e.slug = '$1' AND t.code = 'live' AND r.status = 'confirmed';
SQL
}
seed_started=$SECONDS
{ echo "BEGIN;"; seed_event export-small "$SMALL"; seed_event export-large "$ROWS"; echo "COMMIT;"; } | sqlite3 "$DB"
seeded=$(sqlite3 "$DB" "SELECT COUNT(*) FROM registrations")
log "seeded $seeded registrations in $((SECONDS - seed_started)) s; database $(du -h "$DB" | cut -f1)"

# ------------------------------------------------------------------ measure
declare -a LINES=()
measure() {  # label slug path rows
  local label=$1 slug=$2 path=$3 rows=$4
  start_app "$TMP/app-$label.log"
  # One authenticated request first (tiny, filtered to nothing), so idle memory includes the
  # loaded auth, routing and SQL code and the peak is the export's own.
  curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" "$URL/api/admin/events/$slug/registrations?q=nobody-here"
  sleep 1
  local idle_rss idle_hwm
  idle_rss=$(kib VmRSS); idle_hwm=$(kib VmHWM)
  (max=0; while kill -0 "$APP_PID" 2>/dev/null; do r=$(kib VmRSS); ((r > max)) && { max=$r; echo "$max" >"$TMP/peak-$label"; }; sleep 0.02; done) &
  SAMPLER_PID=$!
  local out cold warm
  out=$(curl -fsS -o /dev/null -w '%{http_code} %{time_total} %{size_download}' -H "Authorization: Bearer $TOKEN" "$URL$path")
  read -r code cold bytes <<<"$out"
  [[ $code == 200 ]] || die "$label: HTTP $code"
  local hwm_cold; hwm_cold=$(kib VmHWM)
  warm=$(curl -fsS -o "$TMP/$label.out" -w '%{time_total}' -H "Authorization: Bearer $TOKEN" "$URL$path")
  local hwm_warm; hwm_warm=$(kib VmHWM)
  kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""
  local sampled; sampled=$(cat "$TMP/peak-$label" 2>/dev/null || echo 0)
  stop_app
  local got
  if [[ $path == *.csv* ]]; then
    got=$(python3 -c 'import csv,sys; f=open(sys.argv[1],encoding="utf-8-sig",newline=""); print(sum(1 for _ in csv.reader(f)) - 1)' "$TMP/$label.out")
  else
    got=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1],encoding="utf-8"))))' "$TMP/$label.out")
  fi
  [[ $got == "$rows" ]] || die "$label: expected $rows rows, the download had $got"
  ((KEEP)) || rm -f "$TMP/$label.out"
  local row
  row=$(awk -v l="$label" -v r="$rows" -v b="$bytes" -v c="$cold" -v w="$warm" -v ir="$idle_rss" -v ih="$idle_hwm" -v hc="$hwm_cold" -v hw="$hwm_warm" -v s="$sampled" 'BEGIN {
    printf "| %s | %d | %.1f | %.2f | %.2f | %d | %.0f | %.0f | %.0f | %.0f | +%.0f |",
      l, r, b / 1048576, c, w, r / w, ir / 1024, ih / 1024, s / 1024, hw / 1024, (hw - ih) / 1024 }')
  LINES+=("$row")
  log "$row"
}

log "measuring (a fresh app for each line)"
measure "CSV, ${SMALL} rows" export-small "/api/admin/events/export-small/registrations.csv" "$SMALL"
measure "CSV, ${ROWS} rows" export-large "/api/admin/events/export-large/registrations.csv" "$ROWS"
measure "JSON, ${ROWS} rows" export-large "/api/admin/events/export-large/registrations" "$ROWS"

# ------------------------------------------------------------------ report
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem_gib=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
mkdir -p "$(dirname "$OUTPUT")"
{
  echo "# Attendee export benchmark"
  echo
  echo "Recorded $(date -u '+%Y-%m-%d %H:%M UTC') with \`./bench/export.sh -n $ROWS\`."
  echo "Machine: $(nproc) CPUs (${cpu_model:-unknown}), ${mem_gib} GiB RAM, Linux $(uname -r); .NET SDK $(dotnet --version), SQLite $(sqlite3 --version | cut -d' ' -f1)."
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "| export | rows | MiB | first s | second s | rows/s (second) | idle RSS MiB | idle peak MiB | sampled peak RSS MiB | peak (VmHWM) MiB | peak − idle peak |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${LINES[@]}"
  echo
  echo "Each line is a fresh app process (Release, SQLite, server GC as shipped, mail dispatcher off)."
  echo "\"first\" is the first export after start (JIT included), \"second\" the same export again in the"
  echo "same process; rows/s is from the second. Idle is measured after one small authenticated request."
  echo "VmHWM is the kernel's high-water mark of the process's resident memory, read after both exports."
} >"$OUTPUT"
log "wrote $OUTPUT"
cat "$OUTPUT"
