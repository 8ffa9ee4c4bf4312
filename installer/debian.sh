#!/usr/bin/env bash
# Sets up a Debian 12 machine for fixtray: installs the build dependencies, builds the fixtray
# Debian package (CPack), installs it with apt, then starts the tray app for the user who ran
# this when a display is available (else lists the fixes with fixctl).
# Usage: sudo bash installer/debian.sh
# The package: build-package/fixtray_VERSION_ARCH.deb (apt remove/purge fixtray takes it away).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "installer/debian.sh: run as root (sudo bash installer/debian.sh)" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2046
apt-get install -y -qq --no-install-recommends $(grep -v '^#' "$here/installer/debian-build-deps.txt") >/dev/null
build=$here/build-package
cmake -G Ninja -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_INSTALL_PREFIX=/usr -DFIXTRAY_BUILD_TESTS=OFF >/dev/null
cmake --build "$build"
rm -f "$build"/fixtray_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/fixtray_*.deb)
apt-get install -y -qq "$deb" >/dev/null
echo "Installed $(basename "$deb"). The tray starts at every login; fixctl is in /usr/bin."

# Start the tray app now for the employee who ran this, on their display (from the next login
# on, XDG autostart does it). sudo usually drops DISPLAY: then list the fixes instead.
user=${SUDO_USER:-}
if [ -n "$user" ] && [ "$user" != root ] && [ -n "${DISPLAY:-}" ]; then
  uid=$(id -u "$user")
  sudo -u "$user" env DISPLAY="$DISPLAY" XAUTHORITY="${XAUTHORITY:-$(getent passwd "$user" | cut -d: -f6)/.Xauthority}" \
    XDG_RUNTIME_DIR="/run/user/$uid" DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$uid/bus" \
    setsid /usr/bin/fixtray >/dev/null 2>&1 </dev/null &
  echo "fixtray started for $user on $DISPLAY: look for its icon by the clock."
else
  echo "No display here (or run without sudo from a desktop session): the fixes this machine offers:"
  /usr/bin/fixctl list
fi
