#!/usr/bin/env python3
"""Checks that every text of the built-in fix packs that an employee sees has a German
translation (fixes/README.md, "Languages"):

  <title>, <description>, <confirm>   an English text (no xml:lang, or "en") needs a sibling of
                                      the same element with xml:lang="de" (or "de-REGION")
  step labels                         a step of <check>, <steps>, <verify> or <revert> with a
                                      label needs label-de (or label-de-REGION); a step without
                                      a label shows an English text fixtray derives, so it needs
                                      a label and a label-de

A German text must not be empty, and must not be the English text again when that has more than
two words (copied, not translated). <keywords> is one element for every language and is searched,
not shown; the default diagnostics sets (fixes/diagnostics) have no texts that take a language.

Usage: check_pack_translations.py SOURCE_DIR
Walks SOURCE_DIR/fixes/{linux,windows,macos}/*.xml and prints
  FILE:LINE: <element> "English text" has no German translation
for each text without one (and a line for each empty or copied German text); exit 1 when there
is one, else a one-line summary and exit 0.
"""
import sys
from pathlib import Path
from xml.parsers import expat

PLATFORMS = ("linux", "windows", "macos")
TEXT_ELEMENTS = ("title", "description", "confirm")
STEP_PHASES = ("check", "steps", "verify", "revert")
XML_LANG = "http://www.w3.org/XML/1998/namespace lang"


class Node:
    __slots__ = ("name", "attrs", "line", "children", "text")

    def __init__(self, name, attrs, line):
        self.name = name  # local name, namespace dropped
        self.attrs = attrs  # {name: value}; xml:lang as XML_LANG
        self.line = line
        self.children = []
        self.text = []


def parse(path):
    """The document's root Node, each element with the line of its start tag."""
    parser = expat.ParserCreate(namespace_separator=" ")
    root = []
    stack = []

    def start(name, attrs):
        node = Node(name.rsplit(" ", 1)[-1], attrs, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(_name):
        stack.pop()

    def chars(data):
        if stack:
            stack[-1].text.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    with open(path, "rb") as f:
        parser.ParseFile(f)
    return root[0]


def is_german(tag):
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary == "de"


def is_english(tag):
    tag = tag.strip().lower().replace("_", "-")
    return tag == "" or tag.split("-", 1)[0] == "en"


def normalized(text):
    return " ".join(text.split())


def quoted(text):
    text = normalized(text)
    return '"' + (text if len(text) <= 100 else text[:97] + "...") + '"'


class Checker:
    def __init__(self):
        self.problems = []
        self.texts = 0  # English texts that have a proper German translation
        self.packs = 0

    def problem(self, file, line, message):
        self.problems.append(f"{file}:{line}: {message}")

    def german_ok(self, file, line, what, english, german_line, german):
        """Reports an empty or copied German text; True if it is a translation."""
        if not normalized(german):
            self.problem(file, german_line, f"{what} {quoted(english)} has an empty German "
                         "translation")
            return False
        if normalized(german) == normalized(english) and len(english.split()) > 2:
            self.problem(file, german_line, f"{what} {quoted(english)} has a German translation "
                         "identical to the English text (copied, not translated)")
            return False
        return True

    def check_texts(self, file, fix):
        for element in TEXT_ELEMENTS:
            nodes = [c for c in fix.children if c.name == element]
            english = [n for n in nodes if is_english(n.attrs.get(XML_LANG, ""))]
            german = [n for n in nodes if is_german(n.attrs.get(XML_LANG, ""))]
            for en in english:
                text = "".join(en.text)
                what = f"<{element}>"
                if not german:
                    self.problem(file, en.line, f"{what} {quoted(text)} has no German "
                                 "translation")
                    continue
                ok = True
                for de in german:
                    ok = self.german_ok(file, en.line, what, text, de.line,
                                        "".join(de.text)) and ok
                if ok:
                    self.texts += 1

    def check_steps(self, file, fix):
        for phase in (c for c in fix.children if c.name in STEP_PHASES):
            for step in phase.children:
                what = f"<{step.name} label>"
                label = step.attrs.get("label")
                if label is None or not label.strip():
                    self.problem(file, step.line, f"<{step.name}> in <{phase.name}> has no "
                                 "label, so the employee sees an English one fixtray derives: "
                                 "give it a label and a label-de")
                    continue
                german = [v for k, v in step.attrs.items()
                          if k.startswith("label-") and is_german(k[len("label-"):])]
                if not german:
                    self.problem(file, step.line, f"{what} {quoted(label)} has no German "
                                 "translation")
                    continue
                ok = True
                for de in german:
                    ok = self.german_ok(file, step.line, what, label, step.line, de) and ok
                if ok:
                    self.texts += 1

    def check_pack(self, file, path):
        try:
            root = parse(path)
        except expat.ExpatError as e:
            self.problem(file, e.lineno, f"not well-formed XML: {expat.ErrorString(e.code)}")
            return
        except OSError as e:
            self.problem(file, 0, str(e))
            return
        if root.name != "fixpack":
            self.problem(file, root.line, f"the root element is <{root.name}>, not <fixpack>")
            return
        self.packs += 1
        for fix in (c for c in root.children if c.name == "fix"):
            self.check_texts(file, fix)
            self.check_steps(file, fix)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src = Path(argv[1])
    checker = Checker()
    files = sorted(p for platform in PLATFORMS for p in (src / "fixes" / platform).glob("*.xml"))
    if not files:
        print(f"{src}: no built-in packs in fixes/{{{','.join(PLATFORMS)}}}/*.xml",
              file=sys.stderr)
        return 1
    for path in files:
        checker.check_pack(path.relative_to(src).as_posix(), path)
    for p in checker.problems:
        print(p)
    if checker.problems:
        return 1
    print(f"pack translations: {checker.texts} texts in {checker.packs} built-in packs, "
          "every one in German")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
