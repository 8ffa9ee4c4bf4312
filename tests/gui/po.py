"""The German message catalog (src/po/de.po) for GUI tests: translate the English texts a test
looks for, and find English texts in what the app shows.

Catalog(path).t("Run this fix") is the German msgstr ("" entries and fuzzy ones are skipped, as
msgfmt does). english_leaks(texts) names every shown text that is still English: one that is an
English message of the catalog with a different German translation, or one that contains an
English function word (a list of words German never uses) anywhere in it.
"""

import ast
import re

# Words that occur in nearly every English sentence and in no German one.
# Not here: words that are German too ("was", "will", "Details", "Computer", "IT").
ENGLISH_WORDS = {
    "the", "and", "your", "you", "this", "that", "is", "are", "were", "not", "of", "to",
    "with", "for", "what", "from", "search", "fix", "fixes", "run", "send", "close", "cancel",
    "help", "request", "steps", "output", "failed", "fixed", "waiting", "done", "running",
    "skipped", "cancelled", "ready", "sent", "please", "yes", "no", "could", "cannot", "which",
    "when", "there", "has", "have", "be", "been", "settings", "show", "open", "quit",
}


# Names that are the same in every language, taken out of a text before its words are looked at.
PRODUCT_NAMES = ("Request Tracker", "Jira Service Management", "ServiceNow", "osTicket")


class Catalog:
    def __init__(self, path):
        self.messages = {}       # English msgid -> German msgstr (singular; plurals: form 0)
        self.plurals = {}        # English plural msgid -> German plural form
        entry = {}
        key = None
        fuzzy = False

        def flush():
            nonlocal entry, fuzzy
            if "msgid" in entry and entry["msgid"] and not fuzzy:
                if "msgstr" in entry and entry["msgstr"]:
                    self.messages[entry["msgid"]] = entry["msgstr"]
                if "msgstr[0]" in entry and entry["msgstr[0]"]:
                    self.messages[entry["msgid"]] = entry["msgstr[0]"]
                    if "msgid_plural" in entry and entry.get("msgstr[1]"):
                        self.plurals[entry["msgid_plural"]] = entry["msgstr[1]"]
            entry, fuzzy = {}, False

        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    flush()
                    key = None
                    continue
                if line.startswith("#,") and "fuzzy" in line:
                    fuzzy = True
                    continue
                if line.startswith("#"):
                    continue
                m = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?|msgctxt)\s+(".*")$', line)
                if m:
                    if m.group(1) == "msgid" and "msgid" in entry:
                        flush()
                    key = m.group(1)
                    entry[key] = ast.literal_eval(m.group(2))
                elif line.startswith('"') and key:
                    entry[key] += ast.literal_eval(line)
        flush()

    def t(self, english):
        """The German text of an English message (KeyError when the catalog lacks it: a test
        must not silently look for English)."""
        return self.messages[english]

    def tf(self, english, *args):
        """t() with %s placeholders filled in order (as trf and wxString::Format do)."""
        text = self.t(english)
        for a in args:
            text = text.replace("%s", str(a), 1)
        return text

    def english_leaks(self, texts):
        leaks = []
        for text in texts:
            if not text:
                continue
            if text in self.messages and self.messages[text] != text:
                leaks.append((text, "an English message of the catalog"))
                continue
            plain = text
            for product in PRODUCT_NAMES:
                plain = plain.replace(product, "")
            words = set(w.lower() for w in re.findall(r"[A-Za-z]+", plain))
            found = sorted(words & ENGLISH_WORDS)
            if found:
                leaks.append((text, "English words %s" % ", ".join(found)))
        return leaks
