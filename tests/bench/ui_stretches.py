#!/usr/bin/python3
"""ui_stretches: where fixtray's UI thread was busy, from a perf recording of that thread.

usage: /usr/bin/python3 tests/bench/ui_stretches.py PERF_DATA [MIN_MS]

PERF_DATA is a file `tray_bench.py --perf` wrote (perf record -t <UI thread> with call graphs).
Prints every stretch of consecutive samples (no pause of 2 ms or more between them) that lasts
at least MIN_MS (default 20), with the functions most often on the stack during it: the
candidates for a heartbeat gap. The samples count time on the CPU only; a heartbeat gap also
holds the time the thread waited for a CPU.
"""

import collections
import re
import subprocess
import sys


def samples(path):
    out = subprocess.run(["perf", "script", "-i", path, "-F", "tid,time,ip,sym,dso"],
                         capture_output=True, text=True, check=True).stdout
    result, cur = [], None
    for line in out.splitlines():
        if not line.strip():
            if cur:
                result.append(cur)
            cur = None
        elif not line.startswith("\t"):  # a sample's header; its frames are indented by a tab
            m = re.match(r"\s*\d+\s+([\d.]+):", line)
            cur = (float(m.group(1)), []) if m else None
        elif cur:
            parts = line.strip().split(None, 1)
            if len(parts) > 1:
                cur[1].append(re.sub(r"\s*\(/.*$", "", parts[1]))
    if cur:
        result.append(cur)
    return sorted(result)


def stretches(all_samples, pause=0.002):
    runs, run = [], []
    for s in all_samples:
        if run and s[0] - run[-1][0] >= pause:
            runs.append(run)
            run = []
        run.append(s)
    if run:
        runs.append(run)
    return runs


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    min_ms = float(argv[2]) if len(argv) > 2 else 20.0
    for run in stretches(samples(argv[1])):
        ms = (run[-1][0] - run[0][0]) * 1000
        if ms < min_ms:
            continue
        counts = collections.Counter()
        for _, frames in run:
            counts.update(f for f in set(frames) if not f.startswith(("[unknown]", "0x")))
        print("%.3f s: busy %.1f ms, %d samples" % (run[0][0], ms, len(run)))
        for name, n in counts.most_common(80):
            # Frames on (nearly) every sample are the main loop itself.
            if 3 <= n < len(run) * 0.97:
                print("  %4d  %s" % (n, name[:150]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
