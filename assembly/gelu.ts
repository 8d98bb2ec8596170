// Exact (erf) GELU on four float32 lanes: gelu(x) = x * Phi(x), Phi(-u) = exp(-u^2 / 2) * t * G(t) with
// u = |x|, t = 1 / (1 + 0.3 u) and G a degree-9 polynomial fitted (relative error 3.7e-9 on u in [0, 14.5],
// coefficients already rounded to float32). exp(-u^2 / 2) takes u^2 as an exact hi + lo pair (u split into
// 12-bit halves), since rounding u^2 alone would cost up to 50 ulp at u = 14. Beyond u = 14.5, Phi(-u)
// underflows float32 for every x, so it is 0.

const A: f32 = 0.3;
const G0: f32 = 0.11968669295310974;
const G1: f32 = 0.1195717453956604;
const G2: f32 = 0.11023605614900589;
const G3: f32 = 0.07838641852140427;
const G4: f32 = 0.09616696834564209;
const G5: f32 = -0.07944376766681671;
const G6: f32 = 0.1918104887008667;
const G7: f32 = -0.2282341718673706;
const G8: f32 = 0.11244481056928635;
const G9: f32 = -0.020625242963433266;
const LOG2E: f32 = 1.4426950408889634;
// ln 2 split so that n * LN2_HI is exact for |n| < 256.
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.428606765330187e-6;
const CUTOFF: f32 = 14.5;
const SHIFTER: f32 = 12582912.0; // 1.5 * 2^23

// v128 constants are re-materialized by V8 at every use (3-4 instructions each, 35 per vector: most of
// the cost), and Binaryen folds any splat back into a constant; so they live in memory at a fixed address
// (below the host's first allocation), written once by initConstants, and are loaded where used.
const TABLE: usize = 256;
const T_A = 0;
const T_G0 = 16;
const T_G1 = 32;
const T_G2 = 48;
const T_G3 = 64;
const T_G4 = 80;
const T_G5 = 96;
const T_G6 = 112;
const T_G7 = 128;
const T_G8 = 144;
const T_G9 = 160;
const T_LOG2E = 176;
const T_LN2_HI = 192;
const T_LN2_LO = 208;
const T_CUTOFF = 224;
const T_SHIFTER = 240;
const T_NEG_HALF = 256;
const T_ONE = 272;
const T_HALF = 288;
const T_E2 = 304;
const T_E3 = 320;
const T_E4 = 336;
const T_E5 = 352;
const T_E6 = 368;
const T_MASK12 = 400;
const T_EXP_BIAS = 416;
const T_ZERO = 432;

/** Writes the constant table; the host calls it once before any kernel. */
export function initConstants(): void {
  v128.store(TABLE + T_A, f32x4.splat(A));
  v128.store(TABLE + T_G0, f32x4.splat(G0));
  v128.store(TABLE + T_G1, f32x4.splat(G1));
  v128.store(TABLE + T_G2, f32x4.splat(G2));
  v128.store(TABLE + T_G3, f32x4.splat(G3));
  v128.store(TABLE + T_G4, f32x4.splat(G4));
  v128.store(TABLE + T_G5, f32x4.splat(G5));
  v128.store(TABLE + T_G6, f32x4.splat(G6));
  v128.store(TABLE + T_G7, f32x4.splat(G7));
  v128.store(TABLE + T_G8, f32x4.splat(G8));
  v128.store(TABLE + T_G9, f32x4.splat(G9));
  v128.store(TABLE + T_LOG2E, f32x4.splat(LOG2E));
  v128.store(TABLE + T_LN2_HI, f32x4.splat(LN2_HI));
  v128.store(TABLE + T_LN2_LO, f32x4.splat(LN2_LO));
  v128.store(TABLE + T_CUTOFF, f32x4.splat(CUTOFF));
  v128.store(TABLE + T_SHIFTER, f32x4.splat(SHIFTER));
  v128.store(TABLE + T_NEG_HALF, f32x4.splat(-0.5));
  v128.store(TABLE + T_ONE, f32x4.splat(1));
  v128.store(TABLE + T_HALF, f32x4.splat(0.5));
  v128.store(TABLE + T_E2, f32x4.splat(1.0 / 6.0));
  v128.store(TABLE + T_E3, f32x4.splat(1.0 / 24.0));
  v128.store(TABLE + T_E4, f32x4.splat(1.0 / 120.0));
  v128.store(TABLE + T_E5, f32x4.splat(1.0 / 720.0));
  v128.store(TABLE + T_E6, f32x4.splat(1.0 / 5040.0));
  v128.store(TABLE + T_MASK12, i32x4.splat(0xfffff000));
  v128.store(TABLE + T_EXP_BIAS, i32x4.splat(127));
  v128.store(TABLE + T_ZERO, f32x4.splat(0));
}

