// GELU as PyTorch writes it, gelu(x) = x * (1/2 + erf(x / sqrt 2) / 2), with erf(x / sqrt 2) / 2 as
// xc * N(xc^2) / D(xc^2): N of degree 5, D monic of degree 5, a minimax fit (relative error 2.5e-8 for
// erf(z) / z on z in [0, 4]; tools/fit-gelu.py), coefficients rounded to float32. x is clamped to
// |xc| <= L = 3.88 sqrt 2, where the float32 result is exactly 0 or 1, so gelu(x) = x beyond L and -0
// below -L. About 28 vector operations, against 75 for the exp-based Phi(-|x|) this replaced. N and D are
// evaluated by Estrin's scheme, not Horner's: the same operations, but dependency chains of 3 multiply-adds
// instead of 5, and GELU is bound by its chains' latency (bench/RESULTS.md). Error vs the float64 erf GELU (emulated
// exhaustively near L by the fit script, tested in test/kernels-fast.test.ts): <= 3.1 ulp for x >= 0; for
// x < 0, where 1/2 + erf / 2 cancels, <= 1.8e-7 |x| absolute (PyTorch's kernel computes the same sum).

import {
  GELU_D0 as D0,
  GELU_D1 as D1,
  GELU_D2 as D2,
  GELU_D3 as D3,
  GELU_D4 as D4,
  GELU_LIMIT as L,
  GELU_N0 as N0,
  GELU_N1 as N1,
  GELU_N2 as N2,
  GELU_N3 as N3,
  GELU_N4 as N4,
  GELU_N5 as N5,
  KERNEL_TABLE_OFFSET,
} from "./constants.generated";

// v128 constants are re-materialized by V8 at every use (3-4 instructions each), and Binaryen folds any
// splat back into a constant; so they live in memory at a fixed address (below the host's first
// allocation), written once by initConstants (table.ts), and are loaded where used.
const TABLE: usize = <usize>KERNEL_TABLE_OFFSET;
const T_N0 = 0;
const T_N1 = 16;
const T_N2 = 32;
const T_N3 = 48;
const T_N4 = 64;
const T_N5 = 80;
const T_D0 = 96;
const T_D1 = 112;
const T_D2 = 128;
const T_D3 = 144;
const T_D4 = 160;
const T_L = 176;
const T_NEG_L = 192;
const T_HALF = 208;
const T_ZERO = 224;

/** Writes GELU's part of the constant table (table.ts: initConstants). */
export function initGeluConstants(): void {
  v128.store(TABLE + T_N0, f32x4.splat(N0));
  v128.store(TABLE + T_N1, f32x4.splat(N1));
  v128.store(TABLE + T_N2, f32x4.splat(N2));
  v128.store(TABLE + T_N3, f32x4.splat(N3));
  v128.store(TABLE + T_N4, f32x4.splat(N4));
  v128.store(TABLE + T_N5, f32x4.splat(N5));
  v128.store(TABLE + T_D0, f32x4.splat(D0));
  v128.store(TABLE + T_D1, f32x4.splat(D1));
  v128.store(TABLE + T_D2, f32x4.splat(D2));
  v128.store(TABLE + T_D3, f32x4.splat(D3));
  v128.store(TABLE + T_D4, f32x4.splat(D4));
  v128.store(TABLE + T_L, f32x4.splat(L));
  v128.store(TABLE + T_NEG_L, f32x4.splat(-L));
  v128.store(TABLE + T_HALF, f32x4.splat(0.5));
  v128.store(TABLE + T_ZERO, f32x4.splat(0));
}

@inline
function k(offset: usize): v128 {
  return v128.load(TABLE + offset);
}

@inline
function madd(acc: v128, s: v128, c: usize): v128 {
  return f32x4.add(f32x4.mul(acc, s), k(c));
}

/** Phi(x) = 1/2 + erf(x / sqrt 2) / 2 for one vector, >= 0 (the factor of x in GELU; GELU's backward uses it). */
@inline
export function gelu4Phi(x: v128): v128 {
  const xc = f32x4.pmin(f32x4.pmax(x, k(T_NEG_L)), k(T_L));
  const s = f32x4.mul(xc, xc);
  const s2 = f32x4.mul(s, s);
  const s4 = f32x4.mul(s2, s2);
  // Estrin's scheme: N = (N0 + N1 s) + s^2 (N2 + N3 s) + s^4 (N4 + N5 s), D likewise (D5 = 1)
  const n01 = madd(k(T_N1), s, T_N0);
  const n23 = madd(k(T_N3), s, T_N2);
  const n45 = madd(k(T_N5), s, T_N4);
  const d01 = madd(k(T_D1), s, T_D0);
  const d23 = madd(k(T_D3), s, T_D2);
  const d45 = f32x4.add(s, k(T_D4));
  const n = f32x4.add(f32x4.add(n01, f32x4.mul(s2, n23)), f32x4.mul(s4, n45));
  const d = f32x4.add(f32x4.add(d01, f32x4.mul(s2, d23)), f32x4.mul(s4, d45));
  // roundings can put 1/2 + erf / 2 at -1.2e-7 near x = -5: Phi >= 0 keeps GELU's sign right there
  const phi = f32x4.add(k(T_HALF), f32x4.div(f32x4.mul(xc, n), d));
  return f32x4.pmax(phi, k(T_ZERO));
}

