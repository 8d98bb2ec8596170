// What fromPretrained accepts as a model and how a string becomes files. A platform entry may register a
// resolver (Node's: directories and hub ids through the Hugging Face cache); without one, as in browsers,
// workers, Deno and Bun, a hub id is fetched from the hub (cached in the Cache API) and a URL is read as a
// model directory on a web server.

import type { HubOptions } from "./hub-options.js";
import { hubFiles } from "./hub-files.js";
import { parseHubReference } from "./hub-reference.js";
import type { ModelFiles } from "./model-files.js";
import { urlFiles } from "./url-files.js";

/** A hub id `org/name[@revision]`, a model directory's URL (or, in Node, path), or files at hand. */
export type ModelReference = string | URL | ModelFiles;

/** Resolves a string reference (a path, a hub id) to model files; registered by a platform entry. */
export type ModelResolver = (ref: string, options: HubOptions) => Promise<ModelFiles>;

let resolver: ModelResolver | null = null;

export function setModelResolver(r: ModelResolver | null): void {
  resolver = r;
}

const ABSOLUTE_URL = /^https?:\/\//i;
const RELATIVE_URL = /^\.{0,2}\//;

export async function resolveModelFiles(ref: ModelReference, options: HubOptions = {}): Promise<ModelFiles> {
  if (ref instanceof URL || (typeof ref === "string" && ABSOLUTE_URL.test(ref))) return urlFiles(ref, options);
  if (typeof ref !== "string") return ref;
  if (resolver) return resolver(ref, options);
  if (parseHubReference(ref)) return hubFiles(ref, options);
  if (RELATIVE_URL.test(ref) && (globalThis as { location?: unknown }).location) return urlFiles(ref, options);
  throw new Error(
    `cannot resolve "${ref}" here: expected a hub id like "org/name" or "org/name@revision", the URL of a model ` +
      `directory, or a ModelFiles object (paths need Node: import "convnext")`,
  );
}
