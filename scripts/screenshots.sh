#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png: starts the app (in process, a fresh database with the demo
# briefing and a few registrations) and has Debian's chromium photograph the main pages at a
# phone's width (375 px) and a desktop's (1280 px). The work is the browser suite's screenshot
# test (tests/EventPortal.BrowserTests/Screenshots), pointed at docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium, and a Japanese font for it (without one Japanese renders as boxes).
missing=()
for p in chromium fonts-ipafont-gothic; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

out="$PWD/docs/screenshots"
mkdir -p "$out"
rm -f "$out"/*.png
dotnet build tests/EventPortal.BrowserTests -c Debug --nologo -v quiet
EVENTPORTAL_SCREENSHOTS="$out" dotnet test tests/EventPortal.BrowserTests -c Debug --no-build --nologo --filter "Category=Screenshots"
ls -1 "$out"
