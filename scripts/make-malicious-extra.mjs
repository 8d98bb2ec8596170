// Writes test/fixtures/malicious-extra/: hostile pytorch_model.bin files the shared fixtures lack —
// a gadget hidden in the SECOND shard of a sharded checkpoint, and gadgets inside a tensor-rebuild call.
// The pickles are assembled opcode by opcode (nothing is ever unpickled); the payload is harmless:
// in Python it would run `touch /tmp/PWNED-convnext`. Run: node scripts/make-malicious-extra.mjs

import { mkdirSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { join } from "node:path";

const OUT = new URL("../test/fixtures/malicious-extra/", import.meta.url).pathname;
const CONFIG = new URL("../test/fixtures/formats/malicious/reduce-posix-system/config.json", import.meta.url).pathname;
const CMD = "touch /tmp/PWNED-convnext";
const enc = new TextEncoder();

// ---- pickle protocol 2, by opcode ----
const op = {
  proto: () => [0x80, 2],
  global: (module, name) => [...enc.encode(`c${module}\n${name}\n`)],
  str: (s) => {
    const b = enc.encode(s);
    return [0x58, ...u32(b.length), ...b];
  },
  int: (n) => [0x4a, ...u32(n)],
  mark: () => [0x28],
  tuple: () => [0x74],
  tuple1: () => [0x85],
  emptyTuple: () => [0x29],
  emptyDict: () => [0x7d],
  setitems: () => [0x75],
  reduce: () => [0x52],
  binpersid: () => [0x51],
  false: () => [0x89],
  stop: () => [0x2e],
};
function u32(n) {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}
const gadget = () => [...op.global("posix", "system"), ...op.str(CMD), ...op.tuple1(), ...op.reduce()];
const emptyHooks = () => [...op.global("collections", "OrderedDict"), ...op.emptyTuple(), ...op.reduce()];

/** _rebuild_tensor_v2(('storage', <type>, key, 'cpu', n), 0, (n,), (1,), False, <hooks>) */
function tensor(key, n, { hooks = emptyHooks(), storageType = op.global("torch", "FloatStorage") } = {}) {
  return [
    ...op.global("torch._utils", "_rebuild_tensor_v2"),
    ...op.mark(),
    ...[
      ...op.mark(),
      ...op.str("storage"),
      ...storageType,
      ...op.str(key),
      ...op.str("cpu"),
      ...op.int(n),
      ...op.tuple(),
      ...op.binpersid(),
    ],
    ...op.int(0),
    ...[...op.int(n), ...op.tuple1()],
    ...[...op.int(1), ...op.tuple1()],
    ...op.false(),
    ...hooks,
    ...op.tuple(),
    ...op.reduce(),
  ];
}
function statePickle(items) {
  const body = items.flatMap(([name, value]) => [...op.str(name), ...value]);
  return Uint8Array.from([...op.proto(), ...op.emptyDict(), ...op.mark(), ...body, ...op.setitems(), ...op.stop()]);
}

// ---- torch zip layout (stored entries) ----
let table;
function crc32(data) {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of data) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function zip(records) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const [name, data] of records) {
    const nameBytes = enc.encode(name);
    const crc = crc32(data);
    const local = [
      0x50,
      0x4b,
      3,
      4,
      20,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      ...u32(crc),
      ...u32(data.length),
      ...u32(data.length),
      nameBytes.length & 0xff,
      nameBytes.length >> 8,
      0,
      0,
      ...nameBytes,
    ];
    central.push([
      0x50,
      0x4b,
      1,
      2,
      20,
      0,
      20,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      ...u32(crc),
      ...u32(data.length),
      ...u32(data.length),
      nameBytes.length & 0xff,
      nameBytes.length >> 8,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      ...u32(offset),
      ...nameBytes,
    ]);
    parts.push(Uint8Array.from(local), data);
    offset += local.length + data.length;
  }
  const cd = Uint8Array.from(central.flat());
  const n = records.length;
  const eocd = Uint8Array.from([
    0x50,
    0x4b,
    5,
    6,
    0,
    0,
    0,
    0,
    n & 0xff,
    n >> 8,
    n & 0xff,
    n >> 8,
    ...u32(cd.length),
    ...u32(offset),
    0,
    0,
  ]);
  return Buffer.concat([...parts, cd, eocd]);
}
function floats(n, start) {
  return new Uint8Array(Float32Array.from({ length: n }, (_, i) => start + i / 8).buffer);
}
function torchBin(folder, items, storages) {
  return zip([
    [`${folder}/data.pkl`, statePickle(items)],
    ...storages.map(([key, data]) => [`${folder}/data/${key}`, data]),
    [`${folder}/version`, enc.encode("3\n")],
  ]);
}

