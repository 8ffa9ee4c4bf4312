#!/usr/bin/python3
"""A StatusNotifierWatcher (and host) for tests, plus a client that reads and clicks SNI items.

Run it with Debian's /usr/bin/python3 (python3-dbus, python3-gi).

Server side -- owns ``org.kde.StatusNotifierWatcher`` on a session bus, exactly like a desktop's
tray would, so that an app using libayatana-appindicator (or its own SNI code) shows its item:

* in-process:  ``w = Watcher.start_thread(address)`` ... ``w.stop()``  (or ``with``)
  The watcher runs a GLib main loop on a background thread, on its own private connection.
  It uses the *default* GLib main context: do not run another GLib main loop in the same
  process at the same time (use the subprocess form then).
* subprocess:  ``w = Watcher.start_process(address)`` ... ``w.stop()``  (or ``with``)
  runs ``sni_watcher.py --serve`` and waits for its "watching" line.

Client side -- ``SniClient(address)`` talks D-Bus only (blocking calls, no main loop), so it
works with either server form and from any thread:
``items()``, ``item_properties(item)``, ``menu_layout(item, open_submenus=False)``,
``open_submenu(item, id)``, ``click(item, label_or_id)``, ``wait_for_item(timeout)``, ``dump()``.
Submenus are opened the way hosts open them (AboutToShow, then the layout again): an app may
fill a submenu only when it is about to be shown.

An *item* is the string the watcher keeps, "<bus name><object path>", for example
":1.7/org/ayatana/NotificationItem/minimal_tray" (the form KDE's watcher uses too).

CLI (the bus is $DBUS_SESSION_BUS_ADDRESS unless --address is given):
  sni_watcher.py --serve              print "watching" once the name is owned, serve until killed
  sni_watcher.py --dump [--wait S]    print items, their properties and menu trees as JSON
                                      (every submenu opened, as a host opens it)
  sni_watcher.py --click LABEL [--item ITEM] [--wait S]
                                      click a menu entry (by label or numeric id) over dbusmenu
"""

import argparse
import collections
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time

import dbus
import dbus.bus
import dbus.service
import dbus.mainloop.glib
from gi.repository import GLib

WATCHER_NAME = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
WATCHER_IFACE = "org.kde.StatusNotifierWatcher"
ITEM_IFACE = "org.kde.StatusNotifierItem"
MENU_IFACE = "com.canonical.dbusmenu"
PROPS_IFACE = "org.freedesktop.DBus.Properties"
DEFAULT_ITEM_PATH = "/StatusNotifierItem"

# Errors that mean "the peer went away", which is what a click on "Quit" may well cause.
PEER_GONE_ERRORS = {
    "org.freedesktop.DBus.Error.NoReply",
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.Disconnected",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
}

_INTROSPECT_XML = """<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
  <interface name="org.kde.StatusNotifierWatcher">
    <method name="RegisterStatusNotifierItem"><arg name="service" type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg name="service" type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
    <signal name="StatusNotifierHostUnregistered"/>
  </interface>
  <interface name="org.freedesktop.DBus.Properties">
    <method name="Get"><arg type="s" direction="in"/><arg type="s" direction="in"/>
      <arg type="v" direction="out"/></method>
    <method name="GetAll"><arg type="s" direction="in"/><arg type="a{sv}" direction="out"/></method>
    <method name="Set"><arg type="s" direction="in"/><arg type="s" direction="in"/>
      <arg type="v" direction="in"/></method>
    <signal name="PropertiesChanged"><arg type="s"/><arg type="a{sv}"/><arg type="as"/></signal>
  </interface>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect"><arg type="s" direction="out"/></method>
  </interface>
</node>
"""


