#!/usr/bin/env python3
"""Writes test/fixtures/erf-reference.json: erf, erfc and exact GELU from Python's libm (float64),
the independent reference for src/ops/erf.ts and the GELU activation. Run: python3 tools/erf_reference.py"""
import json, math, random

random.seed(0)
points = [0.0, 1e-30, 1e-8, 0.1, 0.5, 1.0, 2.0, 2.4999, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 20.0, 26.0, 27.3, 400.0]
points += [random.uniform(-7, 7) for _ in range(300)] + [random.uniform(-40, 40) for _ in range(50)]
points += [-p for p in points[:19]]
rows = []
for x in points:
    gelu = 0.5 * x * math.erfc(-x / math.sqrt(2))
    rows.append({"x": x, "erf": math.erf(x), "erfc": math.erfc(x), "gelu": gelu})
with open("test/fixtures/erf-reference.json", "w") as f:
    json.dump({"producer": "tools/erf_reference.py (Python math.erf/erfc, float64)", "rows": rows}, f)
