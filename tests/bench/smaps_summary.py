#!/usr/bin/python3
"""smaps_summary: resident memory of a process by mapping, from a copy of /proc/PID/smaps.

usage: /usr/bin/python3 tests/bench/smaps_summary.py FILE [OTHER_FILE]

Prints Rss (KiB) per mapped file (anonymous mappings as [anon], [heap], [stack]), split into
file-backed (Rss - Anonymous) and anonymous parts, largest first. With a second file (the
reference app's), prints both side by side and the difference.
"""
import collections
import sys


def read(path):
    out = collections.defaultdict(lambda: [0, 0])
    name = None
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if "-" in parts[0] and len(parts) >= 5 and ":" in parts[3]:
                name = parts[5] if len(parts) >= 6 else "[anon]"
                name = name.rsplit("/", 1)[-1]
            elif parts[0] == "Rss:":
                out[name][0] += int(parts[1])
            elif parts[0] == "Anonymous:":
                out[name][1] += int(parts[1])
    return out


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    a = read(argv[1])
    b = read(argv[2]) if len(argv) == 3 else {}
    names = sorted(set(a) | set(b), key=lambda n: -(a.get(n, [0, 0])[0] - b.get(n, [0, 0])[0]))
    print("%-40s %8s %8s %8s %8s" % ("mapping", "rss", "anon", "other", "diff"))
    for n in names:
        ra, aa = a.get(n, [0, 0])
        rb = b.get(n, [0, 0])[0]
        if ra == 0 and rb == 0:
            continue
        print("%-40s %8d %8d %8d %8d" % (n[:40], ra, aa, rb, ra - rb))
    print("%-40s %8d %8d %8d %8d" % ("total", sum(v[0] for v in a.values()),
                                     sum(v[1] for v in a.values()),
                                     sum(v[0] for v in b.values()),
                                     sum(v[0] for v in a.values()) - sum(v[0] for v in b.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
