#!/usr/bin/env python3
"""Compares copro's JSON estimates with R's CSV (estimate.R) on the benchmark file.
Usage: compare.py COPRO.json R.csv  → prints the number of matched estimates and the maximum
relative differences of the estimates and SEs; exits 1 if any estimate is missing on either side."""
import csv, json, sys

copro = {}
for e in json.load(open(sys.argv[1]))["estimates"]:
    d = e["domain"]
    copro[(str(d["area"]), str(d["wave"]), e["variable"])] = (e["estimate"], e["se"])
r = {}
for row in csv.DictReader(open(sys.argv[2])):
    r[(row["area"], row["wave"], row["variable"])] = (float(row["estimate"]), float(row["se"]))

def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)

missing = set(copro) ^ set(r)
common = set(copro) & set(r)
max_est = max(rel(copro[k][0], r[k][0]) for k in common)
max_se = max(rel(copro[k][1], r[k][1]) for k in common)
print(f"compared {len(common)} estimates (copro {len(copro)}, R {len(r)}): "
      f"max relative difference estimate {max_est:.2e}, SE {max_se:.2e}")
if missing:
    print(f"unmatched: {sorted(missing)[:5]}", file=sys.stderr)
    sys.exit(1)
