#!/usr/bin/env python3
"""Checks every place that lists fixtray's configuration keys against the one list,
installer/config/keys.json, so that they cannot drift apart:

  linux       installer/config/fixtray.json (the documented /etc/fixtray/fixtray.json): with every
              commented-out setting uncommented, its keys are exactly the list's
  readme      README.md's key table ("| `key` | ..." rows under "### Every configuration key")
  macos       installer/macos/fixtray.mobileconfig: a valid plist whose payload's keys are the
              list's; installer/macos/org.fixtray.fixtray.plist: a valid LaunchAgent plist
  windows     installer/windows/fixtray.admx: the registry keys and value names its policies
              write are the list's (a.b.c -> SOFTWARE\\Policies\\fixtray\\a\\b, value c; a list or
              map key -> its own registry key), each policy has its text in en-US/fixtray.adml;
              src/core/app/managed_policy.cpp: the reader's table has the list's keys and types

Usage: check_config_keys.py SOURCE_DIR [linux|readme|macos|windows]...  (default: all)
Prints each difference; exit 1 when there is one.
"""
import json
import plistlib
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

problems = []


def differ(where, found, expected):
    found, expected = set(found), set(expected)
    for k in sorted(expected - found):
        problems.append(f"{where}: missing {k}")
    for k in sorted(found - expected):
        problems.append(f"{where}: not in installer/config/keys.json: {k}")


def flatten(obj, types, prefix=""):
    """Dotted keys of a nested config; a key the list types as map or list is a leaf."""
    out = []
    for name, value in obj.items():
        key = prefix + name
        if isinstance(value, dict) and types.get(key) not in ("map",):
            out += flatten(value, types, key + ".")
        else:
            out.append(key)
    return out


def uncommented(text):
    text = re.sub(r"(?m)^(\s*)//(?=\s*[\"{}\[\]])", r"\1", text)
    return re.sub(r"(?m)^\s*//.*$", "", text)


def check_linux(src, keys, types):
    path = src / "installer/config/fixtray.json"
    doc = json.loads(uncommented(path.read_text()))
    differ(str(path.relative_to(src)) + " (uncommented)", flatten(doc, types), keys)


def check_readme(src, keys, types):
    text = (src / "README.md").read_text()
    m = re.search(r"(?ms)^### Every configuration key\n(.*?)(?=^#)", text)
    if not m:
        problems.append("README.md: no section '### Every configuration key'")
        return
    table = re.findall(r"(?m)^\| `([a-z_.]+)` \|", m.group(1))
    differ("README.md key table", table, keys)
    dupes = {k for k in table if table.count(k) > 1}
    for k in sorted(dupes):
        problems.append(f"README.md key table: {k} listed twice")


def check_macos(src, keys, types):
    path = src / "installer/macos/fixtray.mobileconfig"
    with open(path, "rb") as f:
        profile = plistlib.load(f)
    for field in ("PayloadType", "PayloadIdentifier", "PayloadUUID", "PayloadVersion", "PayloadContent"):
        if field not in profile:
            problems.append(f"{path.name}: the profile has no {field}")
    payloads = [p for p in profile.get("PayloadContent", []) if p.get("PayloadType") == "org.fixtray.fixtray"]
    if len(payloads) != 1:
        problems.append(f"{path.name}: expected one payload of type org.fixtray.fixtray")
        return
    settings = {k: v for k, v in payloads[0].items() if not k.startswith("Payload")}
    differ(path.name, flatten(settings, types), keys)
    agent = src / "installer/macos/org.fixtray.fixtray.plist"
    with open(agent, "rb") as f:
        launch = plistlib.load(f)
    if launch.get("Label") != "org.fixtray.fixtray" or not launch.get("ProgramArguments"):
        problems.append(f"{agent.name}: a LaunchAgent needs Label org.fixtray.fixtray and ProgramArguments")
    if launch.get("RunAtLoad") is not True:
        problems.append(f"{agent.name}: RunAtLoad must be true (start at login)")


def check_windows(src, keys, types):
    admx_path = src / "installer/windows/fixtray.admx"
    adml_path = src / "installer/windows/en-US/fixtray.adml"
    ns = {"p": "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"}
    admx = ET.parse(admx_path).getroot()
    adml = ET.parse(adml_path).getroot()
    strings = {s.get("id") for s in adml.iter("{%s}string" % ns["p"])}
    presentations = {p.get("id") for p in adml.iter("{%s}presentation" % ns["p"])}
    base = "SOFTWARE\\Policies\\fixtray"
    found = []

    def dotted(regkey, value=None):
        if not regkey.startswith(base):
            problems.append(f"fixtray.admx: a registry key outside {base}: {regkey}")
            return None
        parts = [p for p in regkey[len(base):].split("\\") if p]
        if value:
            parts.append(value)
        return ".".join(parts)

    for policy in admx.iter("{%s}policy" % ns["p"]):
        name = policy.get("name")
        for attr in ("displayName", "explainText"):
            ref = policy.get(attr, "")
            m = re.fullmatch(r"\$\(string\.(.+)\)", ref)
            if not m or m.group(1) not in strings:
                problems.append(f"fixtray.admx: policy {name}: {attr} {ref!r} has no string in the ADML")
        pres = policy.get("presentation")
        if pres:
            m = re.fullmatch(r"\$\(presentation\.(.+)\)", pres)
            if not m or m.group(1) not in presentations:
                problems.append(f"fixtray.admx: policy {name}: presentation {pres!r} is not in the ADML")
        key = policy.get("key")
        if policy.get("valueName"):
            found.append(dotted(key, policy.get("valueName")))
        elements = policy.find("p:elements", ns)
        if elements is not None:
            for element in elements:
                kind = element.tag.split("}")[1]
                ekey = element.get("key", key)
                if kind == "list":
                    found.append(dotted(ekey))
                elif element.get("valueName"):
                    found.append(dotted(ekey, element.get("valueName")))
    differ("fixtray.admx", [k for k in found if k], keys)

    reader = (src / "src/core/app/managed_policy.cpp").read_text()
    table = dict(re.findall(r'\{"([a-z_.]+)",\s*KeyType::([a-z_]+)\}', reader))
    differ("managed_policy.cpp key table", table.keys(), keys)
    for k, t in table.items():
        if k in types and types[k] != t:
            problems.append(f"managed_policy.cpp: {k} is {t}, keys.json says {types[k]}")


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    src = Path(argv[1])
    listed = json.loads((src / "installer/config/keys.json").read_text())["keys"]
    keys = [k["key"] for k in listed]
    types = {k["key"]: k["type"] for k in listed}
    if len(set(keys)) != len(keys):
        problems.append("keys.json lists a key twice")
    checks = {"linux": check_linux, "readme": check_readme, "macos": check_macos, "windows": check_windows}
    for name in argv[2:] or list(checks):
        try:
            checks[name](src, keys, types)
        except (OSError, ValueError, ET.ParseError, plistlib.InvalidFileException) as e:
            problems.append(f"{name}: {e}")
    for p in problems:
        print(p)
    if not problems:
        print(f"configuration keys: {len(keys)} keys, the same in {', '.join(argv[2:] or checks)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
