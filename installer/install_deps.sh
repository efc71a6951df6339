#!/usr/bin/env bash
# Installs the Debian 12 packages QuantScope needs to build, test and run.
# Idempotent: only packages that are not installed yet are fetched, so a
# second run on a ready machine does nothing and needs no network.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  dpkg-dev file            # dpkg-shlibdeps and file(1): Depends of the .deb built by cpack
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev qt6-svg-dev
  libqt6svg6 qt6-qpa-plugins
  libtbb-dev libhwy-dev libeigen3-dev libhdf5-dev nlohmann-json3-dev
  libsentencepiece-dev libpcre2-dev
  xvfb xauth fonts-dejavu-core
  poppler-utils            # pdftoppm: the report test rasterizes the PDF it writes
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install_deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
