// Mutations of the project's own fixtures, deterministic in (seed, case index): bit flips, interesting bytes and
// integers, truncations, block deletion / duplication / splices from other seeds, and format tokens; JSON inputs
// also get value-level edits that keep them valid JSON, so the mutation reaches the validation behind the parser.

import { mulberry32 } from "../../dist/ops/drop-path.js";

/** The random stream of one case: seed and index mixed so neighbouring cases differ. */
export function caseRng(seed, index) {
  return mulberry32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x10, 0x20, 0x40];
const INTERESTING_INTS = [
  0, 1, 2, 7, 8, 15, 16, 255, 256, 0x7fff, 0x8000, 0xffff, 0x10000, 65500, 65535, 0x7fffffff, 0x80000000,
  0xffffffff, 1e6, 1e9, 2 ** 32, 2 ** 40, 2 ** 53 - 1,
];
const INTERESTING_NUMBERS = [
  "0", "-1", "1", "2", "3", "7", "1e9", "1e300", "-1e300", "1e-46", "1e-300", "0.5", "1.5", "65536", "4294967296",
  "2147483648", "99999999999999999999", "384", "383", "100000", "100001", "16", "17", "1000", "1001", "10001",
];
const MAX_OUTPUT = 8 << 20;

export function pick(r, list) {
  return list[Math.floor(r() * list.length)];
}
const int = (r, n) => Math.floor(r() * n);

/** A position: inside a hot region (headers, where most checks are) half of the time. */
function position(r, bytes, hot) {
  if (hot.length && r() < 0.5) {
    const [start, end] = pick(r, hot);
    const lo = Math.min(start, bytes.length);
    const hi = Math.min(end, bytes.length);
    if (hi > lo) return lo + int(r, hi - lo);
  }
  return int(r, Math.max(bytes.length, 1));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function setInt(bytes, at, width, value, bigEndian) {
  const v = BigInt.asUintN(64, BigInt(Math.trunc(value)));
  for (let i = 0; i < width && at + i < bytes.length; i++) {
    const shift = BigInt(8 * (bigEndian ? width - 1 - i : i));
    bytes[at + i] = Number((v >> shift) & 0xffn);
  }
}

/** One byte-level mutation; `sameLength` keeps the length (for inputs whose framing is fixed up afterwards). */
function mutateBytes(r, input, { hot, others, tokens, sameLength }) {
  const bytes = input.slice();
  const kinds = sameLength
    ? ["flip", "byte", "int", "int", "token"]
    : ["flip", "byte", "int", "int", "token", "insertToken", "truncate", "delete", "duplicate", "splice"];
  const kind = pick(r, kinds);
  const at = position(r, bytes, hot);
  switch (kind) {
    case "flip": {
      for (let n = 1 + int(r, 8); n > 0; n--) {
        const p = r() < 0.7 ? at + int(r, 8) : position(r, bytes, hot);
        if (p < bytes.length) bytes[p] ^= 1 << int(r, 8);
      }
      return bytes;
    }
    case "byte":
      if (at < bytes.length) bytes[at] = pick(r, INTERESTING_BYTES);
      return bytes;
    case "int": {
      const width = pick(r, [1, 2, 4, 8]);
      const base = pick(r, INTERESTING_INTS);
      const value = r() < 0.3 ? base + int(r, 33) - 16 : r() < 0.5 ? -base : base;
      setInt(bytes, at, width, value, r() < 0.5);
      return bytes;
    }
    case "token": {
      const token = tokens.length ? pick(r, tokens) : Uint8Array.of(int(r, 256));
      bytes.set(token.subarray(0, Math.max(0, bytes.length - at)), at);
      return bytes;
    }
    case "insertToken": {
      const token = tokens.length ? pick(r, tokens) : Uint8Array.of(int(r, 256));
      return concat(bytes.subarray(0, at), token, bytes.subarray(at));
    }
    case "truncate":
      return bytes.subarray(0, at);
    case "delete":
      return concat(bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + int(r, 256))));
    case "duplicate": {
      const len = 1 + int(r, Math.min(4096, Math.max(1, bytes.length - at)));
      const block = bytes.subarray(at, at + len);
      const times = r() < 0.8 ? 1 + int(r, 4) : 1 + int(r, 2000);
      const copies = Math.max(1, Math.min(times, Math.floor(MAX_OUTPUT / Math.max(block.length, 1))));
      return concat(bytes.subarray(0, at + len), ...Array(copies).fill(block), bytes.subarray(at + len));
    }
    case "splice": {
      const other = others.length ? pick(r, others) : bytes;
      const from = int(r, Math.max(other.length, 1));
      const piece = other.subarray(from, from + 1 + int(r, 4096));
      return r() < 0.5
        ? concat(bytes.subarray(0, at), piece, bytes.subarray(at))
        : concat(bytes.subarray(0, at), other.subarray(from));
    }
  }
  return bytes;
}

