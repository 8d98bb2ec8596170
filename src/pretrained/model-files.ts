// A model directory as the loaders see it: named files that may or may not exist. A local folder, the
// Hugging Face cache, or (in a browser) anything fetch() can reach all look like this (resolve-model.ts).

export interface ModelFiles {
  /** What this is, for messages (a path or a hub id). */
  readonly name: string;
  /** The file's bytes, or null when the model has no such file. Other failures throw. */
  read(file: string): Promise<Uint8Array | null>;
  /** How to name `file` in an error message (e.g. its full path). */
  describe(file: string): string;
  /**
   * Optional: reads `file` into the bytes `allocate(size)` returns (the kernels' memory), so a checkpoint is
   * held once instead of being copied there; null when the model has no such file.
   */
  readInto?(file: string, allocate: (bytes: number) => Uint8Array): Promise<Uint8Array | null>;
}

/** ModelFiles over an in-memory map (tests, browsers with already-fetched files). */
export function memoryFiles(name: string, files: Record<string, Uint8Array>): ModelFiles {
  return {
    name,
    read: async (file) => files[file] ?? null,
    describe: (file) => `${name}/${file}`,
  };
}

/** A JSON file of the model; errors name the file (`missing` says why it is needed when absent). */
export async function readJson(files: ModelFiles, file: string, missing = "not found"): Promise<unknown> {
  const where = files.describe(file);
  const bytes = await files.read(file);
  if (!bytes) throw new Error(`${where}: ${missing === "not found" ? missing : `not found (${missing})`}`);
  return parseJson(bytes, where);
}

/**
 * Largest JSON file parsed (config.json, preprocessor_config.json, shard indexes): JSON.parse takes several times
 * the text in memory. A 100,000-label config.json is ~3 MB, the index of a 10,000-tensor checkpoint ~1 MB.
 */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** JSON.parse of a file's bytes; the error names the file. */
export function parseJson(bytes: Uint8Array, where: string): unknown {
  if (bytes.length > MAX_JSON_BYTES)
    throw new Error(`${where}: ${bytes.length} bytes, above the limit of ${MAX_JSON_BYTES} for a JSON file`);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`${where}: invalid JSON (${(e as Error).message})`);
  }
}
