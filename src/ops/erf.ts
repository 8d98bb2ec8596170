// erf and erfc in float64, since JavaScript has no Math.erf: erf within 1e-14 absolute and erfc within
// 5e-12 relative of libm (test/activations.test.ts), far below float32 resolution, so the GELU built on
// it is exact to float32 for every input (±400 included).
//
// |z| < 2: the Maclaurin series erf(z) = 2/sqrt(pi) * sum (-1)^n z^(2n+1) / (n! (2n+1)); its terms
//            peak near e^(z^2) ~ 55, so cancellation costs under 2 digits.
// |z| >= 2: erfc(z) from its Laplace continued fraction, evaluated bottom-up with a fixed depth;
//            at z >= 2 sixty levels converge past double precision.

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;
const SERIES_LIMIT = 2;
const FRACTION_DEPTH = 60;

function erfSeries(z: number): number {
  const z2 = z * z;
  let term = z; // (-1)^n z^(2n+1) / n!
  let sum = z;
  for (let n = 1; n < 100; n++) {
    term *= -z2 / n;
    const next = term / (2 * n + 1);
    sum += next;
    if (Math.abs(next) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/** erfc(z) for z >= SERIES_LIMIT: exp(-z^2)/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))). */
function erfcFraction(z: number): number {
  let f = z;
  for (let k = FRACTION_DEPTH; k >= 1; k--) f = z + k / 2 / f;
  return (Math.exp(-z * z) * ONE_OVER_SQRT_PI) / f;
}

export function erf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const a = Math.abs(z);
  if (a < SERIES_LIMIT) return erfSeries(z);
  const r = 1 - erfcFraction(a);
  return z < 0 ? -r : r;
}

export function erfc(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (Math.abs(z) < SERIES_LIMIT) return 1 - erfSeries(z);
  return z > 0 ? erfcFraction(z) : 2 - erfcFraction(-z);
}
