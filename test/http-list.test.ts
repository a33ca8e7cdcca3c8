/**
 * A list answer read as it arrives (RequestSpec.list, issue 30): the splitter against JSON.parse on many
 * bodies cut at every byte, and the HTTP client against real servers on 127.0.0.1 (items mapped while the
 * answer is still arriving, retries mapping afresh, checks, redaction, errors).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { JsonListSplitter } from "../src/http/json-list.js";
import { createHttpClient, ProviderApiError } from "../src/http/index.js";
import { responseSchema } from "../src/http/response-schema.js";

/** Everything the splitter hands over for `body` fed in the given pieces. */
function split(body: string, cuts: readonly number[], key = "campaigns"): { items: string[][]; envelope: string } {
  const bytes = Buffer.from(body, "utf8");
  const items: string[][] = [];
  const s = new JsonListSplitter(key, (text, list) => (items[list - 1] ??= []).push(text));
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    s.write(bytes.subarray(at, cut));
    at = cut;
  }
  return { items, envelope: s.end() };
}

/** A seeded generator (mulberry32): the same bodies on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRICKY = ['a"b', "back\\slash", "[not, a, list]", "{not: an object}", "ünïcødé ✓ 𝄞", "comma, colon: quote\" end", "", "\n\t\u0001", "campaigns"];

function value(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * (depth > 3 ? 4 : 7));
  switch (pick) {
    case 0:
      return TRICKY[Math.floor(r() * TRICKY.length)];
    case 1:
      return Math.floor(r() * 2000) - 1000 + (r() < 0.3 ? 0.25 : 0);
    case 2:
      return r() < 0.5 ? null : r() < 0.5;
    case 3:
      return `s${Math.floor(r() * 1e6)}`;
    case 4:
      return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, (_, i) => [TRICKY[(i + Math.floor(r() * 9)) % TRICKY.length] as string, value(r, depth + 1)]));
  }
}

describe("JsonListSplitter", () => {
  it("hands over exactly JSON.parse's items, whatever the pieces, and keeps the rest with the list as []", () => {
    const r = prng(30);
    for (let n = 0; n < 60; n++) {
      const campaigns = Array.from({ length: Math.floor(r() * 6) }, () => value(r, 0));
      const doc: Record<string, unknown> = { ...(r() < 0.5 ? { total: campaigns.length, next: null } : {}), campaigns, ...(r() < 0.5 ? { meta: { campaigns: [1, 2], "x]": "[" } } : {}) };
      const body = r() < 0.5 ? JSON.stringify(doc) : JSON.stringify(doc, null, r() < 0.5 ? 2 : "\t");
      const size = Buffer.byteLength(body);
      // One piece; every single-byte cut (multi-byte characters split included); and seeded random pieces.
      const cutsList: number[][] = [[], ...Array.from({ length: Math.min(size, 80) }, (_, i) => [Math.floor((i * size) / Math.min(size, 80))])];
      cutsList.push(Array.from({ length: 12 }, () => Math.floor(r() * size)).sort((a, b) => a - b));
      for (const cuts of cutsList) {
        const { items, envelope } = split(body, cuts);
        expect((items[0] ?? []).map((t) => JSON.parse(t))).toEqual(campaigns);
        expect(JSON.parse(envelope)).toEqual({ ...doc, campaigns: [] });
      }
    }
  });

  it("only the top-level key is streamed; a key written with escapes is the same key; a key given twice starts a new list", () => {
    expect(split('{"meta":{"campaigns":[1,2]},"campaigns":[3]}', [5, 17]).items).toEqual([["3"]]);
    expect(split('{"camp\\u0061igns":[{"a":1}]}', [8]).items).toEqual([['{"a":1}']]);
    const twice = split('{"campaigns":[1,2],"campaigns":[3]}', []);
    expect(twice.items).toEqual([["1", "2"], ["3"]]);
    expect(JSON.parse(twice.envelope)).toEqual({ campaigns: [] });
    expect(split('{"items":[1,2]}', []).items).toEqual([]);
    expect(JSON.parse(split('[{"campaigns":[1]}]', []).envelope)).toEqual([{ campaigns: [1] }]);
  });

  it("a body that is not JSON never passes: an item or the envelope fails to parse", () => {
    const bad = ['{"campaigns":[1,,2]}', '{"campaigns":[1,]}', '{"campaigns":[,]}', '{"campaigns":[{"a":1} {"b":2}]}', '{"campaigns":[{"a":1}', '{"campaigns":[{"a":"unterminated}]}', '{"campaigns":[1 2]}', "<html>[</html>"];
    for (const body of bad) {
      const { items, envelope } = split(body, [3, 9]);
      const parses = (t: string) => {
        try {
          JSON.parse(t);
          return true;
        } catch {
          return false;
        }
      };
      const allParse = (items[0] ?? []).every(parses) && parses(envelope);
      expect(allParse, body).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------------

const servers: http.Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.closeAllConnections(), s.close(() => resolve())))));
});

async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void): Promise<string> {
  let n = 0;
  const server = http.createServer((req, res) => handler(req, res, n++));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const KEY = "pk_live_LISTSECRET_77aa";
const itemCheck = responseSchema({ type: "object", required: ["id", "name"] });
const envelopeCheck = responseSchema({ type: "object", required: ["campaigns"], properties: { campaigns: { type: "array" } } });

function client(url: string) {
  return createHttpClient({ provider: "puffle", account: "main", baseUrl: url, auth: { name: "Authorization", value: `Bearer ${KEY}` }, requestsPerSecond: 1000, concurrency: 4, readOnly: true, backoff: { baseMs: 5, capMs: 20 } });
}

const list = (mapped: unknown[][]) => ({
  key: "campaigns",
  item: itemCheck,
  map: (c: unknown, index: number) => {
    (mapped[mapped.length - 1] as unknown[]).push(c);
    return { index, id: (c as { id: string }).id };
  },
});

describe("a list read as it arrives", () => {
  it("maps items while the answer is still arriving, and returns them under the key with the rest of the answer", async () => {
    const mapped: unknown[][] = [[]];
    let mappedBeforeEnd = -1;
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"total":3,"campaigns":[{"id":"a","name":"A"},{"id":"b","na');
      // The end is sent only once the client has mapped what arrived: nothing waits for the whole body.
      const wait = setInterval(() => {
        if ((mapped[0] as unknown[]).length < 1) return;
        clearInterval(wait);
        mappedBeforeEnd = (mapped[0] as unknown[]).length;
        res.end('me":"B"},{"id":"c","name":"C"}],"next":null}');
      }, 5);
    });
    const res = await client(url).request<{ total: number; campaigns: unknown[]; next: null }>({ method: "GET", path: "/api/campaigns", operation: "list campaigns", retry: "safe", response: envelopeCheck, list: list(mapped) });
    expect(mappedBeforeEnd).toBe(1);
    expect(res.body).toEqual({ total: 3, campaigns: [{ index: 0, id: "a" }, { index: 1, id: "b" }, { index: 2, id: "c" }], next: null });
  });

  it("a body cut off mid-list is retried, and the retry maps afresh: each item once", async () => {
    const mapped: unknown[][] = [];
    const url = await serve((_req, res, n) => {
      res.writeHead(200, { "content-type": "application/json" });
      if (n === 0) {
        res.write('{"campaigns":[{"id":"a","name":"A"},{"id":"b"');
        setTimeout(() => res.destroy(), 20);
        return;
      }
      res.end(JSON.stringify({ campaigns: [{ id: "a", name: "A" }, { id: "b", name: "B" }] }));
    });
    const c = client(url);
    const spec = { method: "GET" as const, path: "/api/campaigns", operation: "list campaigns", retry: "safe" as const, response: envelopeCheck, list: { ...list(mapped), map: (item: unknown, index: number) => (mapped.length === 0 || index === 0 ? mapped.push([item]) : (mapped.at(-1) as unknown[]).push(item), (item as { id: string }).id) } };
    const res = await c.request<{ campaigns: string[] }>(spec);
    expect(res.body.campaigns).toEqual(["a", "b"]);
    expect(c.stats.requests).toBe(2);
  });

  it("an item that fails its check, or is not JSON, fails the request as an answer naming where", async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(req.url?.includes("bad-json") ? '{"campaigns":[{"id":"a","name":"A"},{"id":"b",,}]}' : '{"campaigns":[{"id":"a","name":"A"},{"id":"b","title":"B"}]}');
    });
    const e1 = await client(url).request({ method: "GET", path: "/api/campaigns", operation: "list campaigns", retry: "safe", response: envelopeCheck, list: list([[]]) }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ProviderApiError);
    expect((e1 as ProviderApiError).kind).toBe("answer");
    expect((e1 as Error).message).toMatch(/list campaigns: unexpected answer \(campaigns\[1\] has no "name" key; HTTP 200; content type application\/json; body starts "\{\\"campaigns\\"/);
    const e2 = await client(url).request({ method: "GET", path: "/bad-json", operation: "list campaigns", retry: "safe", response: envelopeCheck, list: list([[]]) }).catch((e: unknown) => e);
    expect((e2 as Error).message).toMatch(/unexpected answer \(the body is not JSON; HTTP 200/);
  });

  it("without map, items are checked as they arrive and dropped: the body holds the list as [] and the rest whole", async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const schedules = req.url?.includes("bad") ? [{ id: "a", name: "A" }, { id: "b" }] : Array.from({ length: 500 }, (_, i) => ({ id: `s${i}`, name: `S${i}`, hours: [9, 17] }));
      res.end(JSON.stringify({ accounts: [{ id: "x" }], schedules, weekly_stats: [] }));
    });
    const spec = { method: "GET" as const, path: "/api/campaigns/settings", operation: "read sender limits", retry: "safe" as const, list: { key: "schedules", item: itemCheck } };
    const res = await client(url).request<unknown>(spec);
    expect(res.body).toEqual({ accounts: [{ id: "x" }], schedules: [], weekly_stats: [] });
    const e = await client(url).request({ ...spec, path: "/bad" }).catch((x: unknown) => x);
    expect((e as ProviderApiError).kind).toBe("answer");
    expect((e as Error).message).toMatch(/read sender limits: unexpected answer \(schedules\[1\] has no "name" key/);
  });

  it("what map throws is the request's error, as it is (not retried)", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"campaigns":[{"id":"a","name":"A"}]}');
    });
    const c = client(url);
    const boom = new Error("campaign a has no usable id");
    const e = await c.request({ method: "GET", path: "/api/campaigns", operation: "list campaigns", retry: "safe", response: envelopeCheck, list: { key: "campaigns", item: itemCheck, map: () => { throw boom; } } }).catch((x: unknown) => x);
    expect(e).toBe(boom);
    expect(c.stats.requests).toBe(1);
  });

  it("a key echoed in one item is redacted in that item before it is mapped, and one echoed after the list in the rest of the answer", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      // Far past the answer's first bytes: the envelope is checked from its own text.
      res.end(JSON.stringify({ campaigns: [...Array.from({ length: 50 }, (_, i) => ({ id: `c${i}`, name: `C ${i}` })), { id: "b", name: `leak ${KEY}` }], echo: `key ${KEY}` }));
    });
    const mapped: unknown[][] = [[]];
    const res = await client(url).request<{ echo: string }>({ method: "GET", path: "/api/campaigns", operation: "list campaigns", retry: "safe", response: envelopeCheck, list: list(mapped) });
    expect(JSON.stringify(mapped)).not.toContain("LISTSECRET");
    expect((mapped[0] as unknown[]).at(-1)).toEqual({ id: "b", name: expect.stringMatching(/^leak /) as unknown });
    expect(res.body.echo).toMatch(/^key /);
    expect(JSON.stringify(res.body)).not.toContain("LISTSECRET");
  });

  it("an error status is read whole and classified as any request's (500 retried, then the list)", async () => {
    const url = await serve((_req, res, n) => {
      if (n === 0) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end('{"error":"try again"}');
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"campaigns":[]}');
    });
    const c = client(url);
    const res = await c.request<{ campaigns: unknown[] }>({ method: "GET", path: "/api/campaigns", operation: "list campaigns", retry: "safe", response: envelopeCheck, list: list([[]]) });
    expect(res.body.campaigns).toEqual([]);
    expect(c.stats.retries).toBe(1);
  });
});
