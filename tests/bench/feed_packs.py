"""feed_packs: a realistic installed feed of generated fix packs, for the tray benchmarks.

``generate(n, seed)`` makes ``n`` valid fix packs (distinct pack and fix ids, 1-3 fixes each,
categories from the allowed set, titles and descriptions in English and German, keywords, a
check, a few steps, a verify, sometimes a confirmation text, a revert or diagnostics), about
2-4 KB each. Pack 0 also holds the benchmark's own fix, ``BENCH_FIX_TITLE``: no confirmation, a
few steps that print a lot of output (in large and in small writes) and sleep, about 3 s.

``install(root, packs, serial)`` installs them as FeedSync leaves an installed feed on a machine
whose FIXTRAY_MACHINE_ROOT is ``root``: ``root/var/lib/fixtray/feed/generations/g<serial>/packs``,
``state.json`` describing that generation, and the ``current`` link switched by rename(2) (a
later call installs the next generation the same way, as a feed update does).

Command line (to look at what the benchmark installs):

    /usr/bin/python3 tests/bench/feed_packs.py ROOT [COUNT]
    FIXTRAY_MACHINE_ROOT=ROOT build/src/fixctl list
"""

import datetime
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from xml.sax.saxutils import escape

CATEGORIES = ["network", "printing", "performance", "storage", "accounts", "software", "other"]
REPOSITORY = "com.example.helpdesk"
BENCH_FIX_ID = "bench-noisy-repair"
BENCH_FIX_TITLE = "Repair the noisy sync service"

# (topic, English noun phrase, German noun phrase, category, a program a step runs)
TOPICS = [
    ("vpn", "the office VPN", "das Firmen-VPN", "network", "nmcli"),
    ("wifi", "the Wi-Fi", "das WLAN", "network", "nmcli"),
    ("proxy", "the web proxy", "den Web-Proxy", "network", "env"),
    ("dns", "name resolution", "die Namensauflösung", "network", "resolvectl"),
    ("printer", "the office printer", "den Bürodrucker", "printing", "lpstat"),
    ("scanner", "the scanner", "den Scanner", "printing", "scanimage"),
    ("labels", "the label printer", "den Etikettendrucker", "printing", "lpstat"),
    ("teams", "the chat app", "die Chat-App", "software", "pkill"),
    ("mail", "the mail client", "das Mailprogramm", "software", "pkill"),
    ("office", "the office suite", "die Office-Programme", "software", "soffice"),
    ("browser", "the web browser", "den Webbrowser", "software", "pkill"),
    ("updates", "software updates", "die Software-Updates", "software", "apt-get"),
    ("disk", "disk space", "den Speicherplatz", "storage", "df"),
    ("share", "the network drive", "das Netzlaufwerk", "storage", "gio"),
    ("sync", "file sync", "die Dateisynchronisierung", "storage", "true"),
    ("backup", "the backup", "die Datensicherung", "storage", "true"),
    ("slow", "a slow computer", "einen langsamen Rechner", "performance", "ps"),
    ("memory", "memory use", "die Speicherauslastung", "performance", "free"),
    ("startup", "slow start-up", "einen langsamen Start", "performance", "systemctl"),
    ("password", "the saved passwords", "die gespeicherten Passwörter", "accounts", "true"),
    ("sso", "single sign-on", "die Anmeldung (SSO)", "accounts", "klist"),
    ("keyring", "the keyring", "den Schlüsselbund", "accounts", "true"),
    ("audio", "the sound", "den Ton", "other", "pactl"),
    ("display", "the second screen", "den zweiten Bildschirm", "other", "xrandr"),
    ("webcam", "the camera", "die Kamera", "other", "true"),
    ("bluetooth", "the headset", "das Headset", "other", "bluetoothctl"),
]

VERBS = [("Repair", "reparieren"), ("Reset", "zurücksetzen"), ("Reconnect", "neu verbinden"),
         ("Clean up", "aufräumen"), ("Restart", "neu starten"), ("Check", "prüfen")]


