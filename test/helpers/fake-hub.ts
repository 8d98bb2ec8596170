// A local stand-in for the Hugging Face hub on 127.0.0.1 (random ports), answering like the real one:
// HEAD/GET /{repo}/resolve/{revision}/{file} with X-Repo-Commit and ETag (git blob sha1, quoted) for small
// files; LFS files answer 302 to a CDN on ANOTHER origin with X-Linked-Etag (sha256) / X-Linked-Size;
// 404 with X-Error-Code EntryNotFound / RepoNotFound / RevisionNotFound; 401 without the token on a
// private repo; Range requests (206); and, on request, a connection cut after N bytes. For the browser
// loader: GET /api/models/{repo}/revision/{revision} (model_info with blobs=true: the commit and each file's
// size and LFS sha256), and, with `cors`, the CORS headers huggingface.co sends (preflights included).
// Hostile modes (`hostile`): a body longer than announced, a gzip bomb despite Accept-Encoding: identity, a body
// dripping one byte at a time, slow chunks (so concurrent downloads overlap), and a mirror answering HEAD with an
// absolute redirect to its own origin (the 3xx carries the metadata, the target only the bytes).
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface HubFile {
  bytes: Uint8Array;
  lfs: boolean;
}

export interface HubRepo {
  commit: string;
  /** branch/tag -> commit (the commit itself always resolves). */
  refs: Record<string, string>;
  files: Record<string, HubFile>;
  /** Requests need `Authorization: Bearer <token>`. */
  token?: string;
}

export interface LoggedRequest {
  server: "hub" | "cdn";
  method: string;
  url: string;
  authorization: string | undefined;
  range: string | undefined;
}

const EXPOSED_HEADERS =
  "X-Repo-Commit, X-Error-Code, X-Error-Message, X-Linked-Etag, X-Linked-Size, ETag, Content-Length, Content-Range";

export interface HostileModes {
  /** After the file, keep sending this many more bytes (no Content-Length). */
  overflow?: number;
  /** Send `Content-Encoding: gzip` with this many zero bytes gzipped (ignoring Accept-Encoding: identity). */
  gzipBomb?: number;
  /** Send one byte every this many ms. */
  dripMs?: number;
  /** Send the body in 16 KB pieces, this many ms apart. */
  chunkDelayMs?: number;
  /** HEAD answers 302 to an absolute URL on the hub's own origin, metadata on the 3xx. */
  absoluteRedirect?: boolean;
}

export const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
export const gitBlobSha1 = (b: Uint8Array) => createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex");

export class FakeHub {
  readonly log: LoggedRequest[] = [];
  /** path -> remaining cuts: the next GETs of this CDN blob / file stop after `afterBytes`. */
  readonly cuts = new Map<string, { times: number; afterBytes: number }>();
  /** Lie about sizes / contents, to test the checks. */
  sizeLie = 0;
  corrupt = false;
  /** Answer cross-origin requests (a page on another origin), like huggingface.co. */
  cors = false;
  hostile: HostileModes = {};
  hubUrl = "";
  cdnUrl = "";
  private hub: Server;
  private cdn: Server;
  private blobs = new Map<string, Uint8Array>();

  constructor(readonly repos: Record<string, HubRepo>) {
    for (const repo of Object.values(repos)) {
      for (const f of Object.values(repo.files)) if (f.lfs) this.blobs.set(sha256(f.bytes), f.bytes);
    }
    this.hub = createServer((req, res) => this.handleHub(req, res));
    this.cdn = createServer((req, res) => this.handleCdn(req, res));
  }

