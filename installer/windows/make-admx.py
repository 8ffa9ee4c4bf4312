#!/usr/bin/env python3
"""Writes the Group Policy templates installer/windows/fixtray.admx and
installer/windows/en-US/fixtray.adml from the one key list, installer/config/keys.json: one
policy per key, each key's description as the policy's explanation.

Registry mapping (src/core/app/managed_policy.cpp reads exactly this; keep them together):
  a.b.c  string, choice    key SOFTWARE\\Policies\\fixtray\\a\\b, REG_SZ value c (<text>, <enum>)
  a.b.c  integer           the same, REG_DWORD value c (<decimal> with the range the config
                           readers accept: src/core/feed/feed_config.cpp,
                           src/core/escalation/escalation_config.cpp)
  a.b.c  boolean           the same, REG_DWORD value c: 1 enabled, 0 disabled
  a.b.c  list              key ...\\a\\b\\c, REG_SZ values 1, 2, 3 ... (<list valuePrefix="">)
  a.b    map               key ...\\a\\b, name = value REG_SZ values (<list explicitValue="true">)

Usage: make-admx.py            write both files
       make-admx.py --check    exit 1 (saying which) when a file differs from what it would write
"""
import json
import sys
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

HERE = Path(__file__).resolve().parent
SRC = HERE.parent.parent
BASE = "SOFTWARE\\Policies\\fixtray"
NS = "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"
SUPPORTED = "SUPPORTED_fixtray_0_1"
DWORD_MAX = 0xFFFFFFFF

# The ranges the config readers accept (min, max). A REG_DWORD holds at most 4294967295: where a
# reader accepts more (feed.max_total_bytes, up to 4 GiB = 4294967296), the template stops there
# and a REG_QWORD written by other means is still read.
RANGES = {
    "escalation.max_bundle_bytes": (65536, 1073741824),  # escalation_config.cpp
    "escalation.retry.initial_seconds": (1, 604800),
    "escalation.retry.max_seconds": (1, 604800),
    "escalation.retry.settle_seconds": (1, 604800),
    "escalation.keep_delivered_days": (0, 3650),
    "feed.interval_minutes": (1, 7 * 24 * 60),  # feed_config.cpp
    "feed.jitter_minutes": (0, 24 * 60),
    "feed.timeout_seconds": (1, 3600),
    "feed.max_expiry_days": (1, 3650),
    "feed.max_index_bytes": (1024, 64 << 20),
    "feed.max_pack_bytes": (1024, 64 << 20),
    "feed.max_total_bytes": (1024, min(4 << 30, DWORD_MAX)),
    "policy.run_output_limit_kib": (0, 65536),
    "policy.keep_runs": (1, 100000),
    "policy.keep_run_days": (1, 3650),
}

# The policy's name in the Group Policy editor, and the label of its control.
TITLES = {
    "site": ("Site values", "Site values (name and value):"),
    "escalation.policy": ("Support requests", "Support requests:"),
    "escalation.email_domain": ("E-mail domain of employees", "Domain:"),
    "escalation.backend": ("Where support requests go (ticket system)",
                           "Options (type and that type's options):"),
    "escalation.max_bundle_bytes": ("Largest diagnostics bundle", "Bytes:"),
    "escalation.retry.initial_seconds": ("First wait after a failed delivery", "Seconds:"),
    "escalation.retry.max_seconds": ("Longest wait between delivery attempts", "Seconds:"),
    "escalation.retry.settle_seconds": ("Wait before looking up a ticket of unknown outcome",
                                        "Seconds:"),
    "escalation.keep_delivered_days": ("Keep delivered requests listed", "Days (0: always):"),
    "escalation.redaction.pseudonyms": ("Replace user and host names in what is sent", None),
    "escalation.redaction.patterns": ("Extra patterns to mask in what is sent",
                                      "Regular expressions (RE2):"),
    "feed.url": ("Feed URL", "URL:"),
    "feed.repository": ("Feed repository id", "Repository id:"),
    "feed.keys": ("Folder of trusted feed keys", "Folder:"),
    "feed.state_dir": ("Folder of synced packs", "Folder:"),
    "feed.ca_file": ("CA certificates for the feed's server", "PEM file:"),
    "feed.proxy": ("Proxy for the feed", "Proxy URL:"),
    "feed.interval_minutes": ("How often the feed is checked", "Minutes:"),
    "feed.jitter_minutes": ("Random delay added to each feed check", "Minutes:"),
    "feed.timeout_seconds": ("Longest feed download", "Seconds:"),
    "feed.max_expiry_days": ("Furthest accepted feed index expiry", "Days:"),
    "feed.max_index_bytes": ("Largest feed index", "Bytes:"),
    "feed.max_pack_bytes": ("Largest feed pack", "Bytes:"),
    "feed.max_total_bytes": ("Largest whole feed", "Bytes:"),
    "policy.disabled_fixes": ("Fixes that are never offered", "Fix ids:"),
    "policy.disabled_packs": ("Packs whose fixes are never offered", "Pack ids:"),
    "policy.feed_admin_steps": ("Feed packs may run administrator steps", None),
    "policy.feed_overrides_builtin": ("Feed packs may replace built-in fixes", None),
    "policy.run_output_limit_kib": ("Step output kept per run", "KiB:"),
    "policy.keep_runs": ("Run records kept", "Records:"),
    "policy.keep_run_days": ("Days run records are kept", "Days:"),
}

