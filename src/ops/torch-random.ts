// PyTorch's CPU random stream, so stochastic training (drop path) replays a PyTorch run draw for draw:
// torch.manual_seed(s) seeds an MT19937 with init_genrand(s mod 2^32), and torch.rand of a float32 tensor takes
// one 32-bit draw per element, keeping its low 24 bits: (u32 & 0xFFFFFF) * 2^-24 (checked against the
// recorded draws of the droppath fixtures, GRADIENTS.md).

const N = 624;
const M = 397;

export class Mt19937 {
  private readonly state = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    this.state[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = this.state[i - 1] ^ (this.state[i - 1] >>> 30);
      // 1812433253 * prev + i in 32 bits (Math.imul keeps the low 32 bits of the product)
      this.state[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  /** The next 32-bit output (genrand_int32). */
  nextU32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const s = this.state;
    for (let i = 0; i < N; i++) {
      const y = (s[i] & 0x80000000) | (s[(i + 1) % N] & 0x7fffffff);
      s[i] = s[(i + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }
}

/** torch.manual_seed(seed), then torch.rand(...) one float32 element at a time. */
export function torchRandom(seed: number): () => number {
  const mt = new Mt19937(seed);
  return () => (mt.nextU32() & 0xffffff) * 2 ** -24;
}
