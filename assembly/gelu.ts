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
const T_EXP_BIAS = 416; // 127 + 64
const T_ZERO = 432;
const T_TWO_M64 = 448;

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
  v128.store(TABLE + T_EXP_BIAS, i32x4.splat(127 + 64));
  v128.store(TABLE + T_TWO_M64, f32x4.splat(5.421010862427522e-20)); // 2^-64
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

/**
 * gelu on two vectors, stored at out and out + 16. The formula is one long dependency chain, so the two
 * are computed interleaved (A and B), which runs them 15% faster than one after the other; with four,
 * V8 spills.
 */
@inline
export function geluPair(out: usize, xA: v128, xB: v128): void {
  const uA = f32x4.abs(xA);
  const uB = f32x4.abs(xB);
  // -u^2 / 2 = hi + lo exactly: u = uh + ul with uh's 12 high bits, so uh * uh is exact
  const uhA = v128.and(uA, k(T_MASK12));
  const uhB = v128.and(uB, k(T_MASK12));
  const hiA = f32x4.mul(f32x4.mul(uhA, uhA), k(T_NEG_HALF));
  const hiB = f32x4.mul(f32x4.mul(uhB, uhB), k(T_NEG_HALF));
  const loA = f32x4.mul(f32x4.mul(f32x4.sub(uA, uhA), f32x4.add(uA, uhA)), k(T_NEG_HALF));
  const loB = f32x4.mul(f32x4.mul(f32x4.sub(uB, uhB), f32x4.add(uB, uhB)), k(T_NEG_HALF));
  // n = round(hi / ln 2) via the 1.5 * 2^23 shifter: its low mantissa bits hold n as an integer, which
  // avoids i32x4.trunc_sat_f32x4_s (many instructions on x64 without AVX-512)
  const shifter = k(T_SHIFTER);
  const shiftedA = f32x4.add(f32x4.mul(hiA, k(T_LOG2E)), shifter);
  const shiftedB = f32x4.add(f32x4.mul(hiB, k(T_LOG2E)), shifter);
  const nA = f32x4.sub(shiftedA, shifter);
  const nB = f32x4.sub(shiftedB, shifter);
  // Cody-Waite: hi - n * LN2_HI is exact (Sterbenz), so r keeps the low part of -u^2 / 2.
  const rA = f32x4.add(f32x4.sub(hiA, f32x4.mul(nA, k(T_LN2_HI))), f32x4.sub(loA, f32x4.mul(nA, k(T_LN2_LO))));
  const rB = f32x4.add(f32x4.sub(hiB, f32x4.mul(nB, k(T_LN2_HI))), f32x4.sub(loB, f32x4.mul(nB, k(T_LN2_LO))));
  // exp(r) for r in [-0.41, 0.35]: Taylor to degree 7 (truncation < 2e-8). Both polynomials use Estrin's
  // scheme: the latency of a Horner chain, not the instruction count, was what limited throughput.
  const one = k(T_ONE);
  const r2A = f32x4.mul(rA, rA);
  const r2B = f32x4.mul(rB, rB);
  const r4A = f32x4.mul(r2A, r2A);
  const r4B = f32x4.mul(r2B, r2B);
  const e23A = madd(k(T_E2), rA, T_HALF);
  const e23B = madd(k(T_E2), rB, T_HALF);
  const e45A = madd(k(T_E4), rA, T_E3);
  const e45B = madd(k(T_E4), rB, T_E3);
  const e67A = madd(k(T_E6), rA, T_E5);
  const e67B = madd(k(T_E6), rB, T_E5);
  const e03A = f32x4.add(f32x4.add(one, rA), f32x4.mul(r2A, e23A));
  const e03B = f32x4.add(f32x4.add(one, rB), f32x4.mul(r2B, e23B));
  const pA = f32x4.add(e03A, f32x4.mul(r4A, f32x4.add(e45A, f32x4.mul(r2A, e67A))));
  const pB = f32x4.add(e03B, f32x4.mul(r4B, f32x4.add(e45B, f32x4.mul(r2B, e67B))));
  // t * G(t)
  const tA = f32x4.div(one, f32x4.add(one, f32x4.mul(uA, k(T_A))));
  const tB = f32x4.div(one, f32x4.add(one, f32x4.mul(uB, k(T_A))));
  const t2A = f32x4.mul(tA, tA);
  const t2B = f32x4.mul(tB, tB);
  const t4A = f32x4.mul(t2A, t2A);
  const t4B = f32x4.mul(t2B, t2B);
  const g01A = madd(k(T_G1), tA, T_G0);
  const g01B = madd(k(T_G1), tB, T_G0);
  const g23A = madd(k(T_G3), tA, T_G2);
  const g23B = madd(k(T_G3), tB, T_G2);
  const g45A = madd(k(T_G5), tA, T_G4);
  const g45B = madd(k(T_G5), tB, T_G4);
  const g67A = madd(k(T_G7), tA, T_G6);
  const g67B = madd(k(T_G7), tB, T_G6);
  const g89A = madd(k(T_G9), tA, T_G8);
  const g89B = madd(k(T_G9), tB, T_G8);
  const g49A = f32x4.add(f32x4.add(g45A, f32x4.mul(t2A, g67A)), f32x4.mul(t4A, g89A));
  const g49B = f32x4.add(f32x4.add(g45B, f32x4.mul(t2B, g67B)), f32x4.mul(t4B, g89B));
  const gA = f32x4.add(f32x4.add(g01A, f32x4.mul(t2A, g23A)), f32x4.mul(t4A, g49A));
  const gB = f32x4.add(f32x4.add(g01B, f32x4.mul(t2B, g23B)), f32x4.mul(t4B, g49B));
  // q = Phi(-u) / 2^n, then 2^n = 2^(n + 64) * 2^-64 (n >= -152): the first factor is normal, so the only
  // underflow is the final multiply's rounding. Beyond u = 14.5, Phi(-u) is 0 for every x.
  const qA = f32x4.mul(f32x4.mul(pA, tA), gA);
  const qB = f32x4.mul(f32x4.mul(pB, tB), gB);
  const sA = i32x4.shl(i32x4.add(i32x4.sub(shiftedA, shifter), k(T_EXP_BIAS)), 23);
  const sB = i32x4.shl(i32x4.add(i32x4.sub(shiftedB, shifter), k(T_EXP_BIAS)), 23);
  const qsA = v128.and(f32x4.mul(qA, sA), f32x4.le(uA, k(T_CUTOFF)));
  const qsB = v128.and(f32x4.mul(qB, sB), f32x4.le(uB, k(T_CUTOFF)));
  // x < 0: x * Phi(-u); x >= 0: x * (1 - Phi(-u))
  const down = k(T_TWO_M64);
  const negA = f32x4.mul(f32x4.mul(xA, qsA), down);
  const negB = f32x4.mul(f32x4.mul(xB, qsB), down);
  const posA = f32x4.mul(xA, f32x4.sub(one, f32x4.mul(qsA, down)));
  const posB = f32x4.mul(xB, f32x4.sub(one, f32x4.mul(qsB, down)));
  v128.store(out, v128.bitselect(negA, posA, f32x4.lt(xA, k(T_ZERO))));
  v128.store(out, v128.bitselect(negB, posB, f32x4.lt(xB, k(T_ZERO))), 16);
}

/** out[i] = gelu(x[i]) for i < n (n a multiple of 8; in place allowed). */
export function geluArray(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i += 8) {
    const o = (<usize>i) << 2;
    geluPair(out + o, v128.load(x + o), v128.load(x + o, 16));
  }
}
