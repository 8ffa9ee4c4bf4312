"""guitest: a small library for headless GUI tests of a tray app (Xvfb, trayer, a private
session bus, xdotool clicks, screenshots, RSS).

Run tests that use it with Debian's /usr/bin/python3 (python3-xlib, python3-dbus, python3-gi).
Tools it runs: Xvfb, trayer, xdotool, import (imagemagick), dbus-daemon.

Process hygiene: every process is started through a ``Procs`` set (``X.spawn``,
``session_bus``...). Each gets its own session (setsid) and a token in its environment
(``GUITEST_TOKENS``); cleanup kills the process, its descendants, its session and every process
that carries the token (so daemons that double-fork, and services that dbus-daemon activates,
go too), SIGTERM first and SIGKILL after a grace period. The test process also becomes a child
subreaper (PR_SET_CHILD_SUBREAPER), so orphaned grandchildren are re-parented to it and reaped
here instead of staying zombies (PID 1 of this machine does not reap them).

Typical use::

    with guitest.X() as x:
        guitest.start_trayer(x)
        app = x.spawn([binary], stdout=subprocess.PIPE)
        guitest.wait_for_line(app, "ready", 60)
        icon = guitest.wait_for(lambda: guitest.docked_icons(x), 30, "a docked icon")[0]
        guitest.right_click(x, *guitest.center(icon))
"""

import contextlib
import ctypes
import os
import re
import shlex
import shutil
import select
import signal
import subprocess
import tempfile
import time
import uuid

TOKEN_VAR = "GUITEST_TOKENS"
# The session bus address the X environment uses unless a test gives one: an address that
# does not exist. Without DBUS_SESSION_BUS_ADDRESS, GDBus (so GTK, wx, libayatana) "autolaunches"
# a session bus through dbus-launch on the X display, a daemon nobody stops.
NO_SESSION_BUS = "unix:path=/nonexistent/guitest-no-session-bus"

_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Make this process a child subreaper (Linux): orphaned descendants of the processes it
    starts are re-parented to it rather than to PID 1. Idempotent; returns True on success."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def cleanup_on_signals(signals=(signal.SIGTERM, signal.SIGHUP)):
    """Turn these signals into KeyboardInterrupt in the main thread, so that ``with`` blocks
    (X, session_bus, Watcher) unwind and kill what they started when the test is stopped.
    Everything Procs starts lives in its own session: without this, killing the test alone
    leaves them running."""
    def handler(signum, _frame):
        for s in signals:   # once: a second signal must not interrupt the cleanup itself
            signal.signal(s, signal.SIG_IGN)
        raise KeyboardInterrupt("signal %d" % signum)
    for s in signals:
        signal.signal(s, handler)


# ---------------------------------------------------------------------------------------------
# /proc helpers


