// The fetch-based download (browsers, workers, Deno, Bun) against hostile servers on 127.0.0.1: a body past
// its limit, announced or not, and a server dripping bytes, which an idle timeout alone never stops.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { fetchUrl, NetworkError } from "../../src/pretrained/fetch-bytes.js";

let server: Server | null = null;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

async function serve(handler: (res: ServerResponse) => void): Promise<string> {
  server = createServer((_req, res) => handler(res));
  await new Promise<void>((done) => server!.listen(0, "127.0.0.1", done));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/file`;
}

describe("fetchUrl bounds what a server sends", () => {
  it("an announced size above maxBytes is refused before the body is read", async () => {
    const url = await serve((res) => {
      res.writeHead(200, { "content-length": "5000" });
      res.end(Buffer.alloc(5000));
    });
    const fetched = await fetchUrl(url, { maxBytes: 4096 });
    await expect(fetched.bytes()).rejects.toThrow(`${url}: 5000 bytes, above the limit of 4096`);
  });

  it("a body of unannounced size stops at maxBytes", async () => {
    const url = await serve((res) => {
      res.writeHead(200); // chunked: no content-length
      const chunk = Buffer.alloc(1024);
      let sent = 0;
      const more = () => (sent++ < 100 ? res.write(chunk, more) : res.end());
      more();
    });
    const fetched = await fetchUrl(url, { maxBytes: 10_000 });
    await expect(fetched.bytes()).rejects.toThrow(`${url}: more than the limit of 10000 bytes`);
  });

  it("within the limit, the body arrives whole", async () => {
    const url = await serve((res) => res.end(Buffer.alloc(3000, 7)));
    const bytes = await (await fetchUrl(url, { maxBytes: 3000 })).bytes();
    expect(bytes.length).toBe(3000);
    expect(bytes.every((b) => b === 7)).toBe(true);
  });

  it("a server sending a byte every 100 ms is cut at the minimum speed, with the idle timeout never reached", async () => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const url = await serve((res) => {
      res.writeHead(200, { "content-length": "1000000" });
      timer = setInterval(() => res.write("x"), 100);
      res.on("close", () => clearInterval(timer));
    });
    const fetched = await fetchUrl(url, { timeoutMs: 5000, minSpeed: { bytesPerSecond: 100, seconds: 1 } });
    const started = Date.now();
    const error = await fetched.bytes().catch((e: Error) => e);
    clearInterval(timer);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(new RegExp(`^${url}: slower than 100 bytes/s for 1 s \\(\\d+ bytes\\)$`));
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