  async start(): Promise<this> {
    const listen = (s: Server) =>
      new Promise<string>((resolve) =>
        s.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)),
      );
    this.hubUrl = await listen(this.hub);
    this.cdnUrl = await listen(this.cdn);
    return this;
  }

  async stop(): Promise<void> {
    const close = (s: Server) =>
      new Promise<void>((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      });
    await Promise.all([close(this.hub), close(this.cdn)]);
  }

  private record(server: "hub" | "cdn", req: IncomingMessage) {
    this.log.push({
      server,
      method: req.method ?? "",
      url: req.url ?? "",
      authorization: req.headers.authorization,
      range: req.headers.range,
    });
  }

  /** CORS headers on every answer, and the answer to a preflight; true when the request is answered. */
  private corsPreflight(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.cors) return false;
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    if (req.method !== "OPTIONS") return false;
    res.writeHead(204, {
      "Access-Control-Allow-Methods": "GET, HEAD",
      "Access-Control-Allow-Headers": "Authorization, Range",
      "Access-Control-Max-Age": "600",
    });
    res.end();
    return true;
  }

  private handleHub(req: IncomingMessage, res: ServerResponse) {
    this.record("hub", req);
    if (this.corsPreflight(req, res)) return;
    const mirrored = /^\/mirror-cache\/([0-9a-f]{64}|[0-9a-f]{40})$/.exec(req.url ?? "");
    if (mirrored) {
      const entry = Object.values(this.repos)
        .flatMap((r) => Object.values(r.files))
        .find((f) => sha256(f.bytes) === mirrored[1] || gitBlobSha1(f.bytes) === mirrored[1]);
      if (!entry) return this.fail(res, 404, null);
      return this.send(req, res, entry.bytes, {}, req.url!); // the bytes only, no hub headers
    }
    const api = /^\/api\/models\/(.+?)\/revision\/([^/?]+)(?:\?.*)?$/.exec(req.url ?? "");
    if (api) return this.handleApi(req, res, api[1], decodeURIComponent(api[2]));
    const m = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(req.url ?? "");
    if (!m) return this.fail(res, 404, null);
    const [, repoId, rawRevision, rawFile] = m;
    // A renamed repository: a relative redirect to its new name, followed by HEAD and GET alike.
    if (repoId === "old-org/tiny") {
      res.writeHead(307, { Location: `/org/tiny/resolve/${rawRevision}/${rawFile}` });
      return res.end();
    }
    const repo = this.repos[repoId];
    if (!repo) return this.fail(res, 401, "RepoNotFound", "Repository not found");
    if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) {
      return this.fail(res, req.headers.authorization ? 403 : 401, null, "Access to this repo is restricted");
    }
    const revision = decodeURIComponent(rawRevision);
    const commit = revision === repo.commit ? repo.commit : repo.refs[revision];
    if (!commit) return this.fail(res, 404, "RevisionNotFound", "Invalid rev id");
    const file = rawFile.split("/").map(decodeURIComponent).join("/");
    const entry = repo.files[file];
    if (!entry) return this.fail(res, 404, "EntryNotFound", "Entry not found", commit);
    if (this.hostile.absoluteRedirect) {
      const id = entry.lfs ? sha256(entry.bytes) : gitBlobSha1(entry.bytes);
      res.writeHead(302, {
        Location: `${this.hubUrl}/mirror-cache/${id}`,
        "X-Repo-Commit": commit,
        "X-Linked-Etag": `"${id}"`,
        "X-Linked-Size": String(entry.bytes.length),
      });
      return res.end();
    }
    if (entry.lfs) {
      const sha = sha256(entry.bytes);
      res.writeHead(302, {
        Location: `${this.cdnUrl}/blobs/${sha}?signature=abc`,
        "X-Repo-Commit": commit,
        "X-Linked-Etag": `"${sha}"`,
        "X-Linked-Size": String(entry.bytes.length + this.sizeLie),
        ETag: `W/"${gitBlobSha1(entry.bytes)}"`,
      });
      return res.end();
    }
    this.send(req, res, entry.bytes, { "X-Repo-Commit": commit, ETag: `"${gitBlobSha1(entry.bytes)}"` }, req.url!);
  }

  /** model_info(repo, revision, files_metadata=True): the commit and every file with its size (and LFS sha256). */
  private handleApi(req: IncomingMessage, res: ServerResponse, repoId: string, revision: string) {
    const repo = this.repos[repoId];
    if (!repo) return this.fail(res, 401, "RepoNotFound", "Repository not found");
    if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) {
      return this.fail(res, req.headers.authorization ? 403 : 401, null, "Access to this repo is restricted");
    }
    const commit = revision === repo.commit ? repo.commit : repo.refs[revision];
    if (!commit) return this.fail(res, 404, "RevisionNotFound", "Invalid rev id");
    const siblings = Object.entries(repo.files).map(([rfilename, f]) => ({
      rfilename,
      blobId: gitBlobSha1(f.bytes),
      size: f.bytes.length + (f.lfs ? this.sizeLie : 0),
      ...(f.lfs ? { lfs: { sha256: sha256(f.bytes), size: f.bytes.length, pointerSize: 134 } } : {}),
    }));
    const body = JSON.stringify({ id: repoId, sha: commit, siblings });
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  }

  private handleCdn(req: IncomingMessage, res: ServerResponse) {
    this.record("cdn", req);
    if (this.corsPreflight(req, res)) return;
    const m = /^\/blobs\/([0-9a-f]{64})/.exec(req.url ?? "");
    const bytes = m ? this.blobs.get(m[1]) : undefined;
    if (!bytes) return this.fail(res, 404, null);
    this.send(req, res, bytes, {}, `/blobs/${m![1]}`);
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    full: Uint8Array,
    headers: Record<string, string>,
    key: string,
  ) {
    let body = this.corrupt ? full.map((b, i) => (i === 7 ? b ^ 1 : b)) : full;
    let status = 200;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (range) {
      const start = Number(range[1]);
      if (start >= full.length) {
        res.writeHead(416, { "Content-Range": `bytes */${full.length}` });
        return res.end();
      }
      headers["Content-Range"] = `bytes ${start}-${full.length - 1}/${full.length}`;
      body = body.subarray(start);
      status = 206;
    }
    const h = this.hostile;
    if (req.method === "GET" && h.gzipBomb) {
      res.writeHead(200, { ...headers, "Content-Encoding": "gzip" });
      return res.end(gzipSync(new Uint8Array(h.gzipBomb)));
    }
    if (req.method === "GET" && h.overflow) {
      res.writeHead(status, headers); // chunked: no length to hold the server to
      res.write(Buffer.from(body));
      return res.end(Buffer.alloc(h.overflow, 0x41));
    }
    if (req.method === "GET" && (h.dripMs || h.chunkDelayMs)) {
      res.writeHead(status, { ...headers, "Content-Length": String(body.length) });
      const piece = h.dripMs ? 1 : 16384;
      let at = 0;
      const next = () => {
        if (res.destroyed) return;
        if (at >= body.length) return res.end();
        res.write(Buffer.from(body.subarray(at, at + piece)));
        at += piece;
        setTimeout(next, h.dripMs ?? h.chunkDelayMs);
      };
      return next();
    }
    res.writeHead(status, { ...headers, "Content-Length": String(body.length), "Accept-Ranges": "bytes" });
    if (req.method === "HEAD") return res.end();
    const cut = this.cuts.get(key);
    if (cut && cut.times > 0 && body.length > cut.afterBytes) {
      cut.times--;
      res.write(body.subarray(0, cut.afterBytes), () => setTimeout(() => req.socket.destroy(), 20));
      return;
    }
    res.end(Buffer.from(body));
  }

  private fail(res: ServerResponse, status: number, code: string | null, message?: string, commit?: string) {
    const headers: Record<string, string> = {};
    if (code) headers["X-Error-Code"] = code;
    if (message) headers["X-Error-Message"] = message;
    if (commit) headers["X-Repo-Commit"] = commit;
    res.writeHead(status, headers);
    res.end();
  }
}

/** Points the hub client (through the environment) at `hub`, with `home` as HF_HOME and nothing else redirecting it. */
export function useFakeHub(home: string, hub: FakeHub): void {
  for (const k of [
    "HF_HUB_CACHE",
    "HUGGINGFACE_HUB_CACHE",
    "HF_HUB_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "HF_TOKEN_PATH",
  ]) {
    delete process.env[k];
  }
  process.env.HF_HOME = home;
  process.env.HF_ENDPOINT = hub.hubUrl;
  process.env.HF_HUB_DISABLE_PROGRESS_BARS = "1";
}