def _proc_stat(pid):
    """(state, ppid, pgrp, session) of a pid from /proc/PID/stat, or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read().decode("latin-1")
    except OSError:
        return None
    rest = data[data.rfind(")") + 2:].split()
    return rest[0], int(rest[1]), int(rest[2]), int(rest[3])


def _all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def _environ_has(pid, needle):
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            return needle.encode() in f.read()
    except OSError:
        return False


def descendants(pid):
    """All live descendants of ``pid`` (by parent links in /proc), not including pid itself."""
    children = {}
    for p in _all_pids():
        st = _proc_stat(p)
        if st:
            children.setdefault(st[1], []).append(p)
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.append(c)
                todo.append(c)
    return out


def processes_with_token(token):
    """Pids of live (non-zombie) processes whose environment contains ``token``."""
    out = []
    for p in _all_pids():
        if p == os.getpid():
            continue
        st = _proc_stat(p)
        if st and st[0] != "Z" and _environ_has(p, token):
            out.append(p)
    return out


def _alive(pid):
    st = _proc_stat(pid)
    return st is not None and st[0] != "Z"


def _reap_orphans():
    """Reap zombies re-parented to us (we are a subreaper) that no Popen owns. Only zombies in
    another session than ours are taken: what Procs starts has its own sessions, while a Popen
    started elsewhere in this process (subprocess.run...) stays in ours and is left to it."""
    me = os.getpid()
    my_sid = os.getsid(0)
    for p in _all_pids():
        st = _proc_stat(p)
        if (st and st[0] == "Z" and st[1] == me and st[3] != my_sid
                and p not in Procs._popen_pids):
            try:
                os.waitpid(p, os.WNOHANG)
            except ChildProcessError:
                pass


class Procs:
    """A set of processes started for a test, all killed together by ``kill_all()``.

    ``start(argv, env=None, **popen_kwargs)`` is ``subprocess.Popen`` plus: a new session, stdin
    from /dev/null unless given, and this set's token added to ``GUITEST_TOKENS`` in the
    environment (so everything the process starts carries it too).
    """

    _popen_pids = set()   # pids of Popen objects of all sets (never waitpid'ed behind their back)

    def __init__(self, name="procs"):
        become_subreaper()
        self.name = name
        self.token = "guitest-%s-%s" % (name, uuid.uuid4().hex[:12])
        self.popens = []

    def env_with_token(self, env=None):
        """A copy of ``env`` (default os.environ) with this set's token added."""
        env = dict(os.environ if env is None else env)
        tokens = env.get(TOKEN_VAR, "").split()
        if self.token not in tokens:
            tokens.append(self.token)
        env[TOKEN_VAR] = " ".join(tokens)
        return env

    def start(self, argv, env=None, **kw):
        """Start ``argv`` (see class doc); returns the Popen."""
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("start_new_session", True)
        p = subprocess.Popen(argv, env=self.env_with_token(env), **kw)
        self.popens.append(p)
        Procs._popen_pids.add(p.pid)
        return p

    def victims(self):
        """Live pids this set is responsible for: its processes, their descendants, their
        sessions' members and every process carrying the token."""
        pids = set()
        sessions = set()
        for p in self.popens:
            if p.returncode is None and _alive(p.pid):
                pids.add(p.pid)
                sessions.add(p.pid)
            pids.update(descendants(p.pid))
        for q in _all_pids():
            st = _proc_stat(q)
            if st and st[0] != "Z" and st[3] in sessions:
                pids.add(q)
        pids.update(processes_with_token(self.token))
        pids.discard(os.getpid())
        return {q for q in pids if _alive(q)}

    def kill_all(self, grace=5.0):
        """SIGTERM everything this set is responsible for, SIGKILL what is left after ``grace``
        seconds, reap. Returns the pids that had to be SIGKILLed."""
        killed_hard = []
        for rnd in range(3):   # processes may start others while dying: a few rounds
            victims = self.victims()
            if not victims:
                break
            for q in victims:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(q, signal.SIGTERM)
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                self._reap()
                if not any(_alive(q) for q in victims):
                    break
                time.sleep(0.05)
            for q in victims:
                if _alive(q):
                    killed_hard.append(q)
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(q, signal.SIGKILL)
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and any(_alive(q) for q in victims):
                self._reap()
                time.sleep(0.05)
        for p in self.popens:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=grace)
            for stream in (p.stdout, p.stderr):
                if stream:
                    with contextlib.suppress(OSError):
                        stream.close()
            Procs._popen_pids.discard(p.pid)
        self._reap()
        return killed_hard

    def _reap(self):
        for p in self.popens:
            p.poll()
        _reap_orphans()


# ---------------------------------------------------------------------------------------------
# X server


