#!/usr/bin/env python3
"""python3 bench/percall-summary.py DIR: medians (runs of all passes pooled) and ratios to native of bench/percall-e2e.sh's rows."""
import glob, json, os, statistics, sys

out = sys.argv[1]
print(f"## {out}\n\n```\n{open(os.path.join(out, 'machine.txt')).read().strip()}\n```\n")
medians = {}
for row in ("flood", "files", "fixed", "hello"):
    files = sorted(glob.glob(os.path.join(out, f"{row}.pass*.json")) + glob.glob(os.path.join(out, f"{row}.json")))
    if not files:
        continue
    times, cpu = {}, {}
    for f in files:
        for r in json.load(open(f))["results"]:
            times.setdefault(r["command"], []).extend(r["times"])
            # hyperfine keeps only the mean user and system time per command and pass: weighted by the pass's runs
            cpu.setdefault(r["command"], []).extend([r["user"] + r["system"]] * len(r["times"]))
    med = {c: statistics.median(t) for c, t in times.items()}
    medians[row] = med
    base = med.get("native")
    if row == "fixed":
        base = None
    print(f"### {row} ({len(files)} passes)\n\n| contender | median | p25–p75 | runs | ÷ native | CPU (user+sys) | CPU ÷ native's |\n|---|---:|---:|---:|---:|---:|---:|")
    native_cpu = statistics.mean(cpu["native"]) if "native" in cpu else None
    for c, t in sorted(times.items(), key=lambda kv: med[kv[0]]):
        q = statistics.quantiles(t, n=4) if len(t) > 1 else [t[0]] * 3
        ratio = f"{med[c] / base:.2f}×" if base else ""
        c_cpu = statistics.mean(cpu[c])
        # A jailed worker's CPU never reaches hyperfine (bubblewrap's pid namespace): only the parent's shows.
        cpu_text = f"({c_cpu*1000:.1f} ms, parent only)" if "jail" in c else f"{c_cpu*1000:.1f} ms"
        cpu_ratio = f"{c_cpu / native_cpu:.2f}×" if native_cpu and "jail" not in c else ""
        print(f"| {c} | {med[c]*1000:.1f} ms | {q[0]*1000:.1f}–{q[2]*1000:.1f} | {len(t)} | {ratio} | {cpu_text} | {cpu_ratio} |")
    print()

# Marginal cost per write and per cycle: (row median - the same program's median with 0 writes or cycles) / count.
fixed = medians.get("fixed", {})
for row, count, word in (("flood", int(os.environ.get("N", 200000)), "write"), ("files", int(os.environ.get("CYCLES", 2000)), "cycle")):
    if row not in medians or not fixed:
        continue
    print(f"### marginal cost per {word} ({row} − the same run with 0)\n\n| contender | fixed | per {word} | ÷ native's |\n|---|---:|---:|---:|")
    rows = []
    for c, m in medians[row].items():
        name = "native" if c == "native" else c
        zero = f"native {row} 0" if c == "native" else c.replace(" (", f" {row} 0 (", 1)
        if zero in fixed:
            rows.append((c, fixed[zero], (m - fixed[zero]) / count))
    native = next((r for r in rows if r[0] == "native"), None)
    for c, z, per in sorted(rows, key=lambda r: r[2]):
        print(f"| {c} | {z*1000:.1f} ms | {per*1e9:.0f} ns | {per / native[2]:.2f}× |" if native else f"| {c} | {z*1000:.1f} ms | {per*1e9:.0f} ns | |")
    print()
