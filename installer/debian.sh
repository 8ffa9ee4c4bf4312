#!/usr/bin/env bash
# Sets up a Debian 12 machine for fixtray: installs the build dependencies, builds, installs
# the tray app fixtray, fixctl and the built-in fix packs under PREFIX (default /usr/local),
# lists the fixes and starts the tray app for the user who ran it (on their display).
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
# The tray app starts at every login through XDG autostart, which is read from /etc/xdg only.
if [ "$prefix" != /usr ]; then
  install -D -m 644 "$here/build-release/src/fixtray/autostart/fixtray.desktop" \
    /etc/xdg/autostart/fixtray.desktop
fi
command -v gtk-update-icon-cache >/dev/null 2>&1 &&
  gtk-update-icon-cache -q -t "$prefix/share/icons/hicolor" 2>/dev/null || true
echo "fixtray installed under $prefix. The fixes this machine offers:"
"$prefix/bin/fixctl" list
# Start the tray app now for the employee who ran this, on their display (from the next login
# on, autostart does it). sudo usually drops DISPLAY: then say how to start it.
user=${SUDO_USER:-}
if [ -n "$user" ] && [ "$user" != root ] && [ -n "${DISPLAY:-}" ]; then
  uid=$(id -u "$user")
  sudo -u "$user" env DISPLAY="$DISPLAY" XAUTHORITY="${XAUTHORITY:-$(getent passwd "$user" | cut -d: -f6)/.Xauthority}" \
    XDG_RUNTIME_DIR="/run/user/$uid" DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$uid/bus" \
    setsid "$prefix/bin/fixtray" >/dev/null 2>&1 </dev/null &
  echo "fixtray started for $user on $DISPLAY: look for its icon by the clock."
else
  echo "Start the tray app from your desktop session: run 'fixtray' (or log out and back in)."
fi
