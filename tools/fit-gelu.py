"""Fits the rational erf of assembly/gelu.ts and checks the float32 kernel's error by emulating it.

erf(z) / z = Nz(z^2) / Dz(z^2) on z in [0, 4], degrees 5 / 5, minimax in relative error by the
differential-correction algorithm (a linear program per step). Printed: the coefficients rescaled for
x = z sqrt 2 and folded into erf / 2 with D monic (what gelu.ts holds), then the emulated kernel's error
(numpy float32, the same operation order) vs the float64 erf GELU; and the unrounded coefficients, which the
pure-TS kernel evaluates in float64. Needs numpy and scipy:
    python3 tools/fit-gelu.py
"""

import numpy as np
from scipy.optimize import linprog
from scipy.special import erfc, erf

C, DEG, CLAMP = 4.0, 5, 3.88  # fit range in z; degree of N and D; clamp in z (phi rounds to exactly 0 / 1 there)

z = np.unique(np.concatenate([np.linspace(0, C, 2000), C * np.sin(np.linspace(0, np.pi / 2, 2000))]))
sig = z * z / (C * C)  # the fit runs on [0, 1] for conditioning
f = np.where(z > 0, erf(z) / np.where(z > 0, z, 1), 2 / np.sqrt(np.pi))
V = np.vstack([sig**i for i in range(DEG + 1)]).T
rel = lambda n, d: np.abs((V @ n) / (V @ d) / f - 1).max()
n, d = np.linalg.lstsq(V, f, rcond=None)[0], np.eye(DEG + 1)[0]
delta = rel(n, d)
while True:
    # minimize t: |N / f - D| - delta D <= t D_prev (scaled by 1e6: the solver's tolerances are ~1e-7)
    Dk, K, m = V @ d, 1e6, len(sig)
    A1 = np.hstack([K * V / f[:, None], -K * (1 + delta) * V, -Dk[:, None]])
    A2 = np.hstack([-K * V / f[:, None], K * (1 - delta) * V, -Dk[:, None]])
    cost = np.zeros(2 * DEG + 3)
    cost[-1] = 1
    bounds = [(None, None)] * (DEG + 1) + [(-1, 1)] * (DEG + 1) + [(None, None)]
    r = linprog(cost, A_ub=np.vstack([A1, A2]), b_ub=np.zeros(2 * m), bounds=bounds, method="highs")
    nn, dd = r.x[: DEG + 1], r.x[DEG + 1 : 2 * DEG + 2]
    if rel(nn, dd) >= delta * (1 - 1e-9):
        break
    n, d, delta = nn, dd, rel(nn, dd)
print(f"fit: max relative error of erf(z) / z {delta:.3e}")

# erf(x / sqrt 2) / 2 = x * N(x^2) / D(x^2): Nz(s / 2) * 0.5 / sqrt 2, Dz(s / 2), back from sigma to s = z^2
i = np.arange(DEG + 1)
nx = n / (C * C) ** i * 0.5 / np.sqrt(2) / 2.0**i
dx = d / (C * C) ** i / 2.0**i
nx, dx = nx / dx[-1], dx / dx[-1]
N32, D32 = nx.astype(np.float32), dx.astype(np.float32)
L = np.float32(CLAMP * np.sqrt(2))
for k in range(DEG + 1):
    print(f"const N{k}: f32 = {float(N32[k])!r};")
for k in range(DEG):
    print(f"const D{k}: f32 = {float(D32[k])!r};")
print(f"const L: f32 = {float(L)!r};")
print("float64 (src/backend/js/kernels.ts): N", [float(v) for v in nx], "D", [float(v) for v in dx[:-1]])


def gelu32(x):
    """The float32 kernel, operation by operation: N and D by Estrin's scheme, as assembly/gelu.ts."""
    assert DEG == 5
    xc = np.minimum(np.maximum(x, -L), L)
    s = xc * xc
    s2 = s * s
    s4 = s2 * s2
    n = (N32[1] * s + N32[0] + s2 * (N32[3] * s + N32[2])) + s4 * (N32[5] * s + N32[4])
    d = (D32[1] * s + D32[0] + s2 * (D32[3] * s + D32[2])) + s4 * (s + D32[4])
    return x * np.maximum(np.float32(0.5) + xc * n / d, np.float32(0))


rng = np.random.default_rng(1)
near = np.arange(np.float32(L - 0.3).view(np.int32), L.view(np.int32) + 1, dtype=np.int32).view(np.float32)
x = np.concatenate([np.linspace(-12, 12, 4_000_001, dtype=np.float32), near, -near, np.float32([400, -400, 3e38, -3e38])])
x = np.concatenate([x, (np.exp(rng.uniform(-80, 5, 1_000_000)) * rng.choice([-1, 1], 1_000_000)).astype(np.float32)])
g, ref = gelu32(x).astype(np.float64), 0.5 * x.astype(np.float64) * erfc(-x.astype(np.float64) / np.sqrt(2))
pos = x >= 0
ulp = np.spacing(np.maximum(np.abs(ref.astype(np.float32)), np.float32(1.2e-38))).astype(np.float64)
print(f"emulated float32 kernel: x >= 0 max {np.max(np.abs(g - ref)[pos] / ulp[pos]):.2f} ulp;", end=" ")
print(f"x < 0 max |error| {np.max(np.abs(g - ref)[~pos] / -x[~pos]):.3e} |x|; wrong sign: {int(np.sum(g[~pos] > 0))}")