/** x * Phi(x) for one vector. pmin/pmax are one instruction each (min/max are several); NaN passes through. */
@inline
export function gelu4(x: v128): v128 {
  return f32x4.mul(x, gelu4Phi(x));
}

/**
 * gelu on four vectors, stored at oa, ob, oc and od: the same operations as gelu4, with the four chains'
 * steps interleaved. GELU is bound by the latency of its chains; interleaved, four took 15% less time than
 * two pairs (3.6 vs 4.3 ns per vector over an array, a throwaway geluArray variant, min of 30 runs).
 */
@inline
export function geluQuad(oa: usize, a: v128, ob: usize, b: v128, oc: usize, c: v128, od: usize, d: v128): void {
  const ac = f32x4.pmin(f32x4.pmax(a, k(T_NEG_L)), k(T_L));
  const bc = f32x4.pmin(f32x4.pmax(b, k(T_NEG_L)), k(T_L));
  const cc = f32x4.pmin(f32x4.pmax(c, k(T_NEG_L)), k(T_L));
  const dc = f32x4.pmin(f32x4.pmax(d, k(T_NEG_L)), k(T_L));
  const as = f32x4.mul(ac, ac);
  const bs = f32x4.mul(bc, bc);
  const cs = f32x4.mul(cc, cc);
  const ds = f32x4.mul(dc, dc);
  const as2 = f32x4.mul(as, as);
  const bs2 = f32x4.mul(bs, bs);
  const cs2 = f32x4.mul(cs, cs);
  const ds2 = f32x4.mul(ds, ds);
  const an = estrinN(as, as2);
  const bn = estrinN(bs, bs2);
  const cn = estrinN(cs, cs2);
  const dn = estrinN(ds, ds2);
  const ad = estrinD(as, as2);
  const bd = estrinD(bs, bs2);
  const cd = estrinD(cs, cs2);
  const dd = estrinD(ds, ds2);
  v128.store(oa, f32x4.mul(a, f32x4.pmax(f32x4.add(k(T_HALF), f32x4.div(f32x4.mul(ac, an), ad)), k(T_ZERO))));
  v128.store(ob, f32x4.mul(b, f32x4.pmax(f32x4.add(k(T_HALF), f32x4.div(f32x4.mul(bc, bn), bd)), k(T_ZERO))));
  v128.store(oc, f32x4.mul(c, f32x4.pmax(f32x4.add(k(T_HALF), f32x4.div(f32x4.mul(cc, cn), cd)), k(T_ZERO))));
  v128.store(od, f32x4.mul(d, f32x4.pmax(f32x4.add(k(T_HALF), f32x4.div(f32x4.mul(dc, dn), dd)), k(T_ZERO))));
}

/** gelu4's numerator N(s), s = xc^2, s2 = s^2, by Estrin's scheme. */
@inline
function estrinN(s: v128, s2: v128): v128 {
  const n01 = madd(k(T_N1), s, T_N0);
  const n23 = madd(k(T_N3), s, T_N2);
  const n45 = madd(k(T_N5), s, T_N4);
  return f32x4.add(f32x4.add(n01, f32x4.mul(s2, n23)), f32x4.mul(f32x4.mul(s2, s2), n45));
}

/** gelu4's denominator D(s) (monic), by Estrin's scheme. */
@inline
function estrinD(s: v128, s2: v128): v128 {
  const d01 = madd(k(T_D1), s, T_D0);
  const d23 = madd(k(T_D3), s, T_D2);
  const d45 = f32x4.add(s, k(T_D4));
  return f32x4.add(f32x4.add(d01, f32x4.mul(s2, d23)), f32x4.mul(f32x4.mul(s2, s2), d45));
}

/** gelu on two vectors, stored at out and out + 16 (the GEMM epilogue's 8 pixels). */
@inline
export function geluPair(out: usize, xA: v128, xB: v128): void {
  v128.store(out, gelu4(xA));
  v128.store(out, gelu4(xB), 16);
}

/** out[i] = gelu(x[i]) for i < n (n a multiple of 8; in place allowed). */
export function geluArray(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i += 8) {
    const o = (<usize>i) << 2;
    geluPair(out + o, v128.load(x + o), v128.load(x + o, 16));
  }
}