CATEGORIES = [
    ("fixtray", "fixtray", None),
    ("fixtray_site", "Site values", "fixtray"),
    ("fixtray_escalation", "Support requests", "fixtray"),
    ("fixtray_feed", "Signed pack feed", "fixtray"),
    ("fixtray_policy", "Fix policy", "fixtray"),
]

# Paths in keys.json's defaults are Linux's; on Windows fixtray chooses its own folders.
PATH_KEYS = {"feed.keys", "feed.state_dir"}


def policy_name(key):
    return key.replace(".", "_")


def registry(key, kind):
    """(the policy's key, the value name or None, the element's own key or None)."""
    parts = key.split(".")
    if kind in ("list", "map"):
        own = "\\".join([BASE] + parts)
        policy_key = "\\".join([BASE] + parts[:-1]) if kind == "list" else own
        return policy_key, None, own
    return "\\".join([BASE] + parts[:-1]), parts[-1], None


def explanation(entry):
    key, kind = entry["key"], entry["type"]
    policy_key, value, own = registry(key, kind)
    text = entry["description"]
    if kind in ("list", "map"):
        where = "HKLM\\" + own
    else:
        where = "HKLM\\" + policy_key + ", value " + value
    reg_type = {"string": "REG_SZ", "choice": "REG_SZ", "integer": "REG_DWORD",
                "boolean": "REG_DWORD 1 (enabled) or 0 (disabled)",
                "list": "REG_SZ values named 1, 2, 3 ...",
                "map": "one REG_SZ value per name"}[kind]
    text += f"\n\nSetting {key} of fixtray.json; registry: {where} ({reg_type})."
    if kind == "integer":
        lo, hi = RANGES[key]
        text += f" From {lo} to {hi}."
    if kind == "choice":
        text += " One of: " + ", ".join(entry["values"]) + "."
    if key == "site":
        text += (" A list value (such as printers) cannot be entered here: write it with other"
                 " tools as the subkey site\\NAME holding REG_SZ values 1, 2, 3 ..., or subkeys"
                 " 1, 2, 3 ... of name and value texts (installer/windows/README.md).")
    if entry.get("default") and key not in PATH_KEYS:
        text += f"\n\nNot configured: the value in fixtray.json, else {entry['default']}."
    else:
        text += "\n\nNot configured: the value in fixtray.json, else fixtray's default."
    if key in ("policy.disabled_fixes", "policy.disabled_packs"):
        text += " The ids listed here are added to those of fixtray.json."
    elif key in ("policy.feed_admin_steps", "policy.feed_overrides_builtin"):
        text += (" Disabled turns it off whatever fixtray.json says; Enabled cannot turn it back"
                 " on where fixtray.json turns it off (every source can only turn it off).")
    elif key == "site":
        text += " A value named here wins over the one of the same name in fixtray.json."
    elif key == "escalation.backend":
        text += " Set here, it replaces the backend of fixtray.json as a whole."
    else:
        text += " A value set here wins over fixtray.json."
    return text


def category_of(key):
    return {"site": "fixtray_site", "escalation": "fixtray_escalation", "feed": "fixtray_feed",
            "policy": "fixtray_policy"}[key.split(".")[0]]


