import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { Redactor } from "../src/core/redact.js";
import { runInProcess } from "./support/cli-inprocess.js";
import { alturPhone, puffleEmail } from "./e2e/specs.js";

/**
 * Issue 31: every configured API key value is redacted wherever it appears in what campaignctl prints
 * or writes, in every form a hostile provider (fake provider on 127.0.0.1, real HTTP) or a user's own
 * file carries it.
 */

const PUFFLE_KEY = "pk_live_hostile_secret_0123456789";
const ALTUR_KEY = "altur_hostile_secret_9876543210";

const hex = Buffer.from(PUFFLE_KEY, "utf8").toString("hex");
/** Every other character `\u`-escaped: a mix of escaped and literal characters. */
const uMixed = [...PUFFLE_KEY].map((c, i) => (i % 2 === 0 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}` : c)).join("");
const uUpper = [...PUFFLE_KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()}`).join("");
const split = `${PUFFLE_KEY.slice(0, 12)}\n        ${PUFFLE_KEY.slice(12)}`;
const spaced = [...PUFFLE_KEY].join(" ");
const b64shifted = Buffer.from(`Authorization: Bearer ${PUFFLE_KEY}`, "utf8").toString("base64");
const percent = [...PUFFLE_KEY].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join("");

/** What must never appear in any output: the key and every encoded form the cases send. */
const FORBIDDEN = [PUFFLE_KEY, hex, hex.toUpperCase(), uMixed, uUpper, split, spaced, percent, Buffer.from(PUFFLE_KEY).toString("base64").slice(0, 40), PUFFLE_KEY.slice(12)];

let server: http.Server;
let base = "";
let answer: (res: http.ServerResponse, path: string) => void = () => undefined;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push(`${req.method} ${(req.url ?? "").split("?")[0]}`);
      if (req.method === "GET" && (req.url ?? "").startsWith("/altur/campaigns")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ total_count: 0, campaigns: [], pagination: { has_next: false } }));
        return;
      }
      answer(res, (req.url ?? "").split("?")[0] ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function workspace(campaigns: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "campaignctl-redact-"));
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
  const doc = (kind: string, name: string, spec: object): string => stringify({ apiVersion: "campaignctl/v1", kind, metadata: { name }, spec });
  await writeFile(join(dir, "campaigns", "email.yaml"), doc("PuffleCampaign", "email-nurture", puffleEmail));
  for (const [file, text] of Object.entries(campaigns)) await writeFile(join(dir, "campaigns", file), text);
  return dir;
}

const run = (dir: string, args: string[]) => runInProcess(args, { cwd: dir, env: { PUFFLE_API_KEY: PUFFLE_KEY, ALTUR_API_KEY: ALTUR_KEY } });

function expectNoKey(text: string): void {
  for (const form of FORBIDDEN) expect(text).not.toContain(form);
  expect(text).not.toContain(ALTUR_KEY);
}

function jsonError(status: number, message: string): (res: http.ServerResponse) => void {
  return (res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify({ code: "UNAUTHORIZED", message }));
  };
}

function textError(status: number, text: string): (res: http.ServerResponse) => void {
  return (res) => {
    res.writeHead(status, { "content-type": "text/plain" });
    res.end(text);
  };
}

const ERROR_CASES: { name: string; answer: (res: http.ServerResponse) => void }[] = [
  { name: "hex, lower case", answer: jsonError(401, `invalid key ${hex}`) },
  { name: "hex, upper case", answer: jsonError(401, `invalid key ${hex.toUpperCase()}`) },
  { name: "JSON \\u-escaped, mixed with literal characters", answer: jsonError(401, `invalid key ${uMixed}`) },
  { name: "JSON \\u-escaped, upper-case hex digits", answer: jsonError(403, `invalid key ${uUpper}`) },
  { name: "split across lines", answer: jsonError(401, `invalid key ${split} (check it)`) },
  { name: "whitespace between every character", answer: jsonError(401, `invalid key ${spaced}`) },
  { name: "base64 inside an echoed header", answer: jsonError(401, `you sent ${b64shifted}`) },
  { name: "percent-encoded", answer: jsonError(401, `invalid key ${percent}`) },
  { name: "raw, in a plain-text 400 split across lines", answer: textError(400, `upstream said:\n${split}\n`) },
];

