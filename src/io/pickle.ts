// A restricted unpickler for PyTorch state dicts. Python's pickle is a small stack machine whose
// GLOBAL/STACK_GLOBAL/INST opcodes import any callable and whose REDUCE/OBJ/NEWOBJ/INST/BUILD call it, so a
// .bin file can run arbitrary code in Python. This interpreter never runs anything: every global is looked
// up in a fixed allowlist of the names a tensor checkpoint uses (what torch's own `weights_only=True`
// unpickler accepts), each mapped to a small pure function here; any other global is refused with an
// UnsafePickleError naming it, at the opcode that names it, before any later opcode is read.
// Pure TypeScript (Uint8Array in), so it runs in browsers too.

import type { DType } from "../tensor/dtype.js";
import { quoted } from "./quote.js";

export class PickleError extends Error {
  constructor(source: string, message: string) {
    super(`${source}: ${message}`);
    this.name = "PickleError";
  }
}

/** A global outside the allowlist: the file is refused, nothing from it is used. */
export class UnsafePickleError extends PickleError {
  constructor(
    source: string,
    readonly module: string,
    readonly qualname: string,
    offset: number,
  ) {
    const global = quoted(`${module}.${qualname}`);
    super(
      source,
      `refusing to unpickle: global ${global} (pickle offset ${offset}) is not allowed. A PyTorch state dict ` +
        `only needs torch tensor/storage rebuild functions and collections.OrderedDict; this file may be malicious ` +
        `(it would import and call ${global} in Python)`,
    );
    this.name = "UnsafePickleError";
  }
}

/** Python dict / collections.OrderedDict: insertion-ordered items, plus attributes set by BUILD. */
export class PyDict {
  readonly items = new Map<PyKey, PyValue>();
  readonly attrs: Record<string, PyValue> = {};
  constructor(readonly ordered: boolean) {}
}

/** What `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)` would build. */
export class TensorRef {
  constructor(
    /** Whatever the persistent-load callback returned for the storage. */
    readonly storage: unknown,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** An allowed global: calling it runs only the pure function given here. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly call: ((args: PyValue[], fail: (msg: string) => never) => PyValue) | null,
  ) {}
}

/** What a persistent-load callback returns (a storage handle owned by the caller). */
export interface StorageRefLike {
  readonly kind: "storage";
}

export type PyKey = string | number | bigint | boolean | null;
export type PyValue = PyKey | Uint8Array | PyValue[] | PyDict | TensorRef | PyGlobal | StorageRefLike;

const STORAGE_DTYPES: Record<string, DType> = {
  DoubleStorage: "F64",
  FloatStorage: "F32",
  HalfStorage: "F16",
  BFloat16Storage: "BF16",
  LongStorage: "I64",
  IntStorage: "I32",
  ShortStorage: "I16",
  CharStorage: "I8",
  ByteStorage: "U8",
  BoolStorage: "BOOL",
};

function intList(v: PyValue, what: string, fail: (msg: string) => never): number[] {
  if (!Array.isArray(v) || !v.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)) {
    fail(`${what} must be a tuple of non-negative ints, got ${describe(v)}`);
  }
  return v as number[];
}

function rebuildTensor(args: PyValue[], fail: (msg: string) => never): TensorRef {
  if (args.length < 4) fail(`_rebuild_tensor needs (storage, offset, size, stride), got ${args.length} arguments`);
  const [storage, offset, size, stride] = args;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0)
    fail(`tensor storage offset ${describe(offset)} is invalid`);
  const shape = intList(size, "tensor size", fail);
  const strides = intList(stride, "tensor stride", fail);
  if (strides.length !== shape.length)
    fail(`tensor size ${quoted(shape)} and stride ${quoted(strides)} differ in length`);
  return new TensorRef(storage, offset as number, shape, strides);
}

/** The element type of a `torch.<X>Storage` global (as found in a persistent id), or undefined. */
export function storageDType(v: unknown): DType | undefined {
  if (!(v instanceof PyGlobal) || v.module !== "torch" || !Object.prototype.hasOwnProperty.call(STORAGE_DTYPES, v.name))
    return undefined;
  return STORAGE_DTYPES[v.name];
}