@inline
function k(offset: usize): v128 {
  return v128.load(TABLE + offset);
}

@inline
function madd(acc: v128, t: v128, c: usize): v128 {
  return f32x4.add(f32x4.mul(acc, t), k(c));
}

@inline
export function geluV(x: v128): v128 {
  const u = f32x4.abs(x);
  const uh = v128.and(u, k(T_MASK12));
  const ul = f32x4.sub(u, uh);
  const hi = f32x4.mul(f32x4.mul(uh, uh), k(T_NEG_HALF));
  const lo = f32x4.mul(f32x4.mul(ul, f32x4.add(u, uh)), k(T_NEG_HALF));
  // n = round(hi / ln 2) via the 1.5 * 2^23 shifter: its low mantissa bits hold n as an integer, which
  // avoids i32x4.trunc_sat_f32x4_s (many instructions on x64 without AVX-512)
  const shifter = k(T_SHIFTER);
  const shifted = f32x4.add(f32x4.mul(hi, k(T_LOG2E)), shifter);
  const n = f32x4.sub(shifted, shifter);
  // Cody-Waite: hi - n * LN2_HI is exact (Sterbenz), so r keeps the low part of -u^2 / 2.
  const r = f32x4.add(f32x4.sub(hi, f32x4.mul(n, k(T_LN2_HI))), f32x4.sub(lo, f32x4.mul(n, k(T_LN2_LO))));
  // exp(r) for r in [-0.41, 0.35]: Taylor to degree 7 (truncation < 2e-8). Both polynomials use Estrin's
  // scheme: the latency of a Horner chain, not the instruction count, was what limited throughput.
  const one = k(T_ONE);
  const r2 = f32x4.mul(r, r);
  const r4 = f32x4.mul(r2, r2);
  const e01 = f32x4.add(one, r);
  const e23 = madd(k(T_E2), r, T_HALF);
  const e45 = madd(k(T_E4), r, T_E3);
  const e67 = madd(k(T_E6), r, T_E5);
  const p = f32x4.add(
    f32x4.add(e01, f32x4.mul(r2, e23)),
    f32x4.mul(r4, f32x4.add(e45, f32x4.mul(r2, e67))),
  );
  const t = f32x4.div(one, f32x4.add(one, f32x4.mul(u, k(T_A))));
  const t2 = f32x4.mul(t, t);
  const t4 = f32x4.mul(t2, t2);
  const g01 = madd(k(T_G1), t, T_G0);
  const g23 = madd(k(T_G3), t, T_G2);
  const g45 = madd(k(T_G5), t, T_G4);
  const g67 = madd(k(T_G7), t, T_G6);
  const g89 = madd(k(T_G9), t, T_G8);
  const g = f32x4.add(
    f32x4.add(g01, f32x4.mul(t2, g23)),
    f32x4.mul(t4, f32x4.add(f32x4.add(g45, f32x4.mul(t2, g67)), f32x4.mul(t4, g89))),
  );
  const q = f32x4.mul(f32x4.mul(p, t), g); // Phi(-u) / 2^n
  // 2^n as two normal factors (n >= -152), so the only underflow is the final rounding.
  const ni = i32x4.sub(shifted, shifter);
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const bias = k(T_EXP_BIAS);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  const inRange = f32x4.le(u, k(T_CUTOFF));
  const neg = v128.and(f32x4.mul(f32x4.mul(f32x4.mul(x, q), s1), s2), inRange);
  const tail = v128.and(f32x4.mul(f32x4.mul(q, s1), s2), inRange);
  const pos = f32x4.mul(x, f32x4.sub(one, tail));
  return v128.bitselect(neg, pos, f32x4.lt(x, k(T_ZERO)));
}

/** out[i] = gelu(x[i]) for i < n (n a multiple of 4; in place allowed). */
export function geluArray(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, geluV(v128.load(x + o)));
  }
}
