#!/usr/bin/env bash
# Sets up a Debian 12 machine for fixtray: installs the build dependencies, builds, installs
# fixctl and the built-in fix packs under PREFIX (default /usr/local), then lists the fixes.
# Usage: sudo bash installer/debian.sh [PREFIX]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-/usr/local}

if [ "$(id -u)" -ne 0 ]; then
  echo "installer/debian.sh: run as root (sudo bash installer/debian.sh)" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2046
apt-get install -y -qq --no-install-recommends $(grep -v '^#' "$here/installer/debian-build-deps.txt") >/dev/null
cmake -G Ninja -S "$here" -B "$here/build-release" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_INSTALL_PREFIX="$prefix" -DFIXTRAY_BUILD_TESTS=OFF >/dev/null
cmake --build "$here/build-release"
cmake --install "$here/build-release" >/dev/null
# polkit reads actions only from /usr/share/polkit-1/actions.
if [ -d /usr/share/polkit-1/actions ] && [ "$prefix" != /usr ]; then
  install -m 644 "$here/build-release/src/org.fixtray.admin.policy" /usr/share/polkit-1/actions/
fi
echo "fixtray installed under $prefix. The fixes this machine offers:"
"$prefix/bin/fixctl" list
