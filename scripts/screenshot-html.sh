#!/usr/bin/env bash
# Renders an HTML report in headless Chromium (Debian's `chromium` package) at phone and desktop
# widths, writes PNG screenshots, and fails if the page logs a console error or makes a network request.
# Usage: scripts/screenshot-html.sh reports/beacon.html [OUTDIR]
# Not part of CI (it needs a browser); run it after changing the HTML renderer.
set -euo pipefail
page=${1:?usage: scripts/screenshot-html.sh REPORT.html [OUTDIR]}
out=${2:-scratch/screenshots}
command -v chromium >/dev/null || { apt-get install -y -qq chromium >/dev/null; }
mkdir -p "$out"
name=$(basename "$page" .html)
url="file://$(realpath "$page")"
status=0
for size in 412,915 1280,2400; do
  log="$out/$name-${size/,/x}.log"
  chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
    --enable-logging=stderr --v=0 --log-level=0 \
    --window-size="$size" --screenshot="$out/$name-${size/,/x}.png" "$url" 2>"$log" >/dev/null || status=1
  if grep -E "CONSOLE|Uncaught|ERR_|net::" "$log" | grep -v "ERR_FILE_NOT_FOUND.*favicon" >/dev/null; then
    echo "console errors or network requests in $page at $size:"; grep -E "CONSOLE|Uncaught|ERR_|net::" "$log"
    status=1
  fi
  echo "wrote $out/$name-${size/,/x}.png"
done
exit $status