def _fix_xml(rng, pack_no, fix_no, topic, title_suffix=""):
    key, en, de, category, program = topic
    verb_en, verb_de = rng.choice(VERBS)
    fid = "%s-%03d-%d" % (key, pack_no, fix_no)
    title_en = "%s %s (%03d.%d)%s" % (verb_en, en, pack_no, fix_no, title_suffix)
    title_de = "%s %s (%03d.%d)%s" % (de[0].upper() + de[1:], verb_de, pack_no, fix_no,
                                     title_suffix)
    # One fix in six asks first (its menu entry ends in "...").
    confirm = rng.random() < 1 / 6
    out = ['  <fix id="%s" category="%s" platforms="linux">' % (fid, category),
           "    <title>%s</title>" % escape(title_en),
           '    <title xml:lang="de">%s</title>' % escape(title_de),
           "    <description>Use this when %s does not work as it should: it puts the usual "
           "suspects back in order and checks the result. Your files are not touched."
           "</description>" % escape(en),
           '    <description xml:lang="de">Wenn %s nicht richtig funktioniert: bringt die '
           "üblichen Verdächtigen in Ordnung und prüft das Ergebnis. Ihre Dateien bleiben "
           "unberührt.</description>" % escape(de),
           "    <keywords>%s, %s, broken, slow, not working, geht nicht, kaputt</keywords>"
           % (key, escape(en))]
    if confirm:
        out += ["    <confirm>%s will be interrupted for a moment.</confirm>"
                % escape(en[0].upper() + en[1:]),
                '    <confirm xml:lang="de">%s wird kurz unterbrochen.</confirm>'
                % escape(de[0].upper() + de[1:])]
    out += ["    <check>",
            '      <http-probe url="${probe_url}" expect-status="200 204" timeout="5s"/>',
            "    </check>",
            "    <steps>",
            '      <run label="Asking %s for its state" label-de="Zustand wird abgefragt" '
            'if-program="%s" ok-exit="0 1" timeout="30s"><arg>%s</arg><arg>--version</arg>'
            "</run>" % (escape(en), program, program),
            '      <delete-files label="Removing stale files" label-de="Alte Dateien werden '
            'entfernt" root="${cache}/%s" glob="**" older-than="7d" continue-on-error="true"/>'
            % key,
            '      <wait label="Waiting a moment" label-de="Kurz warten" duration="1s"/>']
    if rng.random() < 0.5:
        out.append('      <end-process label="Closing the helper" name="%s-helper" grace="3s" '
                   'continue-on-error="true"/>' % key)
    out += ["    </steps>",
            "    <verify>",
            '      <exists label="Checking the cache" root="${cache}/%s" glob="**/*.lock" '
            'expect="absent"/>' % key,
            "    </verify>"]
    if rng.random() < 0.3:
        out += ["    <revert>",
                '      <wait label="Giving it time" duration="2s"/>',
                "    </revert>"]
    if rng.random() < 0.4:
        out += ["    <diagnostics>",
                '      <command name="%s-version"><arg>%s</arg><arg>--version</arg></command>'
                % (key, program),
                '      <fact name="disk.free"/>',
                "    </diagnostics>"]
    out.append("  </fix>")
    return fid, title_en, "\n".join(out)


