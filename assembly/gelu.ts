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

@inline
function madd(acc: v128, t: v128, c: f32): v128 {
  return f32x4.add(f32x4.mul(acc, t), f32x4.splat(c));
}

@inline
export function geluV(x: v128): v128 {
  const u = f32x4.abs(x);
  const uh = v128.and(u, i32x4.splat(0xfffff000));
  const ul = f32x4.sub(u, uh);
  const hi = f32x4.mul(f32x4.mul(uh, uh), f32x4.splat(-0.5));
  const lo = f32x4.mul(f32x4.mul(ul, f32x4.add(u, uh)), f32x4.splat(-0.5));
  const n = f32x4.nearest(f32x4.mul(hi, f32x4.splat(LOG2E)));
  // Cody-Waite: hi - n * LN2_HI is exact (Sterbenz), so r keeps the low part of -u^2 / 2.
  const r = f32x4.add(
    f32x4.sub(hi, f32x4.mul(n, f32x4.splat(LN2_HI))),
    f32x4.sub(lo, f32x4.mul(n, f32x4.splat(LN2_LO))),
  );
  // exp(r) for r in [-0.41, 0.35]: Taylor to degree 7 (truncation < 2e-8).
  let p = f32x4.splat(1.0 / 5040.0);
  p = madd(p, r, 1.0 / 720.0);
  p = madd(p, r, 1.0 / 120.0);
  p = madd(p, r, 1.0 / 24.0);
  p = madd(p, r, 1.0 / 6.0);
  p = madd(p, r, 0.5);
  p = madd(p, r, 1.0);
  p = madd(p, r, 1.0);
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(u, f32x4.splat(A))));
  let g = f32x4.splat(G9);
  g = madd(g, t, G8);
  g = madd(g, t, G7);
  g = madd(g, t, G6);
  g = madd(g, t, G5);
  g = madd(g, t, G4);
  g = madd(g, t, G3);
  g = madd(g, t, G2);
  g = madd(g, t, G1);
  g = madd(g, t, G0);
  const q = f32x4.mul(f32x4.mul(p, t), g); // Phi(-u) / 2^n
  // 2^n as two normal factors (n >= -152), so the only underflow is the final rounding.
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  const inRange = f32x4.le(u, f32x4.splat(CUTOFF));
  const neg = v128.and(f32x4.mul(f32x4.mul(f32x4.mul(x, q), s1), s2), inRange);
  const tail = v128.and(f32x4.mul(f32x4.mul(q, s1), s2), inRange);
  const pos = f32x4.mul(x, f32x4.sub(f32x4.splat(1), tail));
  return v128.bitselect(neg, pos, f32x4.lt(x, f32x4.splat(0)));
}

/** out[i] = gelu(x[i]) for i < n (n a multiple of 4; in place allowed). */
export function geluArray(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(out + o, geluV(v128.load(x + o)));
  }
}
