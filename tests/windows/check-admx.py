#!/usr/bin/env python3
"""Checks installer/windows/fixtray.admx and en-US/fixtray.adml the way the Group Policy editor
would read them, as far as that can be done here:

  - both parse as XML, in the Group Policy namespace, with the right root elements;
  - every $(string.ID) and $(presentation.ID) the ADMX names is in the ADML, and the ADML has
    nothing the ADMX does not use;
  - policy names, element ids, string ids and presentation ids are unique and of the characters
    the schema allows (letters, digits, '_');
  - each policy's presentation has one control per element, of the element's kind (text ->
    textBox, decimal -> decimalTextBox, enum -> dropdownList, list -> listBox), with the same id;
  - categories and supportedOn references resolve; every registry key is below
    SOFTWARE\\Policies\\fixtray; number ranges fit a REG_DWORD and hold the presentation's default;
  - with ADMX_SCHEMA_DIR set to a folder holding Microsoft's ADMX schema (PolicyDefinitionFiles.xsd,
    PolicyDefinitions.xsd, BaseTypes.xsd, for example from github.com/pl4nty/admxgen), both
    files validate against it with xmllint. The schema is Microsoft's and is not kept in this
    repository. Two adaptations are needed for libxml2: the schema's target namespace is
    http://www.microsoft.com/GroupPolicy/PolicyDefinitions while real ADMX files (and Windows)
    use http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions, so copies of the
    files are validated with the namespace swapped; and its patterns escape '$' as '\\$', which
    is .NET regular-expression syntax, not XML Schema's, so a copy of the schema has '\\$' -> '$'.

The keys and registry mapping themselves are checked by tests/config/check_config_keys.py
(against installer/config/keys.json) and by tests/app/test_managed_policy.cpp (ranges and choices
against the config readers).

Usage: check-admx.py [SOURCE_DIR]   Exit 1 listing each problem.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

NS = "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"
SCHEMA_NS = "http://www.microsoft.com/GroupPolicy/PolicyDefinitions"
BASE = "SOFTWARE\\Policies\\fixtray"
ID = re.compile(r"[A-Za-z0-9_]+")
CONTROL = {"text": "textBox", "decimal": "decimalTextBox", "enum": "dropdownList",
           "list": "listBox", "boolean": "checkBox"}
problems = []


def q(tag):
    return "{%s}%s" % (NS, tag)


def ref(value, kind):
    m = re.fullmatch(r"\$\(%s\.([A-Za-z0-9_]+)\)" % kind, value or "")
    return m.group(1) if m else None


def check(src):
    admx_path = src / "installer/windows/fixtray.admx"
    adml_path = src / "installer/windows/en-US/fixtray.adml"
    try:
        admx = ET.parse(admx_path).getroot()
        adml = ET.parse(adml_path).getroot()
    except (OSError, ET.ParseError) as e:
        problems.append(f"cannot read the templates: {e}")
        return
    if admx.tag != q("policyDefinitions"):
        problems.append(f"fixtray.admx: the root is {admx.tag}, not policyDefinitions in {NS}")
    if adml.tag != q("policyDefinitionResources"):
        problems.append(f"fixtray.adml: the root is {adml.tag}, not policyDefinitionResources")

    strings = {}
    for s in adml.iter(q("string")):
        sid = s.get("id")
        if sid in strings:
            problems.append(f"fixtray.adml: string {sid} defined twice")
        strings[sid] = s.text or ""
    presentations = {}
    for p in adml.iter(q("presentation")):
        pid = p.get("id")
        if pid in presentations:
            problems.append(f"fixtray.adml: presentation {pid} defined twice")
        presentations[pid] = p
    used_strings, used_presentations = set(), set()

    def use_string(where, value):
        sid = ref(value, "string")
        if sid is None:
            problems.append(f"fixtray.admx: {where}: {value!r} is not $(string.ID)")
        elif sid not in strings:
            problems.append(f"fixtray.admx: {where}: string {sid} is not in the ADML")
        elif not strings[sid].strip():
            problems.append(f"fixtray.adml: string {sid} is empty")
        used_strings.add(sid)

    supported = set()
    for d in admx.iter(q("definition")):
        supported.add(d.get("name"))
        use_string(f"supportedOn {d.get('name')}", d.get("displayName"))
    prefix = admx.find(q("policyNamespaces") + "/" + q("target"))
    own_prefix = prefix.get("prefix") if prefix is not None else None
    categories = {}
    for c in admx.iter(q("category")):
        categories[c.get("name")] = c
        use_string(f"category {c.get('name')}", c.get("displayName"))

    def resolves(reference, names):
        name = reference.split(":", 1)[1] if ":" in reference else reference
        if ":" in reference and reference.split(":", 1)[0] != own_prefix:
            return False  # another template's: not used by fixtray's
        return name in names

    for c in categories.values():
        parent = c.find(q("parentCategory"))
        if parent is not None and not resolves(parent.get("ref"), categories):
            problems.append(f"fixtray.admx: category {c.get('name')}: parent {parent.get('ref')}"
                            " is not defined")

    names, element_ids = set(), set()
    for policy in admx.iter(q("policy")):
        name = policy.get("name")
        if not name or not ID.fullmatch(name):
            problems.append(f"fixtray.admx: policy name {name!r} is not letters, digits, '_'")
        if name in names:
            problems.append(f"fixtray.admx: policy {name} defined twice")
        names.add(name)
        if policy.get("class") not in ("Machine", "User", "Both"):
            problems.append(f"fixtray.admx: policy {name}: class {policy.get('class')!r}")
        use_string(f"policy {name} displayName", policy.get("displayName"))
        use_string(f"policy {name} explainText", policy.get("explainText"))
        key = policy.get("key", "")
        if not (key == BASE or key.startswith(BASE + "\\")):
            problems.append(f"fixtray.admx: policy {name}: key {key} is outside {BASE}")
        parent = policy.find(q("parentCategory"))
        if parent is None or not resolves(parent.get("ref"), categories):
            problems.append(f"fixtray.admx: policy {name}: no defined parentCategory")
        so = policy.find(q("supportedOn"))
        if so is None or not resolves(so.get("ref"), supported):
            problems.append(f"fixtray.admx: policy {name}: no defined supportedOn")
        elements = policy.find(q("elements"))
        elements = list(elements) if elements is not None else []
        if not elements and not policy.get("valueName"):
            problems.append(f"fixtray.admx: policy {name}: neither a valueName nor elements:"
                            " enabling it would write nothing")
        pres_ref = policy.get("presentation")
        if elements and not pres_ref:
            problems.append(f"fixtray.admx: policy {name}: elements but no presentation")
        controls = {}
        if pres_ref:
            pid = ref(pres_ref, "presentation")
            if pid is None or pid not in presentations:
                problems.append(f"fixtray.admx: policy {name}: presentation {pres_ref!r} is not"
                                " in the ADML")
            else:
                used_presentations.add(pid)
                for control in presentations[pid]:
                    controls[control.get("refId")] = control
        for element in elements:
            kind = element.tag.split("}")[1]
            eid = element.get("id")
            if not eid or not ID.fullmatch(eid):
                problems.append(f"fixtray.admx: policy {name}: element id {eid!r}")
            if eid in element_ids:
                problems.append(f"fixtray.admx: element id {eid} used twice")
            element_ids.add(eid)
            ekey = element.get("key", key)
            if not (ekey == BASE or ekey.startswith(BASE + "\\")):
                problems.append(f"fixtray.admx: {name}/{eid}: key {ekey} is outside {BASE}")
            if kind != "list" and not element.get("valueName"):
                problems.append(f"fixtray.admx: {name}/{eid}: a {kind} needs a valueName")
            control = controls.pop(eid, None)
            if control is None:
                problems.append(f"fixtray.adml: presentation of {name} has no control for {eid}")
                continue
            want = CONTROL.get(kind)
            got = control.tag.split("}")[1]
            if got != want and not (kind == "text" and got == "comboBox"):
                problems.append(f"fixtray.adml: {name}/{eid}: a {kind} is shown by a {want},"
                                f" not a {got}")
            if kind == "decimal":
                lo = int(element.get("minValue", "0"))
                hi = int(element.get("maxValue", "9999"))
                if not 0 <= lo <= hi <= 0xFFFFFFFF:
                    problems.append(f"fixtray.admx: {name}/{eid}: range {lo}..{hi} is not within"
                                    " a REG_DWORD")
                default = int(control.get("defaultValue", "1"))
                if not lo <= default <= hi:
                    problems.append(f"fixtray.adml: {name}/{eid}: default {default} is outside"
                                    f" {lo}..{hi}")
            if kind == "enum":
                items = element.findall(q("item"))
                if not items:
                    problems.append(f"fixtray.admx: {name}/{eid}: an enum without items")
                for item in items:
                    use_string(f"{name}/{eid} item", item.get("displayName"))
                    if item.find(q("value")) is None:
                        problems.append(f"fixtray.admx: {name}/{eid}: an item without a value")
                default_item = control.get("defaultItem")
                if default_item is not None and not 0 <= int(default_item) < len(items):
                    problems.append(f"fixtray.adml: {name}/{eid}: defaultItem {default_item} is"
                                    f" not one of its {len(items)} items")
            if kind == "list" and element.get("explicitValue") != "true" and \
                    element.get("valuePrefix") is None:
                problems.append(f"fixtray.admx: {name}/{eid}: a one-column list without"
                                " valuePrefix names its values by their text, not 1, 2, 3 ...")
        for stray in controls:
            problems.append(f"fixtray.adml: presentation of {name} has a control {stray} for no"
                            " element")

    for sid in sorted(set(strings) - used_strings):
        problems.append(f"fixtray.adml: string {sid} is not used by the ADMX")
    for pid in sorted(set(presentations) - used_presentations):
        problems.append(f"fixtray.adml: presentation {pid} is not used by the ADMX")
    for ident in list(strings) + list(presentations):
        if not ID.fullmatch(ident or ""):
            problems.append(f"fixtray.adml: id {ident!r} is not letters, digits, '_'")
    return admx_path, adml_path


def schema_check(paths):
    schema_dir = os.environ.get("ADMX_SCHEMA_DIR")
    if not schema_dir:
        print("check-admx.py: schema validation not run (set ADMX_SCHEMA_DIR to a folder holding"
              " Microsoft's PolicyDefinitionFiles.xsd, PolicyDefinitions.xsd, BaseTypes.xsd)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in ("PolicyDefinitionFiles.xsd", "PolicyDefinitions.xsd", "BaseTypes.xsd"):
            text = (Path(schema_dir) / name).read_text(encoding="utf-8-sig")
            (tmp / name).write_text(text.replace("\\$", "$"), encoding="utf-8")
        copies = []
        for path in paths:
            copy = tmp / path.name
            copy.write_text(path.read_text(encoding="utf-8").replace(NS, SCHEMA_NS),
                            encoding="utf-8")
            copies.append(str(copy))
        run = subprocess.run(["xmllint", "--noout", "--schema",
                              str(tmp / "PolicyDefinitionFiles.xsd")] + copies,
                             capture_output=True, text=True)
        if run.returncode != 0:
            problems.append("schema validation failed:\n" + run.stderr.strip())
        else:
            print("check-admx.py: both files validate against Microsoft's ADMX schema")


def main(argv):
    src = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2]
    paths = check(src)
    if paths and shutil.which("xmllint"):
        schema_check(paths)
    for p in problems:
        print(p)
    if problems:
        return 1
    print("check-admx.py: fixtray.admx and en-US/fixtray.adml are consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