def build(keys):
    admx = ['<?xml version="1.0" encoding="utf-8"?>',
            "<!-- Written by installer/windows/make-admx.py from installer/config/keys.json:"
            " edit those, then run it. -->",
            f'<policyDefinitions xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
            f' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0"'
            f' schemaVersion="1.0" xmlns="{NS}">',
            "  <policyNamespaces>",
            '    <target prefix="fixtray" namespace="Fixtray.Policies.Fixtray"/>',
            "  </policyNamespaces>",
            '  <resources minRequiredRevision="1.0"/>',
            "  <supportedOn>",
            "    <definitions>",
            f'      <definition name="{SUPPORTED}" displayName="$(string.{SUPPORTED})"/>',
            "    </definitions>",
            "  </supportedOn>",
            "  <categories>"]
    strings = [(SUPPORTED, "fixtray 0.1 and later")]
    presentations = []
    for name, title, parent in CATEGORIES:
        strings.append(("cat_" + name, title))
        if parent:
            admx += [f'    <category name="{name}" displayName="$(string.cat_{name})">',
                     f'      <parentCategory ref="{parent}"/>',
                     "    </category>"]
        else:
            admx.append(f'    <category name="{name}" displayName="$(string.cat_{name})"/>')
    admx += ["  </categories>", "  <policies>"]

    for entry in keys:
        key, kind = entry["key"], entry["type"]
        name = policy_name(key)
        title, label = TITLES[key]
        policy_key, value, own = registry(key, kind)
        strings.append((name, title))
        strings.append((name + "_Explain", explanation(entry)))
        attrs = (f'name="{name}" class="Machine" displayName="$(string.{name})"'
                 f' explainText="$(string.{name}_Explain)"')
        if kind != "boolean":
            attrs += f' presentation="$(presentation.{name})"'
        attrs += f" key={quoteattr(policy_key)}"
        if kind == "boolean":
            attrs += f" valueName={quoteattr(value)}"
        admx.append(f"    <policy {attrs}>")
        admx.append(f'      <parentCategory ref="{category_of(key)}"/>')
        admx.append(f'      <supportedOn ref="{SUPPORTED}"/>')
        if kind == "boolean":
            admx += ["      <enabledValue>", '        <decimal value="1"/>', "      </enabledValue>",
                     "      <disabledValue>", '        <decimal value="0"/>',
                     "      </disabledValue>"]
        else:
            admx.append("      <elements>")
            if kind == "string":
                admx.append(f'        <text id="{name}" valueName={quoteattr(value)}'
                            f' required="true" maxLength="2048"/>')
                presentations.append(
                    (name, [f'<textBox refId="{name}">', f"  <label>{escape(label)}</label>",
                            "</textBox>"]))
            elif kind == "integer":
                lo, hi = RANGES[key]
                assert 0 <= lo <= hi <= DWORD_MAX, key
                admx.append(f'        <decimal id="{name}" valueName={quoteattr(value)}'
                            f' required="true" minValue="{lo}" maxValue="{hi}"/>')
                default = int(entry["default"])
                assert lo <= default <= hi, key
                presentations.append(
                    (name, [f'<decimalTextBox refId="{name}" defaultValue="{default}"'
                            f' spinStep="1">{escape(label)}</decimalTextBox>']))
            elif kind == "choice":
                admx.append(f'        <enum id="{name}" valueName={quoteattr(value)}'
                            f' required="true">')
                for v in entry["values"]:
                    admx += [f'          <item displayName="$(string.{name}_{v})">',
                             f"            <value>",
                             f"              <string>{escape(v)}</string>",
                             f"            </value>",
                             f"          </item>"]
                    strings.append((f"{name}_{v}", v))
                admx.append("        </enum>")
                default_item = entry["values"].index(entry["default"])
                presentations.append(
                    (name, [f'<dropdownList refId="{name}" noSort="true"'
                            f' defaultItem="{default_item}">{escape(label)}</dropdownList>']))
            elif kind == "list":
                admx.append(f'        <list id="{name}" key={quoteattr(own)} valuePrefix=""/>')
                presentations.append(
                    (name, [f'<listBox refId="{name}">{escape(label)}</listBox>']))
            elif kind == "map":
                admx.append(f'        <list id="{name}" key={quoteattr(own)}'
                            f' explicitValue="true"/>')
                presentations.append(
                    (name, [f'<listBox refId="{name}">{escape(label)}</listBox>']))
            else:
                raise SystemExit(f"make-admx.py: {key}: unknown type {kind}")
            admx.append("      </elements>")
        admx.append("    </policy>")
    admx += ["  </policies>", "</policyDefinitions>", ""]

    adml = ['<?xml version="1.0" encoding="utf-8"?>',
            "<!-- Written by installer/windows/make-admx.py from installer/config/keys.json:"
            " edit those, then run it. -->",
            f'<policyDefinitionResources xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
            f' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0"'
            f' schemaVersion="1.0" xmlns="{NS}">',
            "  <displayName>fixtray</displayName>",
            "  <description>Group Policy settings of fixtray, the self-service fix-it tray"
            " app</description>",
            "  <resources>",
            "    <stringTable>"]
    for sid, text in strings:
        adml.append(f'      <string id="{sid}">{escape(text)}</string>')
    adml += ["    </stringTable>", "    <presentationTable>"]
    for pid, lines in presentations:
        adml.append(f'      <presentation id="{pid}">')
        adml += ["        " + line for line in lines]
        adml.append("      </presentation>")
    adml += ["    </presentationTable>", "  </resources>", "</policyDefinitionResources>", ""]
    return "\n".join(admx), "\n".join(adml)


def main(argv):
    keys = json.loads((SRC / "installer/config/keys.json").read_text(encoding="utf-8"))["keys"]
    missing = [k["key"] for k in keys if k["key"] not in TITLES]
    missing += [k["key"] for k in keys if k["type"] == "integer" and k["key"] not in RANGES]
    if missing:
        raise SystemExit("make-admx.py: no title or range here for: " + ", ".join(missing))
    admx, adml = build(keys)
    outputs = {HERE / "fixtray.admx": admx, HERE / "en-US" / "fixtray.adml": adml}
    if "--check" in argv:
        stale = [str(p.relative_to(SRC)) for p, text in outputs.items()
                 if not p.exists() or p.read_text(encoding="utf-8") != text]
        for p in stale:
            print(f"make-admx.py: {p} is not what installer/config/keys.json gives: run"
                  " installer/windows/make-admx.py", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