class X:
    """Context manager: an Xvfb server on a free display (``Xvfb -displayfd``).

    ``xvfb_args``: more Xvfb arguments, e.g. ("-extension", "GLX") to run without GLX (GTK 3
    then does not load Mesa: about 50 MB less RSS per GTK process, see tests/gui/README.md);
    default: $GUITEST_XVFB_ARGS split like a shell would, else none.

    Attributes once entered: ``display`` (":N"), ``env`` (os.environ or ``env`` plus DISPLAY,
    without WAYLAND_DISPLAY, with DBUS_SESSION_BUS_ADDRESS set to ``session_bus`` or to an address
    that does not exist so that nothing autolaunches a bus), ``procs`` (the Procs set everything
    started through ``spawn`` belongs to), ``xvfb`` (its Popen). Leaving the block kills every
    process started through ``spawn``, then Xvfb.
    """

    def __init__(self, size="1280x800x24", timeout=60.0, env=None, session_bus=None,
                 xvfb_args=None):
        self.size = size
        if xvfb_args is None:
            xvfb_args = shlex.split(os.environ.get("GUITEST_XVFB_ARGS", ""))
        self.xvfb_args = list(xvfb_args)
        self.timeout = timeout
        self.base_env = env
        self.session_bus = session_bus
        self.procs = Procs("x")
        self._xvfb_procs = Procs("xvfb")
        self.display = None
        self.env = None
        self.xvfb = None
        self._xd = None

    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self):
        r, w = os.pipe()
        try:
            self.xvfb = self._xvfb_procs.start(
                ["Xvfb", "-displayfd", str(w), "-screen", "0", self.size, "-nolisten", "tcp",
                 *self.xvfb_args],
                env=self.base_env, pass_fds=(w,), stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE)
        finally:
            os.close(w)
        buf = b""
        deadline = time.monotonic() + self.timeout
        try:
            while not buf.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError("Xvfb did not report its display within %.0f s"
                                       % self.timeout)
                ready, _, _ = select.select([r], [], [], min(left, 0.5))
                if ready:
                    chunk = os.read(r, 64)
                    if not chunk:
                        err = self.xvfb.stderr.read().decode(errors="replace")[-2000:]
                        raise RuntimeError("Xvfb exited (%s) before reporting a display: %s"
                                           % (self.xvfb.wait(), err))
                    buf += chunk
        finally:
            os.close(r)
        # Xvfb's stderr is only needed if it dies at start: stop holding a pipe it could fill.
        self.xvfb.stderr.close()
        self.xvfb.stderr = None
        self.display = ":" + buf.decode().strip()
        env = dict(os.environ if self.base_env is None else self.base_env)
        env.pop("WAYLAND_DISPLAY", None)
        env["DISPLAY"] = self.display
        env["DBUS_SESSION_BUS_ADDRESS"] = self.session_bus or NO_SESSION_BUS
        self.env = env

    def spawn(self, argv, env=None, **kw):
        """Start a process on this display (env defaults to ``self.env``); it is killed when
        the X context ends. Returns the Popen."""
        return self.procs.start(argv, env=self.env if env is None else env, **kw)

    def xdisplay(self):
        """A python-xlib Display connected to this server (one per X, opened lazily)."""
        if self._xd is None:
            from Xlib import display as xdisplay
            self._xd = xdisplay.Display(self.display)
        return self._xd

    def close(self):
        """Kill everything spawned, then Xvfb (what ``__exit__`` does). Idempotent."""
        if self._xd is not None:
            with contextlib.suppress(Exception):
                self._xd.close()
            self._xd = None
        self.procs.kill_all()
        self._xvfb_procs.kill_all()

    def __exit__(self, *exc):
        self.close()
        return False


# ---------------------------------------------------------------------------------------------
# waiting


