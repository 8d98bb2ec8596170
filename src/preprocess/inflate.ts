// zlib (RFC 1950) / DEFLATE (RFC 1951) decompression in plain TypeScript, so PNG decoding runs without
// node:zlib (browsers too). Shaped for Pillow's PNG decoder: it decodes exactly as many bytes as the image
// needs and then, like zlib inside Pillow, looks a little further only for steps that produce no output
// (end of block, next block header, the Adler-32 check), which is how Pillow notices a bad checksum or a
// broken block right after the last pixel but ignores anything after the next literal.

/** Result of one decompression; `error` is zlib's message when the stream is invalid. */
export interface InflateResult {
  /** The first `produced` bytes are valid (without `onOutput`; with it, only the last window is kept). */
  output: Uint8Array;
  produced: number;
  /** The final block and the Adler-32 trailer were read (and matched). */
  streamEnd: boolean;
  /** Input ran out before `limit` bytes were produced and before the stream ended. */
  inputExhausted: boolean;
  error?: string;
  /** Bit position in `input` where decoding stopped (useful for windows in the caller). */
  bitPosition: number;
}

export interface InflateOptions {
  /** Stop after this many output bytes (the buffer is allocated at this size). */
  limit: number;
  /** Parse a zlib wrapper (default true); false for raw DEFLATE. */
  zlib?: boolean;
  /**
   * After `limit` bytes, keep going through output-free steps only while the input position is before this
   * byte offset (default: the whole input). Pillow's zlib only sees the current read buffer.
   */
  lookaheadEnd?: (bitPosition: number) => number;
  /**
   * Streaming: the output is handed over as it is produced instead of held whole (a 16-bit RGBA PNG at the pixel
   * limit would need 700 MB). Called with the window buffer, the absolute offset of its first byte, and the
   * absolute end of the output so far; returns the absolute offset up to which it has consumed the output.
   * Only the unconsumed bytes and the last 32 KiB (DEFLATE's window) are kept.
   */
  onOutput?: (window: Uint8Array, base: number, end: number) => number;
  /** With `onOutput`: the window size, at least 64 KiB plus the largest piece the consumer waits for. */
  windowBytes?: number;
}

/** DEFLATE's largest back-reference distance. */
const HISTORY = 32768;

class StreamError extends Error {}
/** Thrown internally when the input runs out (or the lookahead window ends). */
class NeedInput extends Error {}
/** Thrown internally when decoding would have to write a byte past the limit. */
class OutputFull extends Error {}

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A canonical Huffman code as a direct lookup table: entry = symbol << 4 | length, or -1 for no code. */
interface Huffman {
  table: Int32Array;
  bits: number;
}

type CodeKind = "codes" | "lens" | "dists";

/** Builds the table, rejecting over-subscribed and (as zlib does) most incomplete code sets. */
function buildHuffman(lengths: ArrayLike<number>, kind: CodeKind): Huffman {
  const count = new Int32Array(16);
  let max = 0;
  for (let i = 0; i < lengths.length; i++) {
    count[lengths[i]]++;
    if (lengths[i] > max) max = lengths[i];
  }
  count[0] = 0;
  // No codes at all is allowed (e.g. a block without matches): every lookup is then an invalid code.
  if (max === 0) return { table: new Int32Array(2).fill(-1), bits: 1 };
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = left * 2 - count[len];
    if (left < 0)
      throw new StreamError(
        kind === "codes"
          ? "invalid code lengths set"
          : `invalid ${kind === "lens" ? "literal/lengths" : "distances"} set`,
      );
  }
  if (left > 0 && (kind === "codes" || max !== 1)) {
    throw new StreamError(
      kind === "codes"
        ? "invalid code lengths set"
        : `invalid ${kind === "lens" ? "literal/lengths" : "distances"} set`,
    );
  }
  const bits = Math.max(max, 1);
  const table = new Int32Array(1 << bits).fill(-1);
  const next = new Int32Array(16);
  let code = 0;
  for (let len = 1; len <= 15; len++) {
    code = (code + count[len - 1]) << 1;
    next[len] = code;
  }
  for (let sym = 0; sym < lengths.length; sym++) {
    const len = lengths[sym];
    if (len === 0) continue;
    // DEFLATE codes are stored most-significant bit first; the bit reader is LSB first, so reverse.
    let c = next[len]++;
    let rev = 0;
    for (let i = 0; i < len; i++) {
      rev = (rev << 1) | (c & 1);
      c >>= 1;
    }
    for (let i = rev; i < 1 << bits; i += 1 << len) table[i] = (sym << 4) | len;
  }
  return { table, bits };
}