const cases = {};
function writeCase(name, files, readme, dangerousGlobal) {
  cases[name] = { dangerous_global: dangerousGlobal, files: Object.keys(files).sort(), what: readme };
  const dir = join(OUT, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(CONFIG, join(dir, "config.json"));
  for (const [file, data] of Object.entries(files)) writeFileSync(join(dir, file), data);
  return `| \`${name}/\` | ${readme} |`;
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const rows = [];

const shard1 = "pytorch_model-00001-of-00002.bin";
const shard2 = "pytorch_model-00002-of-00002.bin";
rows.push(
  writeCase(
    "second-shard-posix-system",
    {
      [shard1]: torchBin(
        "pytorch_model-00001-of-00002",
        [["convnext.embeddings.layernorm.weight", tensor("0", 4)]],
        [["0", floats(4, 1)]],
      ),
      [shard2]: torchBin(
        "pytorch_model-00002-of-00002",
        [
          ["convnext.embeddings.layernorm.bias", tensor("0", 4)],
          ["payload", gadget()],
        ],
        [["0", floats(4, 0)]],
      ),
      "pytorch_model.bin.index.json": JSON.stringify(
        {
          metadata: { total_size: 32 },
          weight_map: { "convnext.embeddings.layernorm.bias": shard2, "convnext.embeddings.layernorm.weight": shard1 },
        },
        null,
        2,
      ),
    },
    "sharded `.bin`: shard 1 is clean, shard 2 holds a tensor plus key `payload` = `posix.system(CMD)` (REDUCE); the index lists only the tensors",
    "posix system",
  ),
);
rows.push(
  writeCase(
    "rebuild-hooks-posix-system",
    {
      "pytorch_model.bin": torchBin(
        "pytorch_model",
        [["convnext.embeddings.layernorm.weight", tensor("0", 4, { hooks: gadget() })]],
        [["0", floats(4, 1)]],
      ),
    },
    "the `backward_hooks` argument of `_rebuild_tensor_v2(...)` is `posix.system(CMD)`: the gadget sits inside an allowed rebuild call",
    "posix system",
  ),
);
rows.push(
  writeCase(
    "persid-storage-os-system",
    {
      "pytorch_model.bin": torchBin(
        "pytorch_model",
        [["convnext.embeddings.layernorm.weight", tensor("0", 4, { storageType: op.global("os", "system") })]],
        [["0", floats(4, 1)]],
      ),
    },
    "the storage type inside the persistent id `('storage', <type>, ...)` of a tensor is the global `os.system` instead of `torch.FloatStorage`",
    "os system",
  ),
);

writeFileSync(join(OUT, "MALICIOUS.json"), JSON.stringify({ payload_command: CMD, cases }, null, 1) + "\n");
writeFileSync(
  join(OUT, "README.md"),
  [
    "# More hostile `pytorch_model.bin` files (generated by `scripts/make-malicious-extra.mjs`)",
    "",
    "Complements `../formats/malicious/`: gadgets a loader meets only if it checks every shard and every",
    "argument of a rebuild call. Pickles are assembled opcode by opcode; none was ever unpickled. The payload",
    "would run `touch /tmp/PWNED-convnext`. Each must be refused with an error naming the global.",
    "",
    "| dir | what |",
    "| --- | --- |",
    ...rows,
    "",
  ].join("\n"),
);
console.log(`wrote ${rows.length} cases to ${OUT}`);