def wait_for(predicate, timeout, what, interval=0.1, ignore=()):
    """Call ``predicate()`` every ``interval`` s until it returns something truthy, and return
    that. Raises TimeoutError("timed out after T s waiting for <what>") otherwise. Exceptions of
    the types in ``ignore`` count as "not yet" (the last one is named in the error)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            v = predicate()
            if v:
                return v
        except ignore as e:  # noqa: B030 -- a tuple of types
            last = e
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.0f s waiting for %s%s"
                               % (timeout, what, " (last error: %r)" % last if last else ""))
        time.sleep(interval)


def wait_for_stable(fn, timeout, what, settle=0.5, interval=0.1):
    """Poll ``fn()`` until it returns a truthy value that stays equal for ``settle`` seconds
    (e.g. an icon's geometry while the tray negotiates its size); return it. TimeoutError
    otherwise, naming the last value."""
    deadline = time.monotonic() + timeout
    last, since = None, None
    while True:
        v = fn()
        now = time.monotonic()
        if v and v == last:
            if now - since >= settle:
                return v
        else:
            last, since = v, now
        if now >= deadline:
            raise TimeoutError("timed out after %.0f s waiting for %s to settle (last: %r)"
                               % (timeout, what, last))
        time.sleep(interval)


def wait_for_line(proc, pattern, timeout, what=None):
    """Read ``proc.stdout`` (a PIPE) until a line matches the regex ``pattern``; return
    (line, seconds waited). Raises TimeoutError, or RuntimeError if the process exits first
    (with what it printed). Lines read before the match are kept in ``proc.guitest_lines``."""
    rx = re.compile(pattern)
    t0 = time.monotonic()
    deadline = t0 + timeout
    fd = proc.stdout.fileno()
    buf = getattr(proc, "_guitest_buf", b"")
    lines = getattr(proc, "guitest_lines", [])
    proc.guitest_lines = lines
    while True:
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            text = line.decode(errors="replace")
            lines.append(text)
            if rx.search(text):
                proc._guitest_buf = buf
                return text, time.monotonic() - t0
        left = deadline - time.monotonic()
        if left <= 0:
            proc._guitest_buf = buf
            raise TimeoutError("timed out after %.0f s waiting for %s (output so far: %r)"
                               % (timeout, what or "a line matching %r" % pattern, lines))
        r, _, _ = select.select([fd], [], [], min(left, 0.5))
        if r:
            chunk = os.read(fd, 4096)
            if not chunk:
                rc = proc.wait()
                proc._guitest_buf = buf
                raise RuntimeError("process exited with %s before %s (output: %r)"
                                   % (rc, what or "a line matching %r" % pattern,
                                      lines + ([buf.decode(errors="replace")] if buf else [])))
            buf += chunk


def wait_exit(proc, timeout, what="the process to exit"):
    """Wait for ``proc`` to exit and return its code; TimeoutError (process left running for
    the cleanup) otherwise."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TimeoutError("timed out after %.0f s waiting for %s" % (timeout, what)) from None


# ---------------------------------------------------------------------------------------------
# trayer and windows


def tray_owner(x, screen=0):
    """The window id owning ``_NET_SYSTEM_TRAY_S<screen>`` on ``x`` (0 = none)."""
    d = x.xdisplay()
    owner = d.get_selection_owner(d.intern_atom("_NET_SYSTEM_TRAY_S%d" % screen))
    return owner.id if hasattr(owner, "id") else int(owner)


def start_trayer(x, timeout=60.0):
    """Start trayer (an XEmbed system tray) on ``x`` and wait until it owns
    ``_NET_SYSTEM_TRAY_S0`` (trayer takes up to ~2 s). Returns its Popen; raises RuntimeError
    with trayer's output if it dies or the deadline passes."""
    p = x.spawn(["trayer", "--edge", "top", "--align", "right", "--widthtype", "request",
                 "--height", "24", "--SetDockType", "true"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while True:
        if p.poll() is not None:
            err = p.stderr.read().decode(errors="replace")[-2000:]
            raise RuntimeError("trayer exited with %s before owning _NET_SYSTEM_TRAY_S0: %s"
                               % (p.returncode, err))
        if tray_owner(x) and _panel_window(x) is not None:
            # keep draining nothing: trayer writes little; close our end so it cannot block
            p.stderr.close()
            p.stderr = None
            return p
        if time.monotonic() >= deadline:
            raise RuntimeError("trayer did not own _NET_SYSTEM_TRAY_S0 within %.0f s" % timeout)
        time.sleep(0.1)


def _wm_name(win):
    from Xlib import error as xerror
    try:
        name = win.get_wm_name()
        if isinstance(name, bytes):
            name = name.decode(errors="replace")
        return name or ""
    except xerror.XError:
        return ""


def _panel_window(x):
    """trayer's "panel" window (a child of the root), or None."""
    from Xlib import error as xerror
    d = x.xdisplay()
    try:
        for w in d.screen().root.query_tree().children:
            if _wm_name(w) == "panel":
                try:
                    cls = w.get_wm_class() or ()
                except xerror.XError:
                    cls = ()
                if "trayer" in cls or not cls:
                    return w
    except xerror.XError:
        return None
    return None


def geometry(x, wid):
    """Absolute geometry of window ``wid``: dict(x, y, width, height)."""
    d = x.xdisplay()
    w = d.create_resource_object("window", wid)
    g = w.get_geometry()
    t = d.screen().root.translate_coords(w, 0, 0)   # w's origin in root coordinates
    return {"x": t.x, "y": t.y, "width": g.width, "height": g.height}


def docked_icons(x):
    """The icons docked in trayer: for each branch below trayer's "panel" window, the topmost
    named window (trayer wraps each icon in an unnamed socket window, and the panel has an
    unnamed 1x1 child of its own). Returns a list of dicts (id, name, x, y, width, height,
    mapped) with absolute geometry; [] when trayer or its panel is not there."""
    from Xlib import X as XC, error as xerror
    panel = _panel_window(x)
    if panel is None:
        return []
    out = []

    def walk(win):
        try:
            kids = win.query_tree().children
        except xerror.XError:
            return
        for k in kids:
            name = _wm_name(k)
            if name:
                try:
                    g = geometry(x, k.id)
                    mapped = k.get_attributes().map_state == XC.IsViewable
                except xerror.XError:
                    continue
                out.append(dict(id=k.id, name=name, mapped=mapped, **g))
            else:
                walk(k)
    walk(panel)
    return out


def center(win):
    """(x, y) of the centre of a geometry dict (as docked_icons/find_window return)."""
    return win["x"] + win["width"] // 2, win["y"] + win["height"] // 2


def windows(x, name_substring=None, top_level_only=False):
    """All windows (depth-first, root excluded) whose WM_NAME contains ``name_substring`` (all
    windows if None), as dicts (id, name, x, y, width, height, mapped, override_redirect)."""
    from Xlib import X as XC, error as xerror
    d = x.xdisplay()
    out = []

    def walk(win, depth):
        try:
            kids = win.query_tree().children
        except xerror.XError:
            return
        for k in kids:
            name = _wm_name(k)
            if name_substring is None or name_substring in name:
                try:
                    a = k.get_attributes()
                    g = geometry(x, k.id)
                except xerror.XError:
                    continue
                out.append(dict(id=k.id, name=name, mapped=a.map_state == XC.IsViewable,
                                override_redirect=bool(a.override_redirect), **g))
            if not top_level_only:
                walk(k, depth + 1)
    walk(d.screen().root, 0)
    return out


def find_window(x, name_substring, timeout=30.0):
    """Wait until a window whose name contains ``name_substring`` exists (viewable ones are
    preferred) and return (id, geometry dict). Raises TimeoutError."""
    def look():
        found = windows(x, name_substring)
        found.sort(key=lambda w: not w["mapped"])
        return found[0] if found else None
    w = wait_for(look, timeout, "a window named like %r" % name_substring)
    return w["id"], {k: w[k] for k in ("x", "y", "width", "height")}


def window_mapped(x, wid):
    """True when window ``wid`` is viewable (mapped, and so are all its ancestors); False when
    unmapped or gone."""
    from Xlib import X as XC, error as xerror
    try:
        w = x.xdisplay().create_resource_object("window", wid)
        return w.get_attributes().map_state == XC.IsViewable
    except xerror.XError:
        return False


def popups(x, min_size=2):
    """Viewable override-redirect top-level windows at least ``min_size`` pixels each way that
    lie on the screen: menus, tooltips (GTK keeps an off-screen 10x10 one, skipped here)."""
    d = x.xdisplay()
    sw, sh = d.screen().width_in_pixels, d.screen().height_in_pixels
    return [w for w in windows(x, top_level_only=True)
            if w["mapped"] and w["override_redirect"] and w["width"] >= min_size
            and w["height"] >= min_size and w["x"] + w["width"] > 0 and w["y"] + w["height"] > 0
            and w["x"] < sw and w["y"] < sh]


# ---------------------------------------------------------------------------------------------
# input and screenshots


def _xdotool(x, *args, timeout=30.0):
    r = subprocess.run(["xdotool", *map(str, args)], env=x.env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("xdotool %s failed (%d): %s"
                           % (" ".join(map(str, args)), r.returncode, r.stderr.decode().strip()))
    return r.stdout.decode()


def click(x, px, py, button=1):
    """Move the pointer to (px, py) and click ``button`` (xdotool, no window manager needed).
    No --sync: it waits forever when the pointer is already there."""
    _xdotool(x, "mousemove", int(px), int(py), "click", int(button))


def left_click(x, px, py):
    """Left click at absolute (px, py)."""
    click(x, px, py, 1)


def right_click(x, px, py):
    """Right click at absolute (px, py)."""
    click(x, px, py, 3)


def key(x, *keys):
    """Send key presses (xdotool key names, e.g. "Escape", "Down", "Return")."""
    _xdotool(x, "key", *keys)


def close_window(x, wid):
    """Ask top-level window ``wid`` to close, as a window manager's close button does: a
    WM_DELETE_WINDOW ClientMessage (ICCCM). Works without a window manager; the app decides
    (wx: wxEVT_CLOSE_WINDOW). Raises RuntimeError when the window does not take
    WM_DELETE_WINDOW."""
    from Xlib import X as XC, protocol
    d = x.xdisplay()
    w = d.create_resource_object("window", int(wid))
    delete = d.intern_atom("WM_DELETE_WINDOW")
    if delete not in (w.get_wm_protocols() or []):
        raise RuntimeError("window 0x%x does not support WM_DELETE_WINDOW" % int(wid))
    ev = protocol.event.ClientMessage(window=w, client_type=d.intern_atom("WM_PROTOCOLS"),
                                      data=(32, [delete, XC.CurrentTime, 0, 0, 0]))
    w.send_event(ev, event_mask=XC.NoEventMask)
    d.flush()


def screenshot(x, path, window=None, crop=None, timeout=60.0):
    """Save a PNG of the root window (or window id ``window``) to ``path`` with imagemagick's
    ``import``; ``crop`` = (x, y, width, height) in the captured image's coordinates (a
    geometry dict works too). Returns ``path``."""
    argv = ["import", "-window", "root" if window is None else "0x%x" % int(window)]
    if crop is not None:
        if isinstance(crop, dict):
            crop = (crop["x"], crop["y"], crop["width"], crop["height"])
        cx, cy, cw, ch = (int(v) for v in crop)
        argv += ["-crop", "%dx%d+%d+%d" % (cw, ch, cx, cy), "+repage"]
    argv.append(path)
    r = subprocess.run(argv, env=x.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    if r.returncode != 0 or not os.path.exists(path):
        raise RuntimeError("screenshot failed (%d): %s" % (r.returncode, r.stderr.decode()))
    return path


# ---------------------------------------------------------------------------------------------
# memory


def rss_kib(pid, children=False):
    """Resident set size (VmRSS, KiB) of ``pid`` from /proc/PID/status; with ``children``, summed
    over its live descendants too. 0 for a process that is gone (or a zombie)."""
    def one(p):
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0
    total = one(pid)
    if children:
        total += sum(one(c) for c in descendants(pid))
    return total


# ---------------------------------------------------------------------------------------------
# session bus


@contextlib.contextmanager
def session_bus(env=None, timeout=60.0, services=None):
    """Context manager: a private ``dbus-daemon --session --nofork --print-address``; yields its
    address. On exit the daemon and everything it activated (at-spi bus launcher, its own bus,
    the registry...) are killed. ``env``: environment for the daemon (and so for the services it
    activates: give X's env to let them reach the display). ``services``: when given, the bus
    can start only these services (names of /usr/share/dbus-1/services/NAME.service) instead of
    every installed one; for example without dunst's, no notification server answers."""
    procs = Procs("bus")
    confdir = None
    try:
        argv = ["dbus-daemon", "--session", "--nofork", "--print-address"]
        if services is not None:
            confdir = tempfile.mkdtemp(prefix="fixtray-bus.")
            servicedir = os.path.join(confdir, "services")
            os.mkdir(servicedir)
            for name in services:
                shutil.copy("/usr/share/dbus-1/services/%s.service" % name, servicedir)
            conf = os.path.join(confdir, "session.conf")
            with open(conf, "w") as f:
                f.write('<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration '
                        '1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/'
                        'busconfig.dtd">\n'
                        "<busconfig><type>session</type><keep_umask/>"
                        "<listen>unix:tmpdir=/tmp</listen>"
                        "<auth>EXTERNAL</auth>"
                        "<servicedir>%s</servicedir>"
                        '<policy context="default"><allow send_destination="*" eavesdrop="true"/>'
                        '<allow eavesdrop="true"/><allow own="*"/></policy>'
                        "</busconfig>\n" % servicedir)
            argv = ["dbus-daemon", "--config-file=" + conf, "--nofork", "--print-address"]
        p = procs.start(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line, _ = wait_for_line(p, r"^\S+:", timeout, "dbus-daemon's address")
        yield line.strip()
    finally:
        procs.kill_all()
        if confdir:
            shutil.rmtree(confdir, ignore_errors=True)


def leftovers(token):
    """Live processes (pid, command line) carrying ``token`` in their environment: what a
    finished test must not leave behind."""
    out = []
    for p in processes_with_token(token):
        try:
            with open("/proc/%d/cmdline" % p, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        out.append((p, cmd))
    return out
