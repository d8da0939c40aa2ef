#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs every test.
# Idempotent and safe on a fresh Debian 12 machine (run as root, or with sudo available).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the integration tests use: PostgreSQL (the scale-out store; each test run
# starts its own throwaway cluster on a free port); python3-icalendar, one of the two
# independent calendar parsers; python3-aiosmtpd, the SMTP server the mail tests start;
# python3-dkim, an independent DKIM verifier; chromium, the browser the browser tests drive
# through Playwright (never `playwright install`: it downloads), and fonts-ipafont-gothic, a
# Japanese font for it (without one Japanese renders as boxes).
packages=(postgresql python3-icalendar python3-aiosmtpd python3-dkim chromium fonts-ipafont-gothic)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js runs ical.js; these machines ship it, Debian's packages are the fallback.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "==> installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages the tests run as child processes (ical.js; schema-dts with typescript for the JSON-LD check),
# pinned by tests/package-lock.json.
echo "==> npm ci (tests/)"
npm ci --prefix tests --no-audit --no-fund --loglevel=error

echo "==> building"
dotnet build EventPortal.sln -c Debug -warnaserror --nologo -v quiet

echo "==> testing"
# Many app instances start inside one test process: poll for file changes instead of using inotify.
export DOTNET_USE_POLLING_FILE_WATCHER=true
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The browser suite runs after the others, not beside them: on a 2-core machine the two
# together starve chromium, and a slow page is not a broken journey.
set +e
status=0
projects=$(ls tests/*/*Tests.csproj | grep -v BrowserTests; ls tests/*/*BrowserTests.csproj)
# A test that waits forever is stopped after 15 minutes and named (the longest, the generated hostile-input
# runs, take about 5 under load), instead of holding CI until its own limit.
for project in $projects; do
  dotnet test "$project" -c Debug --no-build --nologo --blame-hang-timeout 15m --blame-hang-dump-type none "$@" 2>&1 \
    | tee -a "$log"
  code=${PIPESTATUS[0]}
  if [ "$code" -ne 0 ]; then status=$code; fi
done
set -e

# One plain closing line that any CI can read: "N passed, N failed".
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
# A CI that keeps only the end of the output still names what failed: each failed test with the first lines of
# its message (the whole report is further up).
if [ "$failed" -ne 0 ]; then
  echo "==> failed tests"
  awk '/^  Failed [A-Za-z]/ { n = 12 } /^  Stack Trace:/ { n = 0 } n > 0 { print; n-- }' "$log"
fi
echo "${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ]; then exit "$status"; fi
if [ "$passed" -eq 0 ]; then echo "no tests ran" >&2; exit 1; fi