/** The allowlist: "module name" -> behaviour. Storage classes are markers, not callable. */
const ALLOWED = new Map<string, PyGlobal>();
function allow(module: string, name: string, call: PyGlobal["call"]): void {
  ALLOWED.set(`${module} ${name}`, new PyGlobal(module, name, call));
}
allow("collections", "OrderedDict", (args, fail) => {
  if (args.length !== 0) fail("OrderedDict(...) with arguments is not supported");
  return new PyDict(true);
});
allow("torch._utils", "_rebuild_tensor_v2", rebuildTensor); // (storage, offset, size, stride, requires_grad, hooks[, metadata])
allow("torch._utils", "_rebuild_tensor", rebuildTensor); // torch < 1.0
allow("torch._utils", "_rebuild_parameter", (args, fail) => {
  if (!(args[0] instanceof TensorRef)) fail(`_rebuild_parameter of ${describe(args[0])}`);
  return args[0];
});
allow("torch._utils", "_rebuild_parameter_with_state", (args, fail) => {
  if (!(args[0] instanceof TensorRef)) fail(`_rebuild_parameter_with_state of ${describe(args[0])}`);
  return args[0];
});
allow("torch.nn.parameter", "Parameter", (args, fail) => {
  if (!(args[0] instanceof TensorRef)) fail(`Parameter of ${describe(args[0])}`);
  return args[0];
});
allow("torch", "Size", (args, fail) => intList(args[0] ?? [], "torch.Size", fail));
for (const name of Object.keys(STORAGE_DTYPES)) ALLOWED.set(`torch ${name}`, new PyGlobal("torch", name, null));

/** Short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return "None";
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return `tuple/list of ${v.length}`;
  if (v instanceof PyDict) return v.ordered ? "OrderedDict" : "dict";
  if (v instanceof TensorRef) return "tensor";
  if (v instanceof PyGlobal) return `${v.module}.${v.name}`;
  if (v instanceof Uint8Array) return `bytes of ${v.length}`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  return String(v);
}

export interface UnpickleOptions {
  /** Names the file in errors. */
  source?: string;
  /** Start offset (legacy torch files hold several pickles back to back). */
  offset?: number;
  /** Resolves a persistent id (BINPERSID/PERSID); without it, persistent ids are refused. */
  persistentLoad?: (pid: PyValue) => StorageRefLike;
}

export interface UnpickleResult {
  value: PyValue;
  /** Offset just past the STOP opcode. */
  end: number;
}

const MAX_LONG_BYTES = 1024;

/**
 * Work budget of one pickle: every opcode costs 1, every dict it makes 16 (a Map). Memory grows with the
 * opcodes run (DUP is one byte), so this bounds it (about 100 MB at worst); a real state dict's data.pkl
 * runs some 20 opcodes per tensor, a few hundred thousand for the largest checkpoints.
 */
export const MAX_PICKLE_WORK = 10_000_000;
const DICT_COST = 16;

