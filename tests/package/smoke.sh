#!/usr/bin/env bash
# The Debian package, from the outside: lintian, then install it with apt on this machine, run
# the installed programs as an employee would (and as an attacker would), remove it while the
# tray runs, purge it, and check that nothing is left running or behind.
#
#   tests/package/smoke.sh DEB [GUI_TEST_DIR]
#
# DEB: the package (cpack -G DEB in a build configured with -DCMAKE_INSTALL_PREFIX=/usr).
# Needs root, a machine where fixtray is not installed (a left-over installation is purged
# first), and what .ci/run installs: lintian, xvfb, trayer, dbus, pkexec, polkitd, python3-*.
# Each check prints "ok: ..." or stops the script with "FAIL: ...". .ci/run runs it after the
# test suites; it takes about a minute.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
deb=$(readlink -f "${1:?usage: smoke.sh DEB}")
[[ -f "$deb" ]] || { echo "smoke.sh: no such package: $deb" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "smoke.sh: run as root" >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive

work=$(mktemp -d /tmp/fixtray-package.XXXXXX)
chmod 755 "$work"
user=fxt-$$-pkg
xvfb_pid=
pass() { echo "ok: $*"; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
cleanup() {
    [[ -n "$xvfb_pid" ]] && kill "$xvfb_pid" 2>/dev/null || true
    pkill -KILL -U "$user" 2>/dev/null || true
    userdel -r "$user" >/dev/null 2>&1 || true
    if [[ -n "${FIXTRAY_SMOKE_KEEP:-}" ]]; then echo "kept: $work"; else rm -rf "$work"; fi
    if dpkg -s fixtray >/dev/null 2>&1; then apt-get purge -y -qq fixtray >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# An employee: a user made with useradd, running with a clean environment of its own.
useradd --create-home --shell /bin/sh "$user"
home=$(getent passwd "$user" | cut -d: -f6)
uid=$(id -u "$user")
as_user() {
    setpriv --reuid="$uid" --regid="$(id -g "$user")" --clear-groups -- \
        env -i HOME="$home" USER="$user" LOGNAME="$user" PATH=/usr/local/bin:/usr/bin:/bin \
        LANG=C.UTF-8 "$@"
}

echo "== lintian"
# Errors fail; warnings are printed (each one fixed or explained in
# installer/debian/lintian-overrides, which the package installs).
lintian --fail-on error --display-level '>=warning' --tag-display-limit 0 "$deb" | tee "$work/lintian.txt"
pass "lintian: no errors ($(grep -c '^W:' "$work/lintian.txt" || true) warnings)"

echo "== install with apt"
if dpkg -s fixtray >/dev/null 2>&1; then apt-get purge -y -qq fixtray >/dev/null; fi
apt-get install -y -qq --no-install-recommends "$deb" >"$work/apt.log" 2>&1 || {
    cat "$work/apt.log"
    fail "apt-get install $deb"
}
dpkg -L fixtray >"$work/files"
for f in /usr/bin/fixtray /usr/bin/fixctl /usr/libexec/fixtray/fixtray-admin \
    /usr/share/fixtray/fixes/linux/reset-network.xml /usr/share/applications/fixtray.desktop \
    /usr/share/metainfo/org.fixtray.fixtray.metainfo.xml /usr/share/polkit-1/actions/org.fixtray.admin.policy \
    /usr/share/man/man1/fixctl.1.gz /usr/share/man/man1/fixtray.1.gz /usr/share/man/man8/fixtray-admin.8.gz \
    /usr/share/man/man5/fixtray-packs.5.gz /usr/share/icons/hicolor/scalable/apps/fixtray.svg \
    /usr/lib/systemd/system/fixtray-feed.timer /usr/lib/systemd/user/fixtray-outbox.timer \
    /etc/fixtray/fixtray.json; do
    [[ -e "$f" ]] || fail "the package did not install $f"
done
pass "programs, packs, desktop entry, metainfo, polkit action, man pages, icons, units, config installed"
grep -q 'org.freedesktop.policykit.exec.path">/usr/libexec/fixtray/fixtray-admin<' \
    /usr/share/polkit-1/actions/org.fixtray.admin.policy || fail "the polkit action does not name the installed helper"
[[ "$(readlink /etc/xdg/autostart/fixtray.desktop)" == /usr/share/fixtray/autostart/fixtray.desktop ]] ||
    fail "no XDG autostart entry for the tray"
grep -q '^Exec=/usr/bin/fixtray$' /etc/xdg/autostart/fixtray.desktop || fail "the autostart entry does not start /usr/bin/fixtray"
[[ -L /etc/systemd/system/timers.target.wants/fixtray-feed.timer ]] || fail "the feed timer is not enabled"
[[ -L /etc/systemd/user/timers.target.wants/fixtray-outbox.timer ]] || fail "the outbox timer is not enabled for users"
pass "autostart entry, feed timer and every user's outbox timer enabled"
appstreamcli validate --no-net --pedantic /usr/share/metainfo/org.fixtray.fixtray.metainfo.xml >"$work/as.txt" 2>&1 ||
    { cat "$work/as.txt"; fail "appstreamcli validate"; }
pass "AppStream metainfo valid"
man -w fixctl >/dev/null 2>&1 || [[ ! -x /usr/bin/man ]] || fail "man does not find fixctl(1)"

echo "== fixctl as an employee"
as_user fixctl list >"$work/list.txt" 2>&1 || { cat "$work/list.txt"; fail "fixctl list"; }
for id in clear-caches reset-network remap-printers; do
    grep -q "$id" "$work/list.txt" || { cat "$work/list.txt"; fail "fixctl list does not offer $id"; }
done
pass "fixctl list offers the built-in fixes"
as_user fixctl run clear-caches --dry-run >"$work/dry.txt" 2>&1 || { cat "$work/dry.txt"; fail "fixctl run --dry-run"; }
grep -qi "dry run" "$work/dry.txt" || { cat "$work/dry.txt"; fail "the dry run printed no plan"; }
pass "fixctl run clear-caches --dry-run prints the plan"
as_user fixctl --help | grep -q "fixctl" || fail "fixctl --help"
# A real run, recorded in the employee's own data (which purge must leave alone).
as_user fixctl run clear-caches --yes --json >"$work/run.json" 2>"$work/run.err" || true
grep -q '"outcome": *"\(fixed\|nothing_to_fix\|not_needed\)"' "$work/run.json" ||
    { cat "$work/run.json" "$work/run.err"; fail "fixctl run clear-caches as the employee"; }
userdata=$(find "$home" -path '*fixtray*' -type f | head -1)
[[ -n "$userdata" ]] || fail "the employee's run left no record in their home"
pass "fixctl run clear-caches runs as the employee and is recorded in their home ($userdata)"

echo "== the installed tray docks under Xvfb (trayer)"
/usr/bin/python3 "$root/tests/gui/test_fixtray_tray.py" /usr/bin/fixtray "$work/gui" xembed >"$work/gui.log" 2>&1 ||
    { cat "$work/gui.log"; fail "the installed fixtray did not dock"; }
pass "the installed fixtray docks, its menu opens, a left click opens its window"

echo "== an administrator step through the installed helper, for an employee"
# The help desk's pack, in the machine's root-owned /etc/fixtray/packs (purge removes it).
marker=$work/made-by-root
cat >/etc/fixtray/packs/smoke.xml <<EOF
<fixpack xmlns="urn:fixtray:fixpack:1" id="com.example.smoke" version="1">
  <fix id="smoke-admin" platforms="linux"><title>Needs root</title>
    <steps><run admin="true"><arg>touch</arg><arg>$marker</arg></run></steps>
    <verify><exists path="$marker"/></verify>
  </fix>
</fixpack>
EOF
chmod 644 /etc/fixtray/packs/smoke.xml
# polkit allows this one employee without a password, as a help desk's rule does.
cat >"$work/50-smoke.rules" <<EOF
polkit.addRule(function(action, subject) {
  if (action.id == "org.fixtray.admin" && subject.user == "$user") return polkit.Result.YES;
});
EOF
with_polkit() {
    local bus=$work/bus-$RANDOM
    "$root/tests/services/polkit.sh" exec "$bus" /usr/share/polkit-1/actions/org.fixtray.admin.policy \
        "$work/50-smoke.rules" -- "$@"
}
with_polkit setpriv --reuid="$uid" --regid="$(id -g "$user")" --clear-groups -- \
    env -i HOME="$home" PATH=/usr/bin:/bin LANG=C.UTF-8 fixctl run smoke-admin --yes --json >"$work/admin.json" 2>"$work/admin.err" ||
    { cat "$work/admin.json" "$work/admin.err"; fail "fixctl run smoke-admin"; }
[[ -f "$marker" && "$(stat -c %u "$marker")" == 0 ]] || { cat "$work/admin.json" "$work/admin.err"; fail "the admin step did not run as root"; }
grep -q '"outcome": *"fixed"' "$work/admin.json" || { cat "$work/admin.json"; fail "the run is not recorded as fixed"; }
pass "the employee's admin step ran as root through pkexec, polkitd and the installed helper"
rm -f "$marker"

echo "== nothing of the employee's gets root"
# 1. A pack the employee planted (--packs), also one with the machine pack's id and a higher
# version whose admin step does something else.
planted=$home/planted
mkdir -p "$planted"
for spec in "com.example.planted:planted:1" "com.example.smoke:smoke-admin:2"; do
    IFS=: read -r pid fid ver <<<"$spec"
    cat >"$planted/$fid.xml" <<EOF
<fixpack xmlns="urn:fixtray:fixpack:1" id="$pid" version="$ver">
  <fix id="$fid" platforms="linux"><title>Planted</title>
    <steps><run admin="true"><arg>touch</arg><arg>$work/planted-$fid</arg></run></steps>
  </fix>
</fixpack>
EOF
done
chown -R "$user:" "$planted"
for fid in planted smoke-admin; do
    with_polkit setpriv --reuid="$uid" --regid="$(id -g "$user")" --clear-groups -- \
        env -i HOME="$home" PATH=/usr/bin:/bin LANG=C.UTF-8 fixctl --packs "$planted" run "$fid" --yes --json \
        >"$work/planted-$fid.out" 2>&1 || true
    [[ ! -e "$work/planted-$fid" ]] || { cat "$work/planted-$fid.out"; fail "a planted pack's admin step ($fid) ran as root"; }
    [[ ! -e "$marker" ]] || { cat "$work/planted-$fid.out"; fail "a planted pack ran the machine pack's step as root"; }
    grep -q "the admin helper refused the step" "$work/planted-$fid.out" ||
        { cat "$work/planted-$fid.out"; fail "the planted pack's run ($fid) did not reach the helper"; }
done
pass "packs the employee planted (a new one, and one posing as a newer machine pack) get nothing run as root"

# 2. A tampered environment: a program named like the step's tool first on PATH, a preload and
# a library path: the machine's step still runs, with root's own programs.
evil=$home/evil
mkdir -p "$evil/bin" "$evil/etc/fixtray/packs"
printf '#!/bin/sh\n/usr/bin/touch %s\n' "$work/evil-touch-ran" >"$evil/bin/touch"
chmod 755 "$evil/bin/touch"
chown -R "$user:" "$evil"
with_polkit setpriv --reuid="$uid" --regid="$(id -g "$user")" --clear-groups -- \
    env -i HOME="$home" PATH="$evil/bin:/usr/bin:/bin" LD_PRELOAD="$evil/none.so" LD_LIBRARY_PATH="$evil" \
    LANG=C.UTF-8 fixctl run smoke-admin --yes --json >"$work/tampered.out" 2>&1 || true
[[ ! -e "$work/evil-touch-ran" ]] || { cat "$work/tampered.out"; fail "the employee's PATH chose a program run as root"; }
[[ -f "$marker" && "$(stat -c %u "$marker")" == 0 ]] ||
    { cat "$work/tampered.out"; fail "with a tampered environment the machine's admin step did not run"; }
rm -f "$marker"
# A machine root of the employee's (the test-only FIXTRAY_MACHINE_ROOT) with a forged pack of
# the same id: fixctl may show it, the helper runs nothing of it.
cp /etc/fixtray/packs/smoke.xml "$evil/etc/fixtray/packs/"
sed -i "s|<arg>$marker</arg>|<arg>$work/forged</arg>|" "$evil/etc/fixtray/packs/smoke.xml"
chown -R "$user:" "$evil"
with_polkit setpriv --reuid="$uid" --regid="$(id -g "$user")" --clear-groups -- \
    env -i HOME="$home" PATH=/usr/bin:/bin FIXTRAY_MACHINE_ROOT="$evil" LANG=C.UTF-8 \
    fixctl run smoke-admin --yes --json >"$work/forged.out" 2>&1 || true
grep -q "the admin helper refused the step" "$work/forged.out" || { cat "$work/forged.out"; fail "the forged pack's run did not reach the helper"; }
[[ ! -e "$work/forged" && ! -e "$marker" ]] || { cat "$work/forged.out"; fail "a forged machine root reached root's steps"; }
pass "a tampered PATH, preload and library path choose nothing run as root; a forged machine root gets nothing run"

# 3. Crafted helper arguments, straight to pkexec.
crafted=(
    "run-step --pack com.example.planted --version 1 --fix planted --phase steps --index 1 --item x"
    "run-step --pack com.example.smoke --version 1 --fix smoke-admin --phase steps --index 7 --item x"
    "run-step --pack com.example.smoke --version 1 --fix smoke-admin --phase steps --index 1 --item x --pack-dir $planted"
    "run-step --pack ../../$planted/smoke-admin --version 1 --fix smoke-admin --phase steps --index 1 --item x"
    "run-step --pack com.example.smoke --version 2 --fix smoke-admin --phase steps --index 1 --item x"
    "run-step --pack com.example.smoke;touch${work}/semicolon --version 1 --fix smoke-admin --phase steps --index 1 --item x"
)
n=0
for args in "${crafted[@]}"; do
    n=$((n + 1))
    # shellcheck disable=SC2086
    # (pkexec refuses a parent that is PID 1: sh stays its parent.)
    if with_polkit setpriv --reuid="$uid" --regid="$(id -g "$user")" --clear-groups -- \
        env -i HOME="$home" PATH=/usr/bin:/bin sh -c 'pkexec "$@"; exit $?' sh \
        /usr/libexec/fixtray/fixtray-admin $args >"$work/crafted-$n.out" 2>&1; then
        cat "$work/crafted-$n.out"
        fail "the helper accepted: $args"
    fi
    grep -q "fixtray-admin" "$work/crafted-$n.out" || { cat "$work/crafted-$n.out"; fail "the helper did not answer: $args"; }
done
for f in "$marker" "$work/planted-planted" "$work/planted-smoke-admin" "$work/semicolon"; do
    [[ ! -e "$f" ]] || fail "crafted helper arguments made $f"
done
pass "crafted helper arguments are refused and run nothing"

echo "== remove while the tray runs, then purge"
Xvfb :97 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
sleep 1
setpriv --reuid="$uid" --regid="$(id -g "$user")" --clear-groups -- \
    env -i HOME="$home" DISPLAY=:97 PATH=/usr/bin:/bin LANG=C.UTF-8 setsid /usr/bin/fixtray --tray=none \
    >/dev/null 2>&1 </dev/null &
for _ in $(seq 50); do pgrep -x fixtray >/dev/null && break; sleep 0.2; done
pgrep -x fixtray >/dev/null || fail "the installed fixtray did not start under Xvfb"
apt-get remove -y -qq fixtray >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "apt-get remove"; }
! pgrep -x 'fixtray|fixctl' >/dev/null && ! pgrep -x fixtray-admin >/dev/null ||
    fail "a fixtray process still runs after removal: $(pgrep -a 'fixtray|fixctl')"
[[ ! -e /etc/xdg/autostart/fixtray.desktop && ! -L /etc/xdg/autostart/fixtray.desktop ]] || fail "the autostart entry is left after removal"
[[ ! -e /usr/bin/fixtray ]] || fail "/usr/bin/fixtray is left after removal"
pass "removal ends the running tray and removes its autostart entry"
apt-get purge -y -qq fixtray >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "apt-get purge"; }
kill "$xvfb_pid" 2>/dev/null || true
xvfb_pid=
left=()
while read -r f; do
    [[ -d "$f" && ! -L "$f" ]] && continue # shared folders (/usr/bin, ...) stay
    [[ -e "$f" || -L "$f" ]] && left+=("$f")
done <"$work/files"
for f in /etc/fixtray /var/lib/fixtray /etc/xdg/autostart/fixtray.desktop \
    /etc/systemd/system/timers.target.wants/fixtray-feed.timer /etc/systemd/system/fixtray-feed.timer \
    /etc/systemd/user/timers.target.wants/fixtray-outbox.timer /etc/systemd/user/fixtray-outbox.timer \
    /usr/share/fixtray /usr/libexec/fixtray; do
    [[ -e "$f" || -L "$f" ]] && left+=("$f")
done
[[ ${#left[@]} -eq 0 ]] || fail "left behind after purge: ${left[*]}"
! pgrep -f '/usr/(bin|libexec/fixtray)/fix' >/dev/null || fail "a fixtray process runs after purge"
pass "purge leaves no file, folder, unit link or process of fixtray"
[[ -e "$userdata" ]] || fail "purge removed the employee's own data ($userdata)"
pass "the employee's own data stays ($userdata)"
echo "== package: all checks passed"
