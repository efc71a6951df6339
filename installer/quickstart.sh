#!/usr/bin/env bash
# The README's two Quick start commands:
#   installer/quickstart.sh run    install what is missing, build, open the workbench on the
#                                  sample model and text from ../shared
#   installer/quickstart.sh test   install what is missing, build, run the whole test suite
# QS_SHARED_DIR overrides where ../shared is.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${QS_SHARED_DIR:-$root/../shared}"
mode="${1:-}"
case "$mode" in run|test) ;; *) echo "usage: $0 run|test" >&2; exit 2 ;; esac

"$root/installer/install_deps.sh"
cd "$root"
cmake --preset release -DQS_SHARED_DIR="$shared" >/dev/null
cmake --build --preset release

if [ "$mode" = test ]; then
  exec ctest --preset release
fi

model="$shared/models/stories260K/model.bin"
text="$shared/data/tinystories/valid.txt"
gui="$root/build/release/app/gui/quantscope"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$gui" "$model" --data "$text"
fi
# No display (e.g. a server): run under a virtual one and keep a screenshot of the window.
shot="$root/build/release/workbench.png"
echo "No display found: running the workbench under Xvfb; screenshot -> $shot"
exec xvfb-run -a "$gui" "$model" --data "$text" --screenshot "$shot"
