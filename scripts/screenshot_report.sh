#!/usr/bin/env bash
# Render a report.html to PNG as a browser draws it (headless Chromium), e.g. for the README:
#   scripts/screenshot_report.sh run/summarise/report.html docs/report.png [WIDTH HEIGHT]
# Default size 1280 x 4000 px. Uses the repo's .venv unless PYTHON is set.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
exec "${PYTHON:-$repo/.venv/bin/python}" -m scratchflow_devtools.screenshot "$@"