/** Edits of a JSON document that keep it JSON: numbers, strings, values, keys. */
function mutateJson(r, text, { keys }) {
  const tokens = [...text.matchAll(/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"(?:[^"\\]|\\.)*"|\[|\{|true|false|null/g)];
  if (tokens.length === 0) return text;
  const t = pick(r, tokens);
  const before = text.slice(0, t.index);
  const after = text.slice(t.index + t[0].length);
  const value = () => {
    switch (int(r, 8)) {
      case 0:
        return pick(r, INTERESTING_NUMBERS);
      case 1:
        return JSON.stringify("x".repeat(pick(r, [0, 1, 100, 100_000])));
      case 2:
        return pick(r, ["null", "true", "false", "[]", "{}", '""', "[null]", '{"shortest_edge": 1e9}']);
      case 3:
        return `[${Array.from({ length: 1 + int(r, 20) }, () => pick(r, INTERESTING_NUMBERS)).join(",")}]`;
      case 4:
        return `[${Array(pick(r, [5, 17, 1000, 100_000])).fill(pick(r, INTERESTING_NUMBERS)).join(",")}]`;
      case 5:
        return `{${Array.from({ length: pick(r, [1, 3, 1000]) }, (_, i) => `"${i}": ${pick(r, ['"a"', "1", "[]"])}`).join(",")}}`;
      case 6:
        return JSON.stringify(pick(r, keys));
      default:
        return pick(r, INTERESTING_NUMBERS);
    }
  };
  // A string followed by ':' is a key: rename it, or give the document a new key.
  if (t[0].startsWith('"') && /^\s*:/.test(after)) {
    if (r() < 0.5) return `${before}${JSON.stringify(pick(r, keys))}${after}`;
    return `${before}${JSON.stringify(pick(r, keys))}: ${value()}, ${t[0]}${after}`;
  }
  if (t[0] === "[" || t[0] === "{") return `${before}${t[0]}${r() < 0.5 ? value() + (t[0] === "{" ? "" : ",") : ""}${after}`;
  return `${before}${value()}${after}`;
}

/**
 * The input of one case: a seed picked from `seeds`, then 1 to 6 mutations. JSON seeds get JSON edits most of
 * the time, byte edits otherwise (which mostly test the JSON parser's error path).
 */
export function makeInput(r, seeds, options) {
  const seed = pick(r, seeds);
  const count = 1 + Math.min(5, Math.floor(-Math.log2(1 - r() * 0.984)));
  if (options.json && r() < 0.85) {
    let text = new TextDecoder().decode(seed.bytes);
    for (let i = 0; i < count; i++) text = mutateJson(r, text, options);
    return { seed, bytes: new TextEncoder().encode(text) };
  }
  let bytes = seed.bytes;
  const hot = seed.hot ?? [];
  for (let i = 0; i < count; i++) {
    bytes = mutateBytes(r, bytes, {
      hot,
      others: seeds.map((s) => s.bytes),
      tokens: options.tokens ?? [],
      sameLength: seed.sameLength ?? false,
    });
    if (bytes.length > MAX_OUTPUT) bytes = bytes.subarray(0, MAX_OUTPUT);
  }
  return { seed, bytes };
}
