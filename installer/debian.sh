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
# Deliver waiting support requests for every user, also when no tray app runs. systemd looks
# for user units in /usr/local/lib and /usr/lib; other prefixes are linked there.
if command -v systemctl >/dev/null 2>&1; then
  if [ "$prefix" != /usr ] && [ "$prefix" != /usr/local ]; then
    mkdir -p /usr/local/lib/systemd/user
    ln -sf "$prefix/lib/systemd/user/fixtray-outbox.service" "$prefix/lib/systemd/user/fixtray-outbox.timer" \
      /usr/local/lib/systemd/user/
  fi
  if [ "$prefix" != /usr ] && [ "$prefix" != /usr/local ]; then
    mkdir -p /usr/local/lib/systemd/system
    ln -sf "$prefix/lib/systemd/system/fixtray-feed.service" "$prefix/lib/systemd/system/fixtray-feed.timer" \
      /usr/local/lib/systemd/system/
  fi
  mkdir -p /etc/fixtray/keys && chmod 755 /etc/fixtray /etc/fixtray/keys
  # The feed timer does nothing until feed.url is set in /etc/fixtray/fixtray.json.
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload && systemctl enable --now fixtray-feed.timer >/dev/null 2>&1 ||
      echo "note: could not enable fixtray-feed.timer" >&2
  else
    systemctl enable fixtray-feed.timer >/dev/null 2>&1 || true
  fi
  systemctl --global enable fixtray-outbox.timer >/dev/null 2>&1 ||
    echo "note: could not enable fixtray-outbox.timer for all users (systemctl --global enable)" >&2
fi
echo "fixtray installed under $prefix. The fixes this machine offers:"
"$prefix/bin/fixctl" list
