// What the Node and the browser hub clients share about the Hugging Face hub: the `org/name[@revision]`
// reference, the default endpoint, what a commit hash looks like, and the URLs huggingface_hub requests.

export const DEFAULT_ENDPOINT = "https://huggingface.co";
export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** HF's repo id rule: `name` or `org/name`, letters, digits, `-_.`, no `--` or `..`, at most 96 per part. */
const REPO_ID = /^(?:[A-Za-z0-9][\w.-]{0,95}\/)?[A-Za-z0-9][\w.-]{0,95}$/;

export interface HubReference {
  repoId: string;
  /** The part after `@`, if any (a branch, tag or commit). */
  revision: string | undefined;
}

/** `org/name` or `org/name@revision`; null for anything else (a path, a URL). */
export function parseHubReference(ref: string): HubReference | null {
  const at = ref.indexOf("@");
  const repoId = at < 0 ? ref : ref.slice(0, at);
  const revision = at < 0 ? undefined : ref.slice(at + 1);
  if (!REPO_ID.test(repoId) || repoId.includes("--") || repoId.includes("..") || repoId.endsWith(".")) return null;
  if (revision !== undefined && revision === "") return null;
  return { repoId, revision };
}

/** How messages name a model: `org/name`, or `org/name@revision` off the main branch. */
export function hubModelName(repoId: string, revision: string): string {
  return revision === "main" ? repoId : `${repoId}@${revision}`;
}

/** The endpoint without trailing slashes (HF_ENDPOINT may carry one). */
export function normalizeEndpoint(endpoint: string): string {
  return endpoint.replace(/\/+$/, "");
}

/** `{endpoint}/{repo}/resolve/{revision}/{file}`: a file at a branch, tag or commit. */
export function resolveUrl(endpoint: string, repoId: string, revision: string, file: string): string {
  const path = file.split("/").map(encodeURIComponent).join("/");
  return `${endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${path}`;
}

/** `{endpoint}/api/models/{repo}/revision/{revision}`: the commit a revision points to and its files (model_info). */
export function revisionInfoUrl(endpoint: string, repoId: string, revision: string): string {
  return `${endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}?blobs=true`;
}
