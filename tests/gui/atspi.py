"""atspi: drive a GTK app through its accessibility tree (python3-pyatspi), for headless GUI
tests. Run with Debian's /usr/bin/python3.

The app and this process must share a session bus whose AT-SPI bus the app activates (a private
``guitest.session_bus``) and an X display. ``connect(bus_address, display)`` sets
DBUS_SESSION_BUS_ADDRESS and DISPLAY in this process *before* pyatspi is imported (libatspi
finds the accessibility bus through them once, at import), so call it first.

Caching: libatspi (2.46) uses its property cache only while a GLib main loop runs
(``atspi_event_main``) or once anyone calls ``set_cache_mask``; a test that polls without a main
loop therefore reads every name, state and child from the app, always current. Do NOT call
``Accessible.set_cache_mask``: it turns caching on, and libatspi's cache handlers then make
blocking calls from inside its re-entrant dispatch, which deadlocks on libdbus' dispatch lock
(seen here: the test hung for good in atspi_state_set_contains). ``pump()`` dispatches what
arrived between calls.

Every lookup is by role and accessible name (what ``set_accessible`` sets in the app, or a
label's text); ``find`` raises ``NotFound`` naming what it looked for and what it saw.
"""

import os
import time

pyatspi = None   # imported by connect()
Atspi = None
GLib = None


class NotFound(LookupError):
    pass


def connect(bus_address, display):
    """Point this process at the test's session bus and display, then import pyatspi."""
    global pyatspi, Atspi, GLib
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = bus_address
    os.environ["DISPLAY"] = display
    os.environ.pop("NO_AT_BRIDGE", None)
    if pyatspi is None:
        import gi
        gi.require_version("Atspi", "2.0")
        from gi.repository import Atspi as _Atspi, GLib as _GLib
        import pyatspi as _pyatspi
        pyatspi, Atspi, GLib = _pyatspi, _Atspi, _GLib
        # A slow app (a loaded 2-core machine) must not make calls fail: 60 s per D-Bus call.
        with_timeout = getattr(Atspi, "set_timeout", None)
        if with_timeout:
            with_timeout(60000, 60000)
    return pyatspi


def pump():
    """Dispatch what libatspi received (events) without blocking."""
    if GLib is not None:
        ctx = GLib.MainContext.default()
        for _ in range(1000):
            if not ctx.iteration(False):
                break


def desktop():
    return pyatspi.Registry.getDesktop(0)


def applications():
    """[(name, accessible)] of the applications registered on the accessibility bus."""
    out = []
    d = desktop()
    for i in range(d.childCount):
        try:
            a = d.getChildAtIndex(i)
            if a is not None:
                out.append((a.name, a))
        except Exception:   # an app that just left
            continue
    return out


def find_app(name, pid=None):
    """The application accessible named ``name`` (and with process id ``pid`` if given), or
    None."""
    for n, a in applications():
        if n != name:
            continue
        if pid is not None:
            try:
                if a.get_process_id() != pid:
                    continue
            except Exception:
                continue
        return a
    return None


# ---------------------------------------------------------------------------------------------
# the tree


def role(acc):
    try:
        return acc.getRoleName()
    except Exception:
        return "?"


def name(acc):
    try:
        return acc.name or ""
    except Exception:
        return ""


def states(acc):
    try:
        return acc.getState()
    except Exception:
        return None


def has_state(acc, state):
    s = states(acc)
    return bool(s and s.contains(state))


def showing(acc):
    """Visible and showing (on screen): hidden wx controls stay in the tree without these."""
    s = states(acc)
    return bool(s and s.contains(pyatspi.STATE_SHOWING) and s.contains(pyatspi.STATE_VISIBLE))


def enabled(acc):
    s = states(acc)
    return bool(s and s.contains(pyatspi.STATE_ENABLED) and s.contains(pyatspi.STATE_SENSITIVE))


def children(acc):
    out = []
    try:
        n = acc.childCount
    except Exception:
        return out
    for i in range(n):
        try:
            c = acc.getChildAtIndex(i)
        except Exception:
            continue
        if c is not None:
            out.append(c)
    return out


# Roles whose children are cells (tables, trees, lists): not walked unless asked, a big table
# has many; find cells with ``cells()``.
_CELL_PARENTS = {"table", "tree table", "tree", "list", "list box"}


def walk(acc, into_tables=False, max_depth=60):
    """Depth-first: acc and every descendant (not the cells of tables unless ``into_tables``)."""
    stack = [(acc, 0)]
    while stack:
        a, depth = stack.pop()
        yield a
        if depth >= max_depth:
            continue
        if not into_tables and role(a) in _CELL_PARENTS:
            continue
        kids = children(a)
        for c in reversed(kids):
            stack.append((c, depth + 1))


def find_all(root, role_name=None, name_is=None, name_contains=None, only_showing=False,
             into_tables=False):
    out = []
    for a in walk(root, into_tables=into_tables):
        if role_name is not None and role(a) != role_name:
            continue
        n = name(a)
        if name_is is not None and n != name_is:
            continue
        if name_contains is not None and name_contains not in n:
            continue
        if only_showing and not showing(a):
            continue
        out.append(a)
    return out