def to_python(value):
    """Convert dbus-python values (nested) to plain Python types, for JSON and comparisons."""
    if isinstance(value, (dbus.String, dbus.ObjectPath, dbus.Signature)):
        return str(value)
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.Byte, dbus.Int16, dbus.Int32, dbus.Int64, dbus.UInt16,
                          dbus.UInt32, dbus.UInt64)):
        return int(value)
    if isinstance(value, dbus.Double):
        return float(value)
    if isinstance(value, dbus.Dictionary):
        return {to_python(k): to_python(v) for k, v in value.items()}
    if isinstance(value, (dbus.Array, dbus.Struct, list, tuple)):
        return [to_python(v) for v in value]
    return value


def split_item(item):
    """Split an item string "<bus name>/<path>" into (bus_name, object_path)."""
    i = item.find("/")
    if i <= 0:
        return item, DEFAULT_ITEM_PATH
    return item[:i], item[i:]


# ---------------------------------------------------------------------------------------------
# Server


class _WatcherObject(dbus.service.Object):
    """The org.kde.StatusNotifierWatcher object itself (lives on the watcher's loop thread)."""

    def __init__(self, conn, log=None):
        super().__init__(conn, WATCHER_PATH)
        self._conn = conn
        self._items = []          # item strings, in registration order
        self._hosts = []
        self._log = log or (lambda msg: None)
        conn.add_signal_receiver(self._name_owner_changed, signal_name="NameOwnerChanged",
                                 dbus_interface="org.freedesktop.DBus",
                                 bus_name="org.freedesktop.DBus",
                                 path="/org/freedesktop/DBus")

    # -- bookkeeping
    def _name_owner_changed(self, name, old, new):
        if new:
            return
        for item in [i for i in self._items if split_item(i)[0] in (name, old)]:
            self._items.remove(item)
            self._log("item gone: %s" % item)
            self.StatusNotifierItemUnregistered(item)
        for host in [h for h in self._hosts if h in (name, old)]:
            self._hosts.remove(host)

    def _props(self):
        return {
            "RegisteredStatusNotifierItems": dbus.Array(self._items, signature="s"),
            "IsStatusNotifierHostRegistered": dbus.Boolean(True),
            "ProtocolVersion": dbus.Int32(0),
        }

    # -- org.kde.StatusNotifierWatcher
    @dbus.service.method(WATCHER_IFACE, in_signature="s", out_signature="",
                         sender_keyword="sender")
    def RegisterStatusNotifierItem(self, service, sender=None):
        """libayatana passes an object path (the item lives on the sender's connection); other
        clients pass a bus name (the item is at /StatusNotifierItem on that name)."""
        service = str(service)
        if service.startswith("/"):
            item = "%s%s" % (sender, service)
        else:
            item = "%s%s" % (service, DEFAULT_ITEM_PATH)
        if item not in self._items:
            self._items.append(item)
            self._log("item registered: %s" % item)
            self.StatusNotifierItemRegistered(item)
            self.PropertiesChanged(WATCHER_IFACE, {"RegisteredStatusNotifierItems":
                                                   dbus.Array(self._items, signature="s")}, [])

    @dbus.service.method(WATCHER_IFACE, in_signature="s", out_signature="",
                         sender_keyword="sender")
    def RegisterStatusNotifierHost(self, service, sender=None):
        host = str(service) if not str(service).startswith("/") else str(sender)
        if host not in self._hosts:
            self._hosts.append(host)
        self.StatusNotifierHostRegistered()

    @dbus.service.signal(WATCHER_IFACE, signature="s")
    def StatusNotifierItemRegistered(self, item):
        pass

    @dbus.service.signal(WATCHER_IFACE, signature="s")
    def StatusNotifierItemUnregistered(self, item):
        pass

    @dbus.service.signal(WATCHER_IFACE, signature="")
    def StatusNotifierHostRegistered(self):
        pass

    @dbus.service.signal(WATCHER_IFACE, signature="")
    def StatusNotifierHostUnregistered(self):
        pass

    # -- org.freedesktop.DBus.Properties
    @dbus.service.method(PROPS_IFACE, in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        props = self._props()
        if interface != WATCHER_IFACE or name not in props:
            raise dbus.exceptions.DBusException(
                "no property %s.%s" % (interface, name),
                name="org.freedesktop.DBus.Error.UnknownProperty")
        return props[name]

    @dbus.service.method(PROPS_IFACE, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        if interface not in (WATCHER_IFACE, ""):
            return dbus.Dictionary({}, signature="sv")
        return dbus.Dictionary(self._props(), signature="sv")

    @dbus.service.method(PROPS_IFACE, in_signature="ssv", out_signature="")
    def Set(self, interface, name, value):
        raise dbus.exceptions.DBusException(
            "read-only property %s.%s" % (interface, name),
            name="org.freedesktop.DBus.Error.PropertyReadOnly")

    @dbus.service.signal(PROPS_IFACE, signature="sa{sv}as")
    def PropertiesChanged(self, interface, changed, invalidated):
        pass

    @dbus.service.method("org.freedesktop.DBus.Introspectable", in_signature="",
                         out_signature="s")
    def Introspect(self):
        return _INTROSPECT_XML


class Watcher:
    """A running test StatusNotifierWatcher: in-process (thread) or a subprocess.

    Use the constructors ``Watcher.start_thread(address)`` / ``Watcher.start_process(address)``;
    both return once ``org.kde.StatusNotifierWatcher`` is owned on that bus, and raise
    ``RuntimeError`` if it cannot be owned within ``timeout`` seconds. ``stop()`` (or leaving a
    ``with`` block) releases the name and ends the thread or the process.
    """

    def __init__(self):
        self.address = None
        self.process = None       # subprocess form
        self._thread = None       # thread form
        self._loop = None
        self._conn = None
        self._error = None

    # -- in-process
    @classmethod
    def start_thread(cls, address, timeout=30.0, log=None):
        """Serve on a background thread (own private connection, default GLib context)."""
        self = cls()
        self.address = address
        ready = threading.Event()
        dbus.mainloop.glib.threads_init()

        def run():
            try:
                self._loop = GLib.MainLoop()
                conn = dbus.bus.BusConnection(address,
                                              mainloop=dbus.mainloop.glib.DBusGMainLoop())
                self._conn = conn
                self._obj = _WatcherObject(conn, log)
                reply = conn.request_name(WATCHER_NAME, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
                if reply not in (dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER,
                                 dbus.bus.REQUEST_NAME_REPLY_ALREADY_OWNER):
                    raise RuntimeError("%s is already owned on %s" % (WATCHER_NAME, address))
            except Exception as e:  # reported to the starting thread
                self._error = e
                ready.set()
                return
            ready.set()
            self._loop.run()
            try:
                conn.release_name(WATCHER_NAME)
            except dbus.exceptions.DBusException:
                pass
            conn.close()

        self._thread = threading.Thread(target=run, name="sni-watcher", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise RuntimeError("watcher thread did not own %s within %.0f s"
                               % (WATCHER_NAME, timeout))
        if self._error:
            raise RuntimeError("watcher could not start: %s" % self._error)
        return self

    # -- subprocess
    @classmethod
    def start_process(cls, address, timeout=30.0, env=None, popen=None):
        """Run ``sni_watcher.py --serve`` on ``address``; return once it prints "watching".

        ``popen`` (optional) is a callable with subprocess.Popen's signature used to start it,
        e.g. guitest's ``Procs.start`` so that the harness's cleanup also covers it.
        """
        self = cls()
        self.address = address
        env = dict(env if env is not None else os.environ)
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        argv = [sys.executable if sys.executable else "/usr/bin/python3",
                os.path.abspath(__file__), "--serve"]
        starter = popen or subprocess.Popen
        self.process = starter(argv, env=env, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        buf = b""
        fd = self.process.stdout.fileno()
        while b"watching\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                raise RuntimeError("sni_watcher --serve did not say 'watching' within %.0f s"
                                   % timeout)
            r, _, _ = select.select([fd], [], [], min(left, 0.5))
            if r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    rc = self.process.wait()
                    raise RuntimeError("sni_watcher --serve exited with %s before 'watching' "
                                       "(output: %r)" % (rc, buf))
                buf += chunk
        return self

    def stop(self, timeout=10.0):
        """Release the name and end the thread or process (idempotent)."""
        if self._thread is not None:
            if self._loop is not None:
                self._loop.quit()
            self._thread.join(timeout)
            self._thread = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            if self.process.stdout:
                self.process.stdout.close()
            self.process = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


def serve(address, announce=True):
    """Serve in this process until SIGTERM/SIGINT (the CLI's --serve)."""
    dbus.mainloop.glib.threads_init()
    loop = GLib.MainLoop()
    conn = dbus.bus.BusConnection(address, mainloop=dbus.mainloop.glib.DBusGMainLoop())
    watcher = _WatcherObject(conn, log=lambda m: print(m, file=sys.stderr, flush=True))
    reply = conn.request_name(WATCHER_NAME, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
    if reply not in (dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER,
                     dbus.bus.REQUEST_NAME_REPLY_ALREADY_OWNER):
        print("sni_watcher: %s is already owned" % WATCHER_NAME, file=sys.stderr)
        return 1
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, lambda *a: (loop.quit(), False)[1])
    if announce:
        print("watching", flush=True)
    loop.run()
    watcher.remove_from_connection()
    try:
        conn.release_name(WATCHER_NAME)
    except dbus.exceptions.DBusException:
        pass
    return 0


# ---------------------------------------------------------------------------------------------
# Client

MenuNode = collections.namedtuple("MenuNode", "id label enabled visible children submenu",
                                  defaults=(False,))
MenuNode.__doc__ = """One dbusmenu entry: numeric id, label as sent (mnemonic underscores kept),
enabled/visible (dbusmenu defaults: True), children (list of MenuNode), submenu (its
children-display is "submenu": it opens a submenu, which may get its children only when a host
sends AboutToShow for it). The root has id 0."""


def _strip_mnemonic(label):
    """'_Quit' -> 'Quit', 'A__B' -> 'A_B' (dbusmenu marks mnemonics with '_')."""
    out, i = [], 0
    while i < len(label):
        c = label[i]
        if c == "_":
            if i + 1 < len(label) and label[i + 1] == "_":
                out.append("_")
                i += 2
                continue
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def menu_to_dict(node):
    """A MenuNode tree as plain dicts (for JSON)."""
    return {"id": node.id, "label": node.label, "enabled": node.enabled,
            "visible": node.visible, "submenu": node.submenu,
            "children": [menu_to_dict(c) for c in node.children]}


class SniClient:
    """Reads and drives SNI items through the watcher on a bus (blocking D-Bus calls).

    ``address``: the bus address (default $DBUS_SESSION_BUS_ADDRESS). ``call_timeout``: seconds
    for each D-Bus call.
    """

    def __init__(self, address=None, call_timeout=10.0):
        address = address or os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        if not address:
            raise RuntimeError("no bus address (give one or set DBUS_SESSION_BUS_ADDRESS)")
        self.address = address
        self.call_timeout = call_timeout
        self.conn = dbus.bus.BusConnection(address)

    def close(self):
        """Close the client's connection."""
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _call(self, bus_name, path, iface, method, *args, signature=None):
        obj = self.conn.get_object(bus_name, path, introspect=False)
        return getattr(dbus.Interface(obj, iface), method)(
            *args, signature=signature, timeout=self.call_timeout)

    def watcher_present(self):
        """True when some connection owns org.kde.StatusNotifierWatcher."""
        return bool(self._call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "NameHasOwner", WATCHER_NAME))

    def items(self):
        """The watcher's RegisteredStatusNotifierItems, as a list of item strings."""
        v = self._call(WATCHER_NAME, WATCHER_PATH, PROPS_IFACE, "Get", WATCHER_IFACE,
                       "RegisteredStatusNotifierItems")
        return [str(i) for i in v]

    def item_properties(self, item):
        """Id, Title, Status, IconName, IconThemePath, ToolTip, Menu (and whatever else the item
        has: Category, AttentionIconName, ...) as plain Python values."""
        name, path = split_item(item)
        props = self._call(name, path, PROPS_IFACE, "GetAll", ITEM_IFACE)
        out = to_python(props)
        for key in ("Id", "Title", "Status", "IconName", "IconThemePath", "ToolTip", "Menu"):
            out.setdefault(key, None)
        return out

    def menu_layout(self, item, open_submenus=False, timeout=10.0):
        """The item's menu as a MenuNode tree, read with com.canonical.dbusmenu
        GetLayout(0, -1, []). With ``open_submenus``, every submenu that has no children yet is
        opened as a host opens it when the employee points at it: AboutToShow(id), then its
        layout read again until the children are there (at most ``timeout`` seconds each; an
        app may fill a submenu only then)."""
        name, _ = split_item(item)
        menu_path = self.item_properties(item)["Menu"]
        if not menu_path:
            raise RuntimeError("item %s has no Menu property" % item)
        root = self._layout(name, menu_path, 0)
        if open_submenus:
            root = self._open_all(name, menu_path, root, timeout)
        return root

    def _layout(self, name, menu_path, node_id):
        _rev, layout = self._call(name, menu_path, MENU_IFACE, "GetLayout",
                                  dbus.Int32(node_id), dbus.Int32(-1),
                                  dbus.Array([], signature="s"), signature="iias")

        def build(node):
            nid, props, children = node
            props = to_python(props)
            return MenuNode(int(nid), props.get("label", ""), bool(props.get("enabled", True)),
                            bool(props.get("visible", True)),
                            [build(c) for c in children],
                            props.get("children-display") == "submenu")
        return build(layout)

    def open_submenu(self, item, node_id, timeout=10.0):
        """Open one submenu as a host does (AboutToShow), and return its node once it has
        children (TimeoutError otherwise)."""
        name, _ = split_item(item)
        menu_path = self.item_properties(item)["Menu"]
        return self._open(name, menu_path, node_id, timeout)

    def _open(self, name, menu_path, node_id, timeout):
        self._call(name, menu_path, MENU_IFACE, "AboutToShow", dbus.Int32(node_id),
                   signature="i")
        deadline = time.monotonic() + timeout
        while True:
            node = self._layout(name, menu_path, node_id)
            if node.children:
                return node
            if time.monotonic() >= deadline:
                raise TimeoutError("submenu %d (%r) still empty %.0f s after AboutToShow"
                                   % (node_id, node.label, timeout))
            time.sleep(0.05)

    def _open_all(self, name, menu_path, node, timeout):
        if node.submenu and not node.children:
            node = self._open(name, menu_path, node.id, timeout)
        return node._replace(children=[self._open_all(name, menu_path, c, timeout)
                                       for c in node.children])

    def find_entry(self, item, label_or_id):
        """(node, parent id) of the menu entry whose id or label (with or without its mnemonic
        underscores) matches, looked for in every submenu (opened as a host opens them);
        raises LookupError listing the labels it has otherwise."""
        root = self.menu_layout(item, open_submenus=True)
        found = []

        def walk(node, parent):
            for c in node.children:
                if (isinstance(label_or_id, int) and c.id == label_or_id) or (
                        isinstance(label_or_id, str) and label_or_id in (
                            c.label, _strip_mnemonic(c.label))):
                    found.append((c, node.id))
                walk(c, node.id)
        walk(root, 0)
        if not found:
            labels = []

            def collect(n):
                for c in n.children:
                    labels.append("%d:%r" % (c.id, c.label))
                    collect(c)
            collect(root)
            raise LookupError("no menu entry %r in %s (entries: %s)"
                              % (label_or_id, item, ", ".join(labels) or "none"))
        return found[0]

    def click(self, item, label_or_id):
        """Click a menu entry as a host does: AboutToShow(parent) then
        Event(id, "clicked", <int32 0>, 0). Returns the entry's id. A reply lost because the app
        quit in response (NoReply, ServiceUnknown, ...) is not an error."""
        name, _ = split_item(item)
        menu_path = self.item_properties(item)["Menu"]
        node, parent = self.find_entry(item, label_or_id)
        self._call(name, menu_path, MENU_IFACE, "AboutToShow", dbus.Int32(parent),
                   signature="i")
        try:
            self._call(name, menu_path, MENU_IFACE, "Event", dbus.Int32(node.id), "clicked",
                       dbus.Int32(0, variant_level=1), dbus.UInt32(0), signature="isvu")
        except dbus.exceptions.DBusException as e:
            if e.get_dbus_name() not in PEER_GONE_ERRORS:
                raise
        return node.id

    def wait_for_item(self, timeout=30.0, predicate=None, interval=0.1):
        """Wait until the watcher has an item (for which ``predicate(item)`` is true, if given);
        return it. Raises TimeoutError naming the items seen."""
        deadline = time.monotonic() + timeout
        seen, last_err = [], None
        while True:
            try:
                seen = self.items()
                for it in seen:
                    if predicate is None or predicate(it):
                        return it
            except dbus.exceptions.DBusException as e:
                last_err = e
            if time.monotonic() >= deadline:
                raise TimeoutError("no SNI item within %.0f s (items seen: %s%s)" % (
                    timeout, seen, "; last error: %s" % last_err if last_err else ""))
            time.sleep(interval)

    def wait_for_no_item(self, item, timeout=30.0, interval=0.1):
        """Wait until ``item`` is no longer registered (its owner left the bus)."""
        deadline = time.monotonic() + timeout
        while item in self.items():
            if time.monotonic() >= deadline:
                raise TimeoutError("item %s still registered after %.0f s" % (item, timeout))
            time.sleep(interval)

    def dump(self):
        """Everything as plain data: {"items": [{"item", "properties", "menu"}]}."""
        out = []
        for it in self.items():
            entry = {"item": it}
            try:
                entry["properties"] = self.item_properties(it)
                entry["menu"] = menu_to_dict(self.menu_layout(it, open_submenus=True))
            except (dbus.exceptions.DBusException, RuntimeError, TimeoutError) as e:
                entry["error"] = str(e)
            out.append(entry)
        return {"items": out}


# ---------------------------------------------------------------------------------------------
# CLI


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--serve", action="store_true", help="own the watcher name and serve")
    mode.add_argument("--dump", action="store_true", help="print items, properties, menus (JSON)")
    mode.add_argument("--click", metavar="LABEL", help="click a menu entry (label or id)")
    ap.add_argument("--address", help="bus address (default $DBUS_SESSION_BUS_ADDRESS)")
    ap.add_argument("--item", help="item string (default: the first registered item)")
    ap.add_argument("--wait", type=float, default=0.0,
                    help="for --dump/--click: wait up to S seconds for an item")
    a = ap.parse_args(argv)
    address = a.address or os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if not address:
        ap.error("no bus: give --address or set DBUS_SESSION_BUS_ADDRESS")
    if a.serve:
        return serve(address)
    with SniClient(address) as c:
        try:
            if a.wait > 0:
                c.wait_for_item(a.wait, predicate=(lambda i: i == a.item) if a.item else None)
            if a.dump:
                print(json.dumps(c.dump(), indent=2, sort_keys=True))
                return 0
            item = a.item or (c.items() or [None])[0]
            if not item:
                print("sni_watcher: no item registered", file=sys.stderr)
                return 1
            target = int(a.click) if a.click.lstrip("-").isdigit() else a.click
            nid = c.click(item, target)
            print("clicked %d in %s" % (nid, item))
            return 0
        except (dbus.exceptions.DBusException, LookupError, TimeoutError, RuntimeError) as e:
            print("sni_watcher: %s" % e, file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
