import http from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { runInProcess } from "./support/cli-inprocess.js";
import { alturPhone, puffleEmail } from "./e2e/specs.js";

/**
 * A fake provider on 127.0.0.1 serving malformed 2xx answers (issue 17). Each case must end in < 10 s
 * with exit 1, a provider-named error, no stack trace, no write sent (no duplicate), no state change.
 */

type Answer = (res: http.ServerResponse) => void;

interface Seen {
  method: string;
  path: string;
}

const PUFFLE_KEY = "pk_live_hostile_secret_0123456789";
const ALTUR_KEY = "altur_hostile_secret_9876543210";

let server: http.Server;
let base = "";
const seen: Seen[] = [];
/** What GET /api/campaigns (Puffle) answers; POST /api/campaigns answers `create`. */
let puffleList: Answer = json({ campaigns: [] });
let puffleCreate: Answer = json({ campaign: { id: "c0ffee00-0000-4000-8000-000000000001", name: puffleEmail.name, sequence_nodes: [] } }, 201);
let alturList: Answer = json({ total_count: 0, campaigns: [], pagination: { has_next: false } });
const open = new Set<http.ServerResponse>();

function json(body: unknown, status = 200): Answer {
  return (res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
}

function raw(text: string, contentType: string): Answer {
  return (res) => {
    res.writeHead(200, { "content-type": contentType });
    res.end(text);
  };
}

/** 100 MB of a JSON list, streamed in 1 MB chunks with back-pressure, with or without Content-Length. */
function huge(withLength: boolean): Answer {
  const total = 100 * 1024 * 1024;
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  return (res) => {
    res.writeHead(200, { "content-type": "application/json", ...(withLength ? { "content-length": String(total) } : {}) });
    let sent = 0;
    res.write('{"campaigns":[');
    sent += 14;
    const pump = (): void => {
      while (sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    res.on("close", () => (sent = total));
    pump();
  };
}

const stall: Answer = () => {
  // Never answers; the response is closed when the server shuts down.
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    req.resume();
    req.on("end", () => {
      const path = (req.url ?? "").split("?")[0] ?? "";
      seen.push({ method: req.method ?? "", path });
      if (req.method === "GET" && path === "/api/campaigns") return puffleList(res);
      if (req.method === "POST" && path === "/api/campaigns") return puffleCreate(res);
      if (req.method === "GET" && path === "/altur/campaigns") return alturList(res);
      json({ error: "not in the fake" }, 500)(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of open) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/**
 * `only`: write just that provider's campaign. A failed list skips its account whole while the other
 * accounts proceed (issue 16), so a case serving one malformed list declares only the campaign it hits.
 */
async function workspace(only?: "puffle" | "altur"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "campaignctl-hostile-"));
  await mkdir(join(dir, "campaigns"));
  await writeFile(
    join(dir, "campaignctl.yaml"),
    stringify({
      apiVersion: "campaignctl/v1",
      accounts: [
        { provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY", baseUrl: base },
        { provider: "altur", apiKeyEnv: "ALTUR_API_KEY", baseUrl: `${base}/altur` },
      ],
    }),
  );
  const doc = (kind: string, name: string, spec: object) => stringify({ apiVersion: "campaignctl/v1", kind, metadata: { name }, spec });
  if (only !== "altur") await writeFile(join(dir, "campaigns", "email.yaml"), doc("PuffleCampaign", "email-nurture", puffleEmail));
  if (only !== "puffle") await writeFile(join(dir, "campaigns", "phone.yaml"), doc("AlturCampaign", "q2", alturPhone));
  return dir;
}

const run = (dir: string, args: string[]) => runInProcess(args, { cwd: dir, env: { PUFFLE_API_KEY: PUFFLE_KEY, ALTUR_API_KEY: ALTUR_KEY } });

interface Case {
  name: string;
  puffle?: Answer;
  altur?: Answer;
  args?: string[];
  /** The error line expected on stderr. */
  expected: RegExp;
}

const CASES: Case[] = [
  { name: "HTML captive portal", puffle: raw("<html><body>Sign in to the hotel Wi-Fi</body></html>", "text/html"), expected: /puffle: list campaigns: unexpected answer \(the body is not JSON; HTTP 200; content type text\/html; body starts "<html><body>Sign in/ },
  { name: "truncated JSON", puffle: raw('{"campaigns":[{"id":"a1","name":"Email nu', "application/json"), expected: /puffle: list campaigns: unexpected answer \(the body is not JSON; HTTP 200; content type application\/json; body starts "\{\\"campaigns\\":\[\{\\"id\\":\\"a1\\"/ },
  { name: "empty body", puffle: raw("", "application/json"), expected: /puffle: list campaigns: unexpected answer \(the answer is null, expected an object; HTTP 200; content type application\/json; empty body\)/ },
  { name: "campaigns: null", puffle: json({ campaigns: null }), expected: /puffle: list campaigns: unexpected answer \(campaigns is null, expected a list; HTTP 200; content type application\/json; body starts "\{\\"campaigns\\":null\}"\)/ },
  { name: "renamed key", puffle: json({ items: [] }), expected: /puffle: list campaigns: unexpected answer \(no "campaigns" key; HTTP 200/ },
  { name: "campaigns is an object", puffle: json({ campaigns: { a: 1 } }), expected: /puffle: list campaigns: unexpected answer \(campaigns is an object, expected a list;/ },
  { name: "item without a name", puffle: json({ campaigns: [{ id: "a1", title: "Email nurture" }] }), expected: /puffle: list campaigns: unexpected answer \(campaigns\[0\] has no "name" key;/ },
  { name: "a list instead of the envelope", puffle: json([]), expected: /puffle: list campaigns: unexpected answer \(the answer is a list, expected an object;/ },
  { name: "Altur campaigns: null", altur: json({ total_count: 3, campaigns: null }), expected: /altur: list campaigns: unexpected answer \(campaigns is null, expected a list;/ },
  { name: "Altur renamed key", altur: json({ total_count: 3, results: [] }), expected: /altur: list campaigns: unexpected answer \(no "campaigns" key;/ },
  { name: "Altur item id null", altur: json({ campaigns: [{ id: null, name: "x" }] }), expected: /altur: list campaigns: unexpected answer \(campaigns\[0\]\.id is null, expected a string or an integer;/ },
  { name: "100 MB body (chunked)", puffle: huge(false), expected: /puffle: list campaigns: unexpected answer \(the body is larger than the 64 MiB limit; HTTP 200; content type application\/json\)/ },
  { name: "100 MB body (Content-Length)", puffle: huge(true), expected: /puffle: list campaigns: unexpected answer \(the body is larger than the 64 MiB limit;/ },
  { name: "stalled provider (--request-timeout 2)", puffle: stall, args: ["--request-timeout", "2"], expected: /puffle: list campaigns failed: gave up after the 2 s per-request time limit before 127\.0\.0\.1:\d+ answered/ },
  { name: "stalled provider (--timeout 1)", puffle: stall, args: ["--timeout", "1"], expected: /puffle: list campaigns failed: the command's 1 s time limit \(--timeout\) ran out before 127\.0\.0\.1:\d+ answered/ },
  { name: "echoed key, base64", puffle: raw(`<p>bad token ${Buffer.from(`Bearer ${PUFFLE_KEY}`).toString("base64")}</p>`, "text/html"), expected: /puffle: list campaigns: unexpected answer \(the body is not JSON; .*body starts "<p>bad token \[redacted\]<\/p>"\)/ },
];

const timings: Record<string, number> = {};

describe("malformed provider answers (fake provider on 127.0.0.1)", () => {
  afterAll(() => {
    // Recorded for the notes: how long each hostile answer takes to fail.
    console.log(`hostile provider timings (ms): ${JSON.stringify(timings)}`);
  });

  for (const c of CASES) {
    for (const command of [["plan"], ["apply", "--auto-approve"]]) {
      it(`${command[0]}: ${c.name}`, async () => {
        const dir = await workspace(c.altur ? "altur" : "puffle");
        puffleList = c.puffle ?? json({ campaigns: [] });
        alturList = c.altur ?? json({ total_count: 0, campaigns: [], pagination: { has_next: false } });
        seen.length = 0;
        try {
          const r = await run(dir, [...(c.args ?? []), ...command]);
          timings[`${command[0]} ${c.name}`] = Math.round(r.ms);
          expect(r.code).toBe(1);
          expect(r.stderr).toMatch(c.expected);
          expect(r.stderr).not.toMatch(/\n\s+at /);
          expect(r.stderr).not.toMatch(/unexpected failure|is not iterable|undefined/);
          expect(r.stderr + r.stdout).not.toContain(PUFFLE_KEY);
          expect(r.stdout).not.toMatch(/will be created|[1-9]\d* to create/);
          expect(r.ms).toBeLessThan(10_000);
          // Nothing written to any provider, nothing recorded.
          expect(seen.filter((s) => s.method !== "GET")).toEqual([]);
          expect(existsSync(join(dir, "campaignctl.state.json"))).toBe(false);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }, 15_000);
    }
  }

  it("a malformed list skips only its account: the other account is still planned, the error is said once", async () => {
    const dir = await workspace();
    puffleList = json({ campaigns: null });
    alturList = json({ total_count: 0, campaigns: [], pagination: { has_next: false } });
    seen.length = 0;
    try {
      const r = await run(dir, ["plan"]);
      expect(r.code).toBe(1);
      expect(r.stderr.match(/^error: puffle: list campaigns: unexpected answer \(campaigns is null/gm)).toHaveLength(1);
      expect(r.stdout).toContain("altur/default/q2 will be created");
      expect(r.stdout).not.toContain("puffle/default/email-nurture will be created");
      expect(r.stdout).toMatch(/puffle\/default\/email-nurture: not planned: listing the campaigns of account puffle\/default failed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a create answered with an HTML page is reported, looked up by name, and never sent twice", async () => {
    const dir = await workspace();
    puffleList = json({ campaigns: [] });
    alturList = json({ total_count: 0, campaigns: [], pagination: { has_next: false } });
    puffleCreate = raw("<html>Service temporarily rerouted</html>", "text/html");
    seen.length = 0;
    try {
      const r = await run(dir, ["apply", "--auto-approve", "--target", "puffle/default/email-nurture"]);
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/puffle: create campaign: unexpected answer \(the body is not JSON; HTTP 200; content type text\/html; body starts "<html>Service/);
      expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
      expect(seen.filter((s) => s.method === "POST")).toHaveLength(1);
      const state = existsSync(join(dir, "campaignctl.state.json")) ? JSON.parse(await readFile(join(dir, "campaignctl.state.json"), "utf8")) : { campaigns: {} };
      expect(state.campaigns).toEqual({});
    } finally {
      puffleCreate = json({ campaign: { id: "c0ffee00-0000-4000-8000-000000000001", name: puffleEmail.name, sequence_nodes: [] } }, 201);
      await rm(dir, { recursive: true, force: true });
    }
  }, 15_000);
});