def describe(root, into_tables=False, max_lines=400):
    """The tree as indented text (role, name, a few states): for error messages and logs."""
    lines = []

    def rec(a, depth):
        if len(lines) >= max_lines:
            return
        s = states(a)
        flags = []
        if s is not None:
            for st, word in ((pyatspi.STATE_SHOWING, "showing"), (pyatspi.STATE_SENSITIVE,
                             "sensitive"), (pyatspi.STATE_SELECTED, "selected"),
                             (pyatspi.STATE_FOCUSED, "focused")):
                if s.contains(st):
                    flags.append(word)
        text = ""
        if role(a) in ("label", "text", "entry", "password text", "table cell", "status bar"):
            t = text_of(a)
            if t and t != name(a):
                text = " text=%r" % t[:120]
        lines.append("%s[%s] %r%s %s" % ("  " * depth, role(a), name(a), text,
                                          ",".join(flags)))
        if not into_tables and role(a) in _CELL_PARENTS:
            lines.append("%s  (%d children)" % ("  " * depth, len(children(a))))
            return
        for c in children(a):
            rec(c, depth + 1)
    rec(root, 0)
    if len(lines) >= max_lines:
        lines.append("...")
    return "\n".join(lines)


def find(root, role_name, name_is, only_showing=True, into_tables=False):
    """The first (depth-first) accessible with this role and exact name, showing unless
    ``only_showing`` is False. Raises NotFound with the candidates of that role."""
    hits = find_all(root, role_name, name_is, only_showing=only_showing,
                    into_tables=into_tables)
    if hits:
        return hits[0]
    seen = ["%r%s" % (name(a), "" if showing(a) else " (not showing)")
            for a in find_all(root, role_name, into_tables=into_tables)]
    raise NotFound("no %s%s named %r; %ss there: %s"
                   % ("showing " if only_showing else "", role_name, name_is, role_name,
                      ", ".join(seen) or "none"))


def wait_find(root_fn, role_name, name_is, timeout, only_showing=True, enabled_too=False,
              into_tables=False):
    """Poll until ``find`` succeeds under ``root_fn()`` (a callable, so a window that appears
    later is looked up again) and, with ``enabled_too``, the control is enabled."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        pump()
        try:
            root = root_fn()
            if root is None:
                raise NotFound("its window is not there")
            a = find(root, role_name, name_is, only_showing=only_showing,
                     into_tables=into_tables)
            if not enabled_too or enabled(a):
                return a
            last = NotFound("%s %r is there but not enabled" % (role_name, name_is))
        except NotFound as e:
            last = e
        except Exception as e:   # the tree changed under us: try again
            last = e
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.0f s waiting for %s %r%s: %s"
                               % (timeout, role_name, name_is,
                                  " (enabled)" if enabled_too else "", last))
        time.sleep(0.1)


def wait_until(fn, timeout, what, interval=0.1):
    """Poll ``fn()`` (pumping events) until truthy; return it. TimeoutError names ``what`` and
    the last value or error."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        pump()
        try:
            v = fn()
            if v:
                return v
            last = v
        except Exception as e:
            last = e
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.0f s waiting for %s (last: %r)"
                               % (timeout, what, last))
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------
# interfaces


def text_of(acc):
    """The Text interface's whole text, else the name."""
    try:
        t = acc.queryText()
        return t.getText(0, -1)
    except Exception:
        return name(acc)


def set_text(acc, value):
    """Replace the text of an editable control through EditableText."""
    et = acc.queryEditableText()
    if not et.setTextContents(value):
        raise RuntimeError("EditableText.setTextContents refused on %s %r" % (role(acc),
                                                                             name(acc)))


def action_names(acc):
    try:
        a = acc.queryAction()
    except NotImplementedError:
        return []
    return [a.getName(i) for i in range(a.nActions)]


def do_action(acc, *names):
    """Perform the first of ``names`` the accessible offers ("click", "press", "activate"...).
    Raises RuntimeError when it offers none of them or the app refuses."""
    a = acc.queryAction()
    offered = [a.getName(i) for i in range(a.nActions)]
    for want in names:
        if want in offered:
            if not a.doAction(offered.index(want)):
                raise RuntimeError("action %r refused by %s %r" % (want, role(acc), name(acc)))
            return want
    raise RuntimeError("%s %r offers none of %s (it offers %s)" % (role(acc), name(acc),
                                                                   list(names), offered))


def press(acc):
    """Press a button: its "click" action (GTK buttons), else "press"/"activate"."""
    if not enabled(acc):
        raise RuntimeError("%s %r is not enabled" % (role(acc), name(acc)))
    return do_action(acc, "click", "activate", "press")


def cells(table):
    """The cells (direct children) of a table / tree table accessible."""
    return [c for c in children(table) if role(c) in ("table cell", "tree item", "list item")]


def table_rows(table):
    """Rows as lists of cell texts, through the Table interface (header cells excluded)."""
    t = table.queryTable()
    rows = []
    for r in range(t.nRows):
        row = []
        for c in range(t.nColumns):
            cell = t.getAccessibleAt(r, c)
            row.append(text_of(cell) if cell is not None else "")
        rows.append(row)
    return rows


def select_row(table, row):
    """Select table row ``row`` through the Table interface (selectRow), falling back to the
    Selection interface on its first cell. A row already selected (GTK selects the cursor's row
    when the table takes the focus) is left as it is."""
    t = table.queryTable()
    try:
        if t.isRowSelected(row) or t.addRowSelection(row):
            return
    except Exception:
        pass
    cell = t.getAccessibleAt(row, 0)
    idx = cell.getIndexInParent()
    if not table.querySelection().selectChild(idx):
        raise RuntimeError("could not select row %d of %r" % (row, name(table)))


def selected_rows(table):
    try:
        return list(table.queryTable().getSelectedRows())
    except Exception:
        return []