/** Interprets one pickle (protocols 0-5), refusing every global outside the allowlist. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions = {}): UnpickleResult {
  const source = options.source ?? "pickle";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = new TextDecoder("latin1");
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  let pos = options.offset ?? 0;
  let opAt = pos;
  const fail = (msg: string): never => {
    throw new PickleError(source, `invalid pickle at offset ${opAt}: ${msg}`);
  };
  const take = (n: number): Uint8Array => {
    if (!Number.isSafeInteger(n) || n < 0 || pos + n > bytes.length)
      fail(`needs ${n} more bytes, file ends at ${bytes.length}`);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const u8 = () => take(1)[0];
  const u32 = () => (take(4), view.getUint32(pos - 4, true));
  const i32 = () => (take(4), view.getInt32(pos - 4, true));
  const u64 = (): number => {
    take(8);
    const v = view.getBigUint64(pos - 8, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail("unterminated text line");
    const text = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const text = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail("string is not valid UTF-8");
    }
  };

  let work = 0;
  const spend = (cost: number) => {
    work += cost;
    if (work > MAX_PICKLE_WORK)
      fail(`more than ${MAX_PICKLE_WORK} units of work (opcodes, dicts): not a state dict, or a hostile file`);
  };
  const newDict = (ordered: boolean) => {
    spend(DICT_COST);
    return new PyDict(ordered);
  };
  const stack: PyValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  const pop = (): PyValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) fail("stack underflow");
    return stack.pop() as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length === 0) fail("stack underflow");
    return stack[stack.length - 1];
  };
  const popMark = (): PyValue[] => {
    const mark = marks.pop();
    if (mark === undefined) fail("no MARK on the stack");
    return stack.splice(mark as number);
  };
  const findGlobal = (module: string, name: string): PyGlobal => {
    const g = ALLOWED.get(`${module} ${name}`);
    if (!g) throw new UnsafePickleError(source, module, name, opAt);
    return g;
  };
  const call = (fn: PyValue, args: PyValue): PyValue => {
    if (!(fn instanceof PyGlobal)) return fail(`cannot call ${describe(fn)}`);
    if (!Array.isArray(args)) return fail(`arguments of ${fn.module}.${fn.name} are ${describe(args)}, not a tuple`);
    if (!fn.call) return fail(`${fn.module}.${fn.name} cannot be called in a state dict`);
    spend(DICT_COST); // a call builds an object (OrderedDict, tensor reference)
    return fn.call(args, fail);
  };
  const setItem = (dict: PyValue, key: PyValue, value: PyValue) => {
    if (!(dict instanceof PyDict)) fail(`SETITEM on ${describe(dict)}`);
    if (key !== null && typeof key === "object") fail(`dict key of type ${describe(key)} is not supported`);
    (dict as PyDict).items.set(key as PyKey, value);
  };
  const append = (list: PyValue, items: PyValue[]) => {
    if (!Array.isArray(list)) fail(`APPEND on ${describe(list)}`);
    // A loop, not push(...items): a long APPENDS would overflow the call stack with spread arguments.
    for (const item of items) (list as PyValue[]).push(item);
  };
  const int = (v: bigint): number | bigint =>
    v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  const littleEndianSigned = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return int(v);
  };
  const parseIntLine = (s: string): PyValue => {
    const t = s.endsWith("L") ? s.slice(0, -1) : s;
    if (t === "00") return false;
    if (t === "01") return true;
    if (!/^[+-]?\d+$/.test(t) || t.length > 400) fail(`bad integer literal ${quoted(s)}`);
    return int(BigInt(t));
  };

  for (;;) {
    opAt = pos;
    spend(1);
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail("unsupported pickle protocol");
        break;
      case 0x95: // FRAME (a length hint only)
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length !== 0) fail(`STOP with ${stack.length} values on the stack`);
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        if (marks.length > 0 && stack.length === marks[marks.length - 1]) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      // Constants and numbers.
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        take(2);
        stack.push(view.getUint16(pos - 2, true));
        break;
      case 0x8a: // LONG1
        stack.push(littleEndianSigned(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0 || n > MAX_LONG_BYTES) fail(`LONG4 of ${n} bytes`);
        stack.push(littleEndianSigned(take(n)));
        break;
      }
      case 0x49: // INT (text)
        stack.push(parseIntLine(line()));
        break;
      case 0x4c: // LONG (text)
        stack.push(parseIntLine(line()));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        take(8);
        stack.push(view.getFloat64(pos - 8, false));
        break;
      case 0x46: {
        // FLOAT (text)
        const s = line();
        const f = Number(s);
        if (s.trim() === "" || Number.isNaN(f)) fail(`bad float literal ${quoted(s)}`);
        stack.push(f);
        break;
      }
      // Strings and bytes.
      case 0x58: // BINUNICODE
        stack.push(text(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(take(u64())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape line)
        stack.push(rawUnicodeEscape(line(), fail));
        break;
      case 0x54: // BINSTRING (Python 2 str: decoded as latin-1 like encoding="latin1")
        stack.push(latin1.decode(take(i32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(take(u8())));
        break;
      case 0x53: // STRING (quoted repr line)
        stack.push(pythonStringLiteral(line(), fail));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()).slice());
        break;
      case 0x96: // BYTEARRAY8
        stack.push(take(u64()).slice());
        break;
      // Containers.
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(newDict(false));
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = newDict(false);
        for (let i = 0; i + 1 < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItem(top(), k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        if (items.length % 2) fail("SETITEMS with an odd number of values");
        const d = top();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        break;
      }
      // Memo.
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT
        memo.set(Number(parseIntLine(line())), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const key = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(parseIntLine(line()));
        if (!memo.has(key)) fail(`memo key ${key} is not defined`);
        stack.push(memo.get(key) as PyValue);
        break;
      }
      // Globals and calls: the only way a pickle reaches code, all through the allowlist.
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push(findGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") fail("STACK_GLOBAL needs two strings");
        stack.push(findGlobal(module as string, name as string));
        break;
      }
      case 0x69: {
        // INST "module\nname\n": import and call with the marked values
        const module = line();
        const name = line();
        const g = findGlobal(module, name);
        stack.push(call(g, popMark()));
        break;
      }
      case 0x6f: {
        // OBJ: class and args after a MARK
        const [cls, ...args] = popMark();
        stack.push(call(cls, args));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        if (!(kwargs instanceof PyDict) || kwargs.items.size > 0)
          fail("NEWOBJ_EX with keyword arguments is not supported");
        stack.push(call(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD: obj.__setstate__(state); only OrderedDict's attributes (`_metadata`) occur in state dicts
        const state = pop();
        const obj = top();
        if (obj instanceof PyDict && state instanceof PyDict) {
          for (const [k, v] of state.items) obj.attrs[String(k)] = v;
        } else if (obj instanceof TensorRef && (state === null || state instanceof PyDict || Array.isArray(state))) {
          // a Parameter's python state (rebuilt with _rebuild_parameter_with_state): nothing we need
        } else if (state !== null) {
          fail(`BUILD of ${describe(obj)} with ${describe(state)} is not supported`);
        }
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) fail("persistent id in a pickle that must not have one");
        stack.push(options.persistentLoad!(pid));
        break;
      }
      case 0x50: {
        // PERSID
        const pid = line();
        if (!options.persistentLoad) fail("persistent id in a pickle that must not have one");
        stack.push(options.persistentLoad!(pid));
        break;
      }
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        return fail("extension-registry opcodes (EXT1/2/4) import globals by number and are refused");
      case 0x8f: // EMPTY_SET
      case 0x90: // ADDITEMS
      case 0x91: // FROZENSET
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
        return fail(`opcode 0x${op.toString(16)} is not used by state dicts and is not supported`);
      default:
        return fail(`unknown opcode 0x${op.toString(16)}`);
    }
  }
}

/** Python's repr of a str/bytes (protocol 0 STRING): 'text' or "text" with backslash escapes. */
function pythonStringLiteral(s: string, fail: (msg: string) => never): string {
  const q = s[0];
  if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q) fail(`bad STRING literal ${quoted(s)}`);
  return unescape(s.slice(1, -1), false, fail);
}

function rawUnicodeEscape(s: string, fail: (msg: string) => never): string {
  return unescape(s, true, fail);
}

function unescape(body: string, rawUnicode: boolean, fail: (msg: string) => never): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== "\\" || i + 1 >= body.length) {
      out += ch;
      continue;
    }
    const next = body[++i];
    const hexDigits = (n: number): string => {
      const h = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) fail(`bad escape in string literal`);
      i += n;
      return String.fromCodePoint(parseInt(h, 16));
    };
    if (rawUnicode) {
      out += next === "u" ? hexDigits(4) : next === "U" ? hexDigits(8) : "\\" + next;
      continue;
    }
    const simple: Record<string, string> = {
      n: "\n",
      t: "\t",
      r: "\r",
      "\\": "\\",
      "'": "'",
      '"': '"',
      "0": "\0",
      a: "\x07",
      b: "\b",
      f: "\f",
      v: "\v",
    };
    if (next === "x") out += hexDigits(2);
    else if (next in simple) out += simple[next];
    else out += "\\" + next;
  }
  return out;
}
