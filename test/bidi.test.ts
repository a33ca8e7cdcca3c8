import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { runInProcess } from "./support/cli-inprocess.js";
import { startTestSandbox, type TestSandbox } from "./support/sandbox.js";
import { alturPhone, puffleEmail } from "./e2e/specs.js";

/**
 * Issue 31: bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) from a provider or a
 * file are escaped in every rendered output, so an RTL override cannot make a PR comment or a log line
 * read differently from what it says. JSON stays valid JSON with the same values.
 */

const RLO = "\u202e";
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const KEY = "puffle-bidi-test-key-000";
let sb: TestSandbox;
let dir = "";

beforeAll(async () => {
  sb = await startTestSandbox({ apiKey: KEY, rateLimits: false });
  dir = await mkdtemp(join(tmpdir(), "campaignctl-bidi-"));
  await mkdir(join(dir, "campaigns"));
  await writeFile(
    join(dir, "campaignctl.yaml"),
    stringify({ apiVersion: "campaignctl/v1", accounts: [{ provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY", baseUrl: sb.urls.puffle }] }),
  );
  await writeFile(join(dir, "campaigns", "email.yaml"), stringify({ apiVersion: "campaignctl/v1", kind: "PuffleCampaign", metadata: { name: "email-nurture" }, spec: puffleEmail }));
});

afterAll(async () => {
  await sb.stop();
  await rm(dir, { recursive: true, force: true });
});

const run = (args: string[]) => runInProcess(args, { cwd: dir, env: { PUFFLE_API_KEY: KEY } });

describe("an RTL override in a live campaign name", () => {
  it("reaches the markdown, text and JSON plans escaped, never raw", async () => {
    const applied = await run(["apply", "--auto-approve"]);
    expect(applied.code, applied.stderr).toBe(0);
    const [live] = await sb.campaigns("puffle");
    // Someone renames it in the provider's UI with an RTL override: "Email nurture" would read "Email erutrun".
    const renamed = `Email ${RLO}erutrun`;
    const patched = await sb.request("puffle", "PATCH", `/api/campaigns/${live.id}`, { name: renamed });
    expect(patched.status).toBe(200);

    const md = await run(["plan", "--format", "markdown"]);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain("name: \"Email \\u202eerutrun\" → \"Email nurture\"");
    expect(md.stdout).not.toMatch(BIDI);

    const json = await run(["plan", "--format", "json"]);
    expect(json.stdout).not.toMatch(BIDI);
    expect(JSON.parse(json.stdout).campaigns[0].changes[0].before).toBe(renamed);

    const text = await run(["plan"]);
    expect(text.stdout).toContain("\\u202e");
    expect(text.stdout).not.toMatch(BIDI);

    await run(["plan", "--out", "plan.json"]);
    // The plan file is JSON: the value is kept exactly (JSON is escaped text by nature; no renderer reads it raw).
    const file = await readFile(join(dir, "plan.json"), "utf8");
    const change = JSON.parse(file).campaigns[0].changes.find((c: { path: string }) => c.path === "name");
    expect(change.before).toBe(renamed);

    const drift = await run(["drift", "--format", "markdown"]);
    expect(drift.stdout).toContain("\\u202e");
    expect(drift.stdout).not.toMatch(BIDI);
  }, 30_000);
});

describe("bidi controls in a file's content", () => {
  it("are escaped in the github annotations and text diagnostics of validate", async () => {
    const bad = join(dir, "campaigns", "phone.yaml");
    await writeFile(join(dir, "campaignctl.yaml"), stringify({ apiVersion: "campaignctl/v1", accounts: [{ provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY" }, { provider: "altur", apiKeyEnv: "ALTUR_API_KEY" }] }));
    await writeFile(bad, stringify({ apiVersion: "campaignctl/v1", kind: "AlturCampaign", metadata: { name: "q2" }, spec: { ...alturPhone, integration_type: `phone${RLO}_call\u2066` } }));
    try {
      for (const format of ["github", "text", "json"]) {
        const r = await run(["validate", "--format", format]);
        expect(r.code).toBe(1);
        expect(r.stdout).toContain("\\u202e");
        expect(r.stdout).not.toMatch(BIDI);
      }
    } finally {
      await rm(bad, { force: true });
    }
  });
});