let fixedLit: Huffman | undefined;
let fixedDist: Huffman | undefined;
function fixedTables(): [Huffman, Huffman] {
  if (!fixedLit || !fixedDist) {
    const lit = new Uint8Array(288);
    lit.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
    fixedLit = buildHuffman(lit, "lens");
    // 32 five-bit codes, as in zlib: symbols 30 and 31 exist but are rejected when used.
    fixedDist = buildHuffman(new Uint8Array(32).fill(5), "dists");
  }
  return [fixedLit, fixedDist];
}

class Inflater {
  private pos = 0; // next input byte
  private bitBuf = 0;
  private bitCount = 0;
  out: Uint8Array;
  produced = 0;
  /** Absolute offset of out[0] (0 unless streaming). */
  base = 0;
  lookahead = false;
  private windowEnd: number;

  constructor(
    private readonly input: Uint8Array,
    readonly limit: number,
    /** Streaming: makes room in `out` (see InflateOptions.onOutput). */
    readonly flush: ((s: Inflater) => void) | null = null,
    windowBytes = 0,
  ) {
    this.out = new Uint8Array(flush ? Math.min(limit, Math.max(windowBytes, 2 * HISTORY)) : limit);
    this.windowEnd = input.length;
  }

  get bitPosition(): number {
    return this.pos * 8 - this.bitCount;
  }

  startLookahead(end: number): void {
    this.lookahead = true;
    this.windowEnd = Math.min(end, this.input.length);
  }

  private need(n: number): void {
    while (this.bitCount < n) {
      if (this.pos >= this.windowEnd) throw new NeedInput();
      this.bitBuf |= this.input[this.pos++] << this.bitCount;
      this.bitCount += 8;
    }
  }

  bits(n: number): number {
    if (n === 0) return 0;
    this.need(n);
    const v = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCount -= n;
    return v;
  }

  alignToByte(): void {
    const drop = this.bitCount & 7;
    this.bitBuf >>>= drop;
    this.bitCount -= drop;
  }

  decodeSymbol(h: Huffman): number {
    // Read as many bits as are available up to the table width; a short code may fit in fewer.
    while (this.bitCount < h.bits && this.pos < this.windowEnd) {
      this.bitBuf |= this.input[this.pos++] << this.bitCount;
      this.bitCount += 8;
    }
    const entry = h.table[this.bitBuf & ((1 << h.bits) - 1)];
    if (entry < 0) {
      if (this.bitCount < h.bits) throw new NeedInput();
      throw new StreamError("invalid code");
    }
    const len = entry & 15;
    if (len > this.bitCount) throw new NeedInput();
    this.bitBuf >>>= len;
    this.bitCount -= len;
    return entry >> 4;
  }

  emit(byte: number): void {
    if (this.produced >= this.limit) throw new OutputFull();
    if (this.produced - this.base === this.out.length) this.flush!(this);
    this.out[this.produced++ - this.base] = byte;
  }

  /** The byte `distance` back (DEFLATE's copy); always inside the kept window. */
  back(distance: number): number {
    return this.out[this.produced - this.base - distance];
  }
}

