// Hostile pytorch_model.bin checkpoints the shared fixtures lack: a gadget in the SECOND shard of a sharded
// checkpoint, and gadgets inside a tensor-rebuild call. Assembled opcode by opcode (nothing is ever
// unpickled); in Python the payload would run `touch /tmp/PWNED-convnext`.
import { op, statePickle, tensorOps, torchZip } from "./torch-writer.js";

export const PAYLOAD = "touch /tmp/PWNED-convnext";

export interface MaliciousCase {
  name: string;
  /** "module name" of the global the loader must refuse. */
  dangerousGlobal: string;
  files: Record<string, Uint8Array>;
}

const gadget = () => [...op.global("posix", "system"), ...op.str(PAYLOAD), ...op.tuple1(), ...op.reduce()];
const floats = (n: number, start: number) =>
  new Uint8Array(Float32Array.from({ length: n }, (_, i) => start + i / 8).buffer);
const vector = (extra: { hooksOps?: number[]; storageTypeOps?: number[] } = {}) =>
  tensorOps({ storageKey: "0", storageNumel: 4, shape: [4], ...extra });

export function maliciousExtraCases(): MaliciousCase[] {
  const shard1 = "pytorch_model-00001-of-00002.bin";
  const shard2 = "pytorch_model-00002-of-00002.bin";
  const index = {
    metadata: { total_size: 32 },
    weight_map: { "convnext.embeddings.layernorm.bias": shard2, "convnext.embeddings.layernorm.weight": shard1 },
  };
  const single = (ops: number[]) => ({
    "pytorch_model.bin": torchZip(
      statePickle([["convnext.embeddings.layernorm.weight", ops]]),
      [["0", floats(4, 1)]],
      "pytorch_model",
    ),
  });
  return [
    {
      // shard 1 is clean; shard 2 holds a tensor plus key `payload` = posix.system(CMD); the index lists only tensors
      name: "second-shard-posix-system",
      dangerousGlobal: "posix system",
      files: {
        [shard1]: torchZip(
          statePickle([["convnext.embeddings.layernorm.weight", vector()]]),
          [["0", floats(4, 1)]],
          "pytorch_model-00001-of-00002",
        ),
        [shard2]: torchZip(
          statePickle([
            ["convnext.embeddings.layernorm.bias", vector()],
            ["payload", gadget()],
          ]),
          [["0", floats(4, 0)]],
          "pytorch_model-00002-of-00002",
        ),
        "pytorch_model.bin.index.json": new TextEncoder().encode(JSON.stringify(index)),
      },
    },
    {
      // the backward_hooks argument of an allowed _rebuild_tensor_v2(...) call is posix.system(CMD)
      name: "rebuild-hooks-posix-system",
      dangerousGlobal: "posix system",
      files: single(vector({ hooksOps: gadget() })),
    },
    {
      // the storage type inside the persistent id ('storage', <type>, ...) is os.system, not torch.FloatStorage
      name: "persid-storage-os-system",
      dangerousGlobal: "os system",
      files: single(vector({ storageTypeOps: op.global("os", "system") })),
    },
  ];
}
