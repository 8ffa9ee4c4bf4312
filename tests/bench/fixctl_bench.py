#!/usr/bin/python3
"""fixctl_bench: fixctl's memory and its time to return, against fixctl itself doing nothing.

usage: /usr/bin/python3 tests/bench/fixctl_bench.py --fixctl BIN [--rounds N]

Issue 12's two benchmarks, each side by side in one run (medians over N rounds, default 3):
  peak RSS      fixctl's peak resident memory (ru_maxrss from wait4) while a fix's steps
                  (a) print 200 MB (100 MB of text on stdout, 100 MB of NUL bytes on stderr),
                  (b) are 500 steps each printing 70 KB of NUL bytes,
                  (c) are 150 steps each printing 70 KB of text,
                against fixctl running one /bin/true step; target: ratio <= 2.
  timeout       a step with timeout 1s whose process ignores SIGTERM and whose children
                (setsid, a double fork) keep the output pipe open; fixctl's whole run time
                less the timeout, against the step's kill grace (2 s); target: <= grace + 0.5 s.
                Also prints how many of those processes were left running (should be 0).
Each fixctl runs with a fresh HOME (its own audit log) and --no-builtin --packs DIR.
Exit 0 when everything was measured (a miss is a result), 1 when a run failed, 2 on bad usage.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PACK = """<?xml version="1.0" encoding="UTF-8"?>
<fixpack xmlns="urn:fixtray:fixpack:1" id="com.example.bench.{id}" version="1">
  <fix id="{id}" category="other" platforms="linux">
    <title>{id}</title>
    <description>fixctl_bench</description>
    <steps>
{steps}
    </steps>
  </fix>
</fixpack>
"""


def run_step(args, attrs=""):
    return "      <run %s>%s</run>" % (attrs, "".join("<arg>%s</arg>" % a for a in args))


def packs(root):
    d = os.path.join(root, "packs")
    os.makedirs(d)
    cases = {
        "true": [run_step(["/bin/true"])],
        "big": [run_step(["sh", "-c", "yes line-of-text | head -c 100000000; "
                          "head -c 100000000 /dev/zero >&2"], 'timeout="300s"')],
        "many-nul": [run_step(["head", "-c", "71680", "/dev/zero"])] * 500,
        "many-text": [run_step(["sh", "-c", "yes line-of-text | head -c 71680"])] * 150,
        "timeout": [run_step(["sh", "-c", "trap '' TERM; setsid sleep 6017 &amp; "
                              "setsid sh -c 'sleep 6017 &amp;' ; sleep 6017"],
                             'timeout="1s"')],
    }
    for name, steps in cases.items():
        with open(os.path.join(d, name + ".xml"), "w") as f:
            f.write(PACK.format(id=name, steps="\n".join(steps)))
    return d


def fixctl_run(fixctl, pack_dir, fix, home):
    """(exit code, seconds, peak RSS in KiB) of one `fixctl run FIX`."""
    env = dict(os.environ, HOME=home, LANG="C.UTF-8")
    for k in ("XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        env.pop(k, None)
    t0 = time.monotonic()
    p = subprocess.Popen([fixctl, "--no-builtin", "--packs", pack_dir, "run", fix, "--yes"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    took = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, took, usage.ru_maxrss


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fixctl", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args(argv)
    root = tempfile.mkdtemp(prefix="fixctl_bench.")
    try:
        d = packs(root)
        rss = {k: [] for k in ("true", "big", "many-nul", "many-text")}
        late, leftovers = [], []
        for r in range(a.rounds):
            for fix in rss:
                home = tempfile.mkdtemp(dir=root)
                code, _, peak = fixctl_run(a.fixctl, d, fix, home)
                if code != 0:
                    print("fixctl run %s exited %d" % (fix, code), file=sys.stderr)
                    return 1
                rss[fix].append(peak)
            home = tempfile.mkdtemp(dir=root)
            code, took, _ = fixctl_run(a.fixctl, d, "timeout", home)
            if code != 1:
                print("fixctl run timeout exited %d (expected 1, not fixed)" % code,
                      file=sys.stderr)
                return 1
            late.append(took - 1.0)
            left = subprocess.run(["pgrep", "-f", "^sleep 6017$"], stdout=subprocess.PIPE,
                                  text=True).stdout.split()
            leftovers.append(len(left))
            subprocess.run(["pkill", "-KILL", "-f", "^sleep 6017$"], check=False)
        base = statistics.median(rss["true"])
        print("fixctl peak RSS (median of %d rounds), against one /bin/true step: %.1f MB"
              % (a.rounds, base / 1024))
        for fix, label in (("big", "one step printing 200 MB (text + NUL)"),
                           ("many-nul", "500 steps x 70 KB of NUL bytes"),
                           ("many-text", "150 steps x 70 KB of text")):
            m = statistics.median(rss[fix])
            ratio = m / base
            print("  %-42s %7.1f MB  ratio %.2f (target <= 2): %s"
                  % (label, m / 1024, ratio, "met" if ratio <= 2 else "NOT MET"))
        m = statistics.median(late)
        print("step timeout (1 s) to fixctl's return, kill grace 2 s: %.2f s (max %.2f); "
              "target <= 2.5 s: %s" % (m, max(late), "met" if max(late) <= 2.5 else "NOT MET"))
        print("processes of the timed-out step left running when fixctl returned: %d"
              % max(leftovers))
        return 0
    finally:
        subprocess.run(["pkill", "-KILL", "-f", "^sleep 6017$"], check=False)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