/** Decompresses `input` until `limit` bytes are produced, the stream ends, the input runs out, or an error. */
export function inflate(input: Uint8Array, options: InflateOptions): InflateResult {
  let adler = { a: 1, b: 0, upTo: 0 };
  const updateAdler = () => {
    // Adler-32 over everything produced so far (when streaming, before the window moves on; else at the trailer).
    let { a, b } = adler;
    for (let i = adler.upTo; i < s.produced; i++) {
      a = (a + s.out[i - s.base]) % 65521;
      b = (b + a) % 65521;
    }
    adler = { a, b, upTo: s.produced };
  };
  let consumed = 0;
  const sink = options.onOutput;
  const flush = sink
    ? (x: Inflater) => {
        updateAdler();
        consumed = sink(x.out, x.base, x.produced);
        // Keep what the consumer has not taken and DEFLATE's history; slide it to the front.
        const keepFrom = Math.max(0, Math.min(consumed, x.produced - HISTORY) - x.base);
        if (keepFrom === 0) throw new Error("inflate: the output window is too small for the consumer");
        x.out.copyWithin(0, keepFrom, x.produced - x.base);
        x.base += keepFrom;
      }
    : null;
  const s = new Inflater(input, options.limit, flush, options.windowBytes);
  let streamEnd = false;
  let inputExhausted = false;
  let error: string | undefined;
  const enterLookahead = () => {
    if (!s.lookahead) s.startLookahead(options.lookaheadEnd ? options.lookaheadEnd(s.bitPosition) : input.length);
  };
  try {
    if (options.zlib ?? true) {
      const cmf = s.bits(8);
      const flg = s.bits(8);
      if ((cmf * 256 + flg) % 31 !== 0) throw new StreamError("incorrect header check");
      if ((cmf & 15) !== 8) throw new StreamError("unknown compression method");
      if ((cmf >> 4) + 8 > 15) throw new StreamError("invalid window size");
      if (flg & 0x20) throw new StreamError("preset dictionary not supported");
    }
    let final = 0;
    do {
      if (s.produced >= s.limit) enterLookahead();
      final = s.bits(1);
      const type = s.bits(2);
      if (type === 0) {
        s.alignToByte();
        const len = s.bits(16);
        const nlen = s.bits(16);
        if ((len ^ 0xffff) !== nlen) throw new StreamError("invalid stored block lengths");
        for (let i = 0; i < len; i++) {
          if (s.produced >= s.limit) throw new OutputFull();
          s.emit(s.bits(8));
        }
      } else if (type === 1 || type === 2) {
        let lit: Huffman;
        let dist: Huffman;
        if (type === 1) [lit, dist] = fixedTables();
        else [lit, dist] = readDynamicTables(s);
        for (;;) {
          if (s.produced >= s.limit) enterLookahead();
          const sym = s.decodeSymbol(lit);
          if (sym < 256) {
            s.emit(sym);
          } else if (sym === 256) {
            break;
          } else {
            if (sym > 285) throw new StreamError("invalid literal/length code");
            const length = LENGTH_BASE[sym - 257] + s.bits(LENGTH_EXTRA[sym - 257]);
            const dsym = s.decodeSymbol(dist);
            if (dsym > 29) throw new StreamError("invalid distance code");
            const distance = DIST_BASE[dsym] + s.bits(DIST_EXTRA[dsym]);
            // zlib needs output space before it validates the distance: past the limit, it stops here.
            if (s.produced >= s.limit) throw new OutputFull();
            if (distance > s.produced) throw new StreamError("invalid distance too far back");
            for (let i = 0; i < length; i++) s.emit(s.back(distance));
          }
        }
      } else {
        throw new StreamError("invalid block type");
      }
    } while (!final);
    if (options.zlib ?? true) {
      if (s.produced >= s.limit) enterLookahead();
      s.alignToByte();
      const check = ((s.bits(8) << 24) | (s.bits(8) << 16) | (s.bits(8) << 8) | s.bits(8)) >>> 0;
      updateAdler();
      if (check !== ((adler.b << 16) | adler.a) >>> 0) throw new StreamError("incorrect data check");
    }
    streamEnd = true;
  } catch (e) {
    if (e instanceof StreamError) error = e.message;
    else if (e instanceof NeedInput) inputExhausted = !s.lookahead;
    else if (!(e instanceof OutputFull)) throw e;
  }
  if (sink) sink(s.out, s.base, s.produced);
  return { output: s.out, produced: s.produced, streamEnd, inputExhausted, error, bitPosition: s.bitPosition };
}

function readDynamicTables(s: Inflater): [Huffman, Huffman] {
  const hlit = s.bits(5) + 257;
  const hdist = s.bits(5) + 1;
  const hclen = s.bits(4) + 4;
  if (hlit > 286 || hdist > 30) throw new StreamError("too many length or distance symbols");
  const codeLengths = new Uint8Array(19);
  for (let i = 0; i < hclen; i++) codeLengths[CODE_LENGTH_ORDER[i]] = s.bits(3);
  const codes = buildHuffman(codeLengths, "codes");
  const lengths = new Uint8Array(hlit + hdist);
  for (let i = 0; i < hlit + hdist;) {
    const sym = s.decodeSymbol(codes);
    if (sym < 16) {
      lengths[i++] = sym;
      continue;
    }
    let repeat: number;
    let value = 0;
    if (sym === 16) {
      if (i === 0) throw new StreamError("invalid bit length repeat");
      value = lengths[i - 1];
      repeat = 3 + s.bits(2);
    } else if (sym === 17) {
      repeat = 3 + s.bits(3);
    } else {
      repeat = 11 + s.bits(7);
    }
    if (i + repeat > hlit + hdist) throw new StreamError("invalid bit length repeat");
    lengths.fill(value, i, i + repeat);
    i += repeat;
  }
  if (lengths[256] === 0) throw new StreamError("invalid code -- missing end-of-block");
  return [buildHuffman(lengths.subarray(0, hlit), "lens"), buildHuffman(lengths.subarray(hlit), "dists")];
}