def _bench_fix_xml():
    """The benchmark's fix: no confirmation; output in big writes (seq) and in many small ones
    (a shell loop), sleeps in between; about 3 s."""
    return "\n".join([
        '  <fix id="%s" category="other" platforms="linux">' % BENCH_FIX_ID,
        "    <title>%s</title>" % BENCH_FIX_TITLE,
        '    <title xml:lang="de">Den lauten Synchronisierungsdienst reparieren</title>',
        "    <description>Restarts the sync service, which writes a lot to its log."
        "</description>",
        '    <description xml:lang="de">Startet den Synchronisierungsdienst neu, der viel '
        "protokolliert.</description>",
        "    <keywords>sync, noisy, log</keywords>",
        "    <steps>",
        '      <run label="Listing the sync journal" timeout="60s">'
        "<arg>seq</arg><arg>1</arg><arg>150000</arg></run>",
        '      <run label="Waiting for the service" timeout="30s"><arg>sleep</arg><arg>1</arg>'
        "</run>",
        '      <shell label="Replaying the sync log" interpreter="sh" timeout="60s"><script>'
        'i=0; while [ $i -lt 4000 ]; do echo "sync: file $i of 4000 checked, nothing to do"; '
        "i=$((i+1)); done</script></shell>",
        '      <wait label="Letting it settle" duration="1s"/>',
        '      <run label="Listing the sync journal again" timeout="60s">'
        "<arg>seq</arg><arg>1</arg><arg>50000</arg></run>",
        "    </steps>",
        "    <verify><run><arg>true</arg></run></verify>",
        "  </fix>"])


def generate(n=200, seed=42, version=1, changed=None):
    """{pack id: (pack id, version, xml)} for ``n`` packs, plus [(fix id, title)] of every
    fix. ``changed``: a pack number whose pack gets version+1 and " (updated)" after its first
    fix's title (what a feed update publishes)."""
    rng = random.Random(seed)
    packs, fixes = {}, []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        pack_id = "%s.%s-%03d" % (REPOSITORY, topic[0], i)
        v = version + (1 if changed == i else 0)
        parts = ['<?xml version="1.0" encoding="UTF-8"?>',
                 "<!-- Generated for the tray benchmark (tests/bench/feed_packs.py). -->",
                 '<fixpack xmlns="urn:fixtray:fixpack:1" id="%s" version="%d">' % (pack_id, v),
                 '  <param name="probe_url" default="https://intranet.example.com/%s/health"/>'
                 % topic[0]]
        if i == 0:
            parts.append(_bench_fix_xml())
            fixes.append((BENCH_FIX_ID, BENCH_FIX_TITLE))
        for k in range(rng.randint(1, 3)):
            t = topic if k == 0 else TOPICS[rng.randrange(len(TOPICS))]
            suffix = " (updated)" if (changed == i and k == 0) else ""
            fid, title, xml = _fix_xml(rng, i, k, t, suffix)
            parts.append(xml)
            fixes.append((fid, title))
        parts.append("</fixpack>\n")
        packs[pack_id] = (pack_id, v, "\n".join(parts))
    return packs, fixes


def _rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def feed_state_dir(root):
    return os.path.join(root, "var", "lib", "fixtray", "feed")


def sign(root, path):
    """Sign ``path`` with the stock minisign by a key made once under ``root/signing`` whose
    public half is trusted through the machine's keys directory (``root/etc/fixtray/keys``):
    fixtray loads a feed's packs only while its index verifies with a trusted key."""
    key_dir = os.path.join(root, "signing")
    keys_dir = os.path.join(root, "etc", "fixtray", "keys")
    if not os.path.exists(os.path.join(key_dir, "feed.key")):
        os.makedirs(key_dir, exist_ok=True)
        subprocess.run(["minisign", "-G", "-W", "-p", os.path.join(key_dir, "feed.pub"),
                        "-s", os.path.join(key_dir, "feed.key")],
                       check=True, stdout=subprocess.DEVNULL)
        os.makedirs(keys_dir, exist_ok=True)
        shutil.copyfile(os.path.join(key_dir, "feed.pub"),
                        os.path.join(keys_dir, "bench-feed.pub"))
        for d in ("etc", "etc/fixtray", "etc/fixtray/keys"):
            os.chmod(os.path.join(root, d), 0o755)
        os.chmod(os.path.join(keys_dir, "bench-feed.pub"), 0o644)
    subprocess.run(["minisign", "-S", "-s", os.path.join(key_dir, "feed.key"), "-m", path],
                   check=True, stdout=subprocess.DEVNULL)
    os.chmod(path + ".minisig", 0o644)