describe("a provider error body echoing the key in any encoding is redacted everywhere", () => {
  for (const c of ERROR_CASES) {
    it(c.name, async () => {
      const dir = await workspace();
      answer = c.answer;
      try {
        for (const args of [["plan"], ["plan", "--format", "json"], ["apply", "--auto-approve"], ["drift", "--format", "markdown"]]) {
          seen.length = 0;
          const r = await run(dir, args);
          expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(1);
          expect(r.stderr).toMatch(/puffle: list campaigns failed: 40[013]/);
          expect(r.stderr).toContain("[redacted]");
          expectNoKey(r.stdout + r.stderr);
          expect(r.stderr).not.toMatch(/\n\s+at /);
          // Real HTTP: the request was made, with nothing but GETs.
          expect(seen).toContain("GET /api/campaigns");
          expect(seen.filter((s) => !s.startsWith("GET "))).toEqual([]);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }, 20_000);
  }

  it("a key echoed inside a 2xx answer never reaches the plan shown, the plan file or the JSON plan", async () => {
    const dir = await workspace({
      "email.yaml": stringify({ apiVersion: "campaignctl/v1", kind: "PuffleCampaign", metadata: { name: "email-nurture" }, spec: { ...puffleEmail, signature: "Best, Acme" } }),
    });
    // The live campaign carries the key (hex, and raw split across lines) in a managed field: the plan shows that field's change.
    const live = { ...puffleEmail, id: "c0ffee00-0000-4000-8000-00000000000a", status: "draft", daily_limit: 41, signature: `${hex} / ${split}`, sequence_nodes: [] };
    answer = (res, path) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(path === "/api/campaigns" ? { campaigns: [live] } : { campaign: live }));
    };
    try {
      const text = await run(dir, ["plan"]);
      expect(text.code, text.stderr + text.stdout + seen.join(",")).toBe(0);
      const out = await run(dir, ["plan", "--out", "plan.json", "--format", "json"]);
      expect(out.code, out.stderr).toBe(0);
      const file = await readFile(join(dir, "plan.json"), "utf8");
      const md = await run(dir, ["plan", "--format", "markdown"]);
      for (const t of [text.stdout, text.stderr, out.stdout, file, md.stdout]) expectNoKey(t);
      // The change is shown, with the key's place marked.
      expect(text.stdout).toMatch(/signature: "\[redacted\] \/ \[redacted\]" → "Best, Acme"/);
      expect(file).toContain("[redacted] / [redacted]");
      expect(md.stdout).toContain("[redacted]");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 20_000);
});

describe("a configured key pasted into the user's own files", () => {
  const pasted = (value: string): string =>
    stringify({ apiVersion: "campaignctl/v1", kind: "AlturCampaign", metadata: { name: "q2" }, spec: { ...alturPhone, retries: value } });

  it.each([
    ["raw", ALTUR_KEY],
    ["hex", Buffer.from(ALTUR_KEY).toString("hex")],
  ])("validate names the place and says it looks like a key, without quoting it (%s)", async (_name, value) => {
    const dir = await workspace({ "phone.yaml": pasted(value) });
    try {
      for (const format of ["text", "json", "github"]) {
        const r = await run(dir, ["validate", "--format", format]);
        expect(r.code).toBe(1);
        expect(r.stdout).toMatch(format === "github" ? /::error file=campaigns\/phone\.yaml,line=\d+,col=\d+::API_KEY_IN_FILE / : /API_KEY_IN_FILE/);
        expect(r.stdout).toContain("looks like the API key configured in ALTUR_API_KEY");
        expect(r.stdout + r.stderr).not.toContain(value);
        expectNoKey(r.stdout + r.stderr);
      }
      const text = await run(dir, ["validate"]);
      const line = (await readFile(join(dir, "campaigns", "phone.yaml"), "utf8")).split("\n").findIndex((l) => l.startsWith("  retries:")) + 1;
      expect(text.stdout).toMatch(new RegExp(`^campaigns/phone\\.yaml:${line}:\\d+: error API_KEY_IN_FILE `, "m"));
      // plan stops before any request: the key is never sent as a campaign field.
      seen.length = 0;
      const plan = await run(dir, ["plan"]);
      expect(plan.code).toBe(1);
      expectNoKey(plan.stdout + plan.stderr);
      expect(seen).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 20_000);

  it("without the key in the environment, the same file is an ordinary schema error (nothing to compare with)", async () => {
    const dir = await workspace({ "phone.yaml": pasted("not-a-number") });
    try {
      const r = await run(dir, ["validate"]);
      expect(r.code).toBe(1);
      expect(r.stdout).not.toContain("API_KEY_IN_FILE");
      expect(r.stdout).toMatch(/retries/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("Redactor", () => {
  const r = new Redactor([PUFFLE_KEY]);

  it("redacts a key split between two chunks of a stream", () => {
    const filler = "x".repeat(r.maxSpan * 3);
    const out = [...r.chunks([filler + PUFFLE_KEY.slice(0, 10), PUFFLE_KEY.slice(10) + filler])].join("");
    expect(out).toBe(`${filler}[redacted]${filler}`);
  });

  it("leaves values shorter than 8 characters alone (the sandbox's default key is `sandbox`)", () => {
    expect(new Redactor(["sandbox"]).text("campaignctl sandbox")).toBe("campaignctl sandbox");
  });
});