def install(root, packs, serial):
    """Install ``packs`` (from ``generate``) as feed generation g<serial> under machine root
    ``root``, in FeedSync's order: the generation's packs (content-addressed names) and its
    index.xml, the ``current`` link switched by rename(2), then state.json; older generations
    are removed. Returns the generation's packs directory."""
    state_dir = feed_state_dir(root)
    gen = "g%d" % serial
    gen_dir = os.path.join(state_dir, "generations", gen)
    packs_dir = os.path.join(gen_dir, "packs")
    os.makedirs(packs_dir, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    generated = now - datetime.timedelta(hours=1)
    expires = now + datetime.timedelta(days=30)
    entries = []
    for pack_id, version, xml in sorted(packs.values()):
        data = xml.encode()
        sha = hashlib.sha256(data).hexdigest()
        name = "%s-%s.xml" % (pack_id, sha[:16])
        with open(os.path.join(packs_dir, name), "wb") as f:
            f.write(data)
        os.chmod(os.path.join(packs_dir, name), 0o644)
        entries.append({"id": pack_id, "version": version, "file": name, "sha256": sha,
                        "size": len(data)})
    index = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<feed xmlns="https://fixtray.org/feed/1" repository="%s" serial="%d" '
             'generated="%s" expires="%s">' % (REPOSITORY, serial,
                                               generated.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                               expires.strftime("%Y-%m-%dT%H:%M:%SZ"))]
    for e in entries:
        index.append('  <pack id="%(id)s" version="%(version)d" file="%(file)s" '
                     'size="%(size)d" sha256="%(sha256)s"/>' % e)
    index.append("</feed>\n")
    index_bytes = "\n".join(index).encode()
    with open(os.path.join(gen_dir, "index.xml"), "wb") as f:
        f.write(index_bytes)
    sign(root, os.path.join(gen_dir, "index.xml"))
    for d, _, files in os.walk(gen_dir):
        os.chmod(d, 0o755)
        for name in files:
            os.chmod(os.path.join(d, name), 0o644)
    # The switch.
    link_tmp = os.path.join(state_dir, "current.new-" + gen)
    if os.path.lexists(link_tmp):
        os.unlink(link_tmp)
    os.symlink(os.path.join("generations", gen), link_tmp)
    os.rename(link_tmp, os.path.join(state_dir, "current"))
    index_sha = hashlib.sha256(index_bytes).hexdigest()
    state = {"url": "https://helpdesk.example.com/fixtray/", "repository": REPOSITORY,
             "serial": serial, "index_sha256": index_sha, "etag": "\"bench-%d\"" % serial,
             "generation": gen, "generated": _rfc3339(generated), "expires": _rfc3339(expires),
             "last_check": _rfc3339(now), "last_success": _rfc3339(now),
             "next_due": _rfc3339(now + datetime.timedelta(minutes=15)), "last_error": "",
             "packs": entries, "revoked": [],
             "floors": {REPOSITORY: {"serial": serial, "index_sha256": index_sha}}}
    tmp = os.path.join(state_dir, "state.json.tmp")
    with open(tmp, "w") as f:
        json.dump(state, f, indent=2)
        f.write("\n")
    os.chmod(tmp, 0o644)
    os.rename(tmp, os.path.join(state_dir, "state.json"))
    for other in os.listdir(os.path.join(state_dir, "generations")):
        if other != gen:
            shutil.rmtree(os.path.join(state_dir, "generations", other), ignore_errors=True)
    for d in ("var", "var/lib", "var/lib/fixtray", "var/lib/fixtray/feed",
              "var/lib/fixtray/feed/generations"):
        os.chmod(os.path.join(root, d), 0o755)
    return packs_dir


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    root = os.path.abspath(argv[1])
    packs, fixes = generate(int(argv[2]) if len(argv) == 3 else 200)
    d = install(root, packs, 1)
    size = sum(len(x.encode()) for _, _, x in packs.values())
    print("%d packs, %d fixes, %d bytes in %s" % (len(packs), len(fixes), size, d))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
