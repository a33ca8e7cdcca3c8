/**
 * Conformance with the Puffle docs' own examples (test/fixtures/conformance/puffle/*.json: the JSON
 * bodies shown on docs.puffle.ai, newer and older page revisions, each with its source page):
 *   1. the real client, over HTTP, parses every example response of the endpoints it uses;
 *   2. the sandbox accepts every example request (placeholders such as "<string>" and the schema's
 *      4503599627370495 filled with real ids and in-range values) and answers in the examples' shape:
 *      no key the examples do not show, and every key the newest example shows.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpClient } from "../src/http/index.js";
import { createPuffleClient } from "../src/providers/puffle/client.js";
import { FIXTURE_SENDER_IDS } from "../src/sandbox/puffle/index.js";
import { useSandbox } from "./support/sandbox.js";

interface Example {
  revision: "newer" | "older";
  source: string;
  note?: string;
  request?: Record<string, unknown>;
  response: Record<string, unknown>;
}
interface Fixture {
  endpoint: string;
  method: string;
  path: string;
  examples: Example[];
}

const DIR = join(__dirname, "fixtures", "conformance", "puffle");
const FIXTURES: Record<string, Fixture> = Object.fromEntries(
  readdirSync(DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => [f.replace(/\.json$/, ""), JSON.parse(readFileSync(join(DIR, f), "utf8")) as Fixture]),
);
const example = (name: string, revision: Example["revision"] = "newer"): Example => {
  const found = FIXTURES[name]?.examples.find((e) => e.revision === revision);
  if (!found) throw new Error(`no ${revision} example in ${name}.json`);
  return found;
};

// ---- shapes --------------------------------------------------------------------------------------

/** Maps keyed by data (ids, statuses) or opaque JSON: compared as a whole, not key by key. */
const OPAQUE = new Set(["prospects_by_status", "prospects_by_node", "operating_hours", "custom_fields", "ai_node", "campaignStatsByStatus", "campaignSenderStatsByStatus", "campaignSenderTodayStatsByStatus", "campaignActiveProspectsCount"]);
/** The same object type shows up under several envelopes: compare it as one shape. */
function rootOf(key: string, parent: string): string {
  if (key === "campaign" || (key === "campaigns" && parent === "")) return "campaign";
  if (key === "sequence_nodes") return "node";
  if (key === "sender_accounts") return "sender_account";
  if (key === "stats") return "stats";
  return `${parent}.${key}`;
}
function shape(value: unknown, root: string, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) shape(item, root, out);
    return out;
  }
  if (value === null || typeof value !== "object") return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const r = rootOf(k, root);
    out.add(r.startsWith(`${root}.`) ? r : `${root}.${k}`);
    if (!OPAQUE.has(k)) shape(v, r, out);
  }
  return out;
}
const allowed = new Set<string>();
for (const [name, f] of Object.entries(FIXTURES)) for (const e of f.examples) for (const p of shape(e.response, name)) allowed.add(p);

function expectDocumentedShape(name: string, body: unknown, optional: readonly string[] = []): void {
  const got = shape(body, name);
  const extra = [...got].filter((p) => !allowed.has(p));
  expect(extra, `${name}: keys no example shows`).toEqual([]);
  // The newest example: the newer revision's when the page has one.
  const examples = FIXTURES[name]?.examples ?? [];
  const newest = examples.find((e) => e.revision === "newer") ?? examples[0];
  if (!newest) throw new Error(`no example in ${name}.json`);
  const want = shape(newest.response, name);
  const isOptional = (p: string) => optional.some((o) => (o.endsWith(".*") ? p.startsWith(o.slice(0, -1)) : p === o));
  const missing = [...want].filter((p) => !got.has(p) && !isOptional(p));
  expect(missing, `${name}: keys the newest example shows: ${missing.join(", ")}`).toEqual([]);
}

/** Example request with placeholders filled: ids from the sandbox, values in range. */
function fill(value: unknown, ids: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => fill(v, ids));
  if (value === 4503599627370495) return 1;
  if (typeof value === "string") return ids[value] ?? (value === "<string>" ? "Example" : value);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, ids[`${k}`] !== undefined && typeof v === "string" ? ids[k] : fill(v, ids)]));
}

// ---- 1. the client parses every example response --------------------------------------------------

describe("Puffle client parses the docs' example responses", () => {
  let server: http.Server;
  let url = "";
  let answer: unknown = {};
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const client = () =>
    createPuffleClient(
      createHttpClient({ provider: "puffle", account: "default", baseUrl: url, auth: { name: "Authorization", value: "Bearer k" }, requestsPerSecond: 1000, concurrency: 4, readOnly: false }),
    );

  it.each(["newer", "older"] as const)("list (%s revision): ids, names and senders; status and type unknown when the item omits them", async (rev) => {
    answer = example("list-campaigns", rev).response;
    const [item] = await client().list!();
    const raw = (answer as { campaigns: Record<string, unknown>[] }).campaigns[0]!;
    expect(item?.id).toBe(raw.id);
    expect(item?.spec.name).toBe(raw.name);
    expect(item?.spec.sender_account_ids).toEqual((raw.sender_accounts as { id: string }[]).map((s) => s.id));
    // A list item never carries the nodes: unknown, not "empty".
    expect(item?.missing).toContain("sequence_nodes");
    if (rev === "newer") expect(item).toMatchObject({ status: "active", spec: { type: "email", status: "active" } });
    else {
      expect(item?.status).toBeUndefined();
      expect(item?.missing).toEqual(expect.arrayContaining(["type", "status"]));
    }
  });

  it.each(["newer", "older"] as const)("get (%s revision): campaign and its ordered nodes", async (rev) => {
    answer = example("get-campaign", rev).response;
    const live = await client().get!("8c2b2d4e-e29b-41d4-a716-446655440000");
    const raw = answer as { campaign: Record<string, unknown>; sequence_nodes: Record<string, unknown>[] };
    expect(live?.id).toBe(raw.campaign.id);
    expect((live?.spec.sequence_nodes as unknown[]).length).toBe(raw.sequence_nodes.length);
    for (const node of live?.spec.sequence_nodes as Record<string, unknown>[]) {
      expect(Object.keys(node)).not.toEqual(expect.arrayContaining(["id", "campaign_id", "position"]));
    }
    if (rev === "older") expect(live?.missing).toEqual(expect.arrayContaining(["type", "status"]));
  });

  it("create: the id and the seeded nodes of the create response", async () => {
    answer = example("create-campaign", "older").response;
    const created = await client().create({ type: "email", name: "x", sender_account_ids: [] }, { idempotencyKey: "k" });
    expect(created.id).toBe("3c90c3cc-0d44-4b50-8888-8dd25736052a");
    expect(created.live?.spec.sequence_nodes).toEqual([{ subject: "<string>", body: "<string>" }]);
  });

  it.each([
    ["update-campaign", "newer", "update"],
    ["update-campaign", "older", "update"],
    ["pause-campaign", "newer", "pause"],
    ["pause-campaign", "older", "pause"],
    ["resume-campaign", "newer", "resume"],
  ] as const)("%s (%s revision) parses as a campaign", async (name, rev, op) => {
    answer = example(name, rev).response;
    const c = client();
    const live = op === "update" ? await c.update!("id", { name: "x" }) : await c.action!("id", op);
    const raw = (answer as { campaign: Record<string, unknown> }).campaign;
    expect(live?.id).toBe(raw.id);
    expect(live?.status).toBe(raw.status);
  });

  it.each(["newer", "older"] as const)("launch (%s revision): the body is not a campaign, so nothing is claimed from it", async (rev) => {
    answer = example("launch-campaign", rev).response;
    expect(await client().action!("id", "launch")).toBeUndefined();
  });

  it("validate: ready with the nine checks; a ready answer with has_prospects false is not trusted", async () => {
    answer = example("validate-campaign").response;
    expect(await client().preflight!("id", "launch")).toEqual({ ready: true, errors: [], warnings: [] });
    const body = structuredClone(example("validate-campaign").response) as { checks: Record<string, unknown> };
    body.checks.has_prospects = false;
    body.checks.prospect_count = 0;
    answer = body;
    const outcome = await client().preflight!("id", "launch");
    expect(outcome?.ready).toBe(false);
    expect(outcome?.errors.join(" ")).toMatch(/no pending prospect/);
  });
});

// ---- 2. the sandbox accepts the example requests and answers in their shape -----------------------

describe("Puffle sandbox answers in the docs' example shapes", () => {
  const sb = useSandbox({ rateLimits: false, puffleLaunchDelayMs: 0 });
  const api = (method: string, path: string, body?: unknown) => sb.request("puffle", method, path, body);

  async function emailDraft(): Promise<string> {
    const created = await api("POST", "/api/campaigns", { type: "email", name: `C ${Math.random()}`, sender_account_ids: [FIXTURE_SENDER_IDS.email1] });
    expect(created.status).toBe(201);
    return created.body.campaign.id as string;
  }

  it("create: the example request is accepted; the answer has the example's shape", async () => {
    const req = fill(example("create-campaign", "older").request, { "<string>": "Example" }) as Record<string, unknown>;
    const res = await api("POST", "/api/campaigns", { ...req, type: "email", name: "Created from the docs", sender_account_ids: [FIXTURE_SENDER_IDS.email1] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // Nothing more than the examples show; the newest create example (older revision) lacks type/status/sender_accounts.
    expect([...shape(res.body, "create-campaign")].filter((p) => !allowed.has(p))).toEqual([]);
  });

  it("update: the newer example request (email fields) is accepted, the older one too; answers in the campaign shape", async () => {
    const id = await emailDraft();
    for (const rev of ["newer", "older"] as const) {
      const req = fill(example("update-campaign", rev).request, { "3c90c3cc-0d44-4b50-8888-8dd25736052a": FIXTURE_SENDER_IDS.email1 }) as Record<string, unknown>;
      // Node ids and positions are the server's (normalised away); an email sequence needs an email node and an end.
      const body = { ...req, name: `Updated ${rev}`, daily_limit: 250, sequence_nodes: [{ type: "email", subject: "Hi", body: "Hello" }, { type: "end" }] };
      const res = await api("PATCH", `/api/campaigns/${id}`, body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      // A campaign without prospects has `stats: null` [D]: no stats keys to show.
      expectDocumentedShape("update-campaign", res.body, ["stats.*"]);
    }
    // The 50-entry cap is on account_limits only.
    const many = Array.from({ length: 51 }, () => ({ account_id: FIXTURE_SENDER_IDS.email1, daily_limit: 5 }));
    expect((await api("PATCH", `/api/campaigns/${id}`, { account_limits: many })).status).toBe(400);
  });

  it("add prospects, list prospects, get, list, validate, launch, pause, resume: example requests accepted, example shapes", async () => {
    const id = await emailDraft();
    expect((await api("PATCH", `/api/campaigns/${id}`, { sequence_nodes: [{ type: "email", subject: "Hi", body: "Hello" }, { type: "end" }] })).status).toBe(200);
    const add = fill(example("add-prospects").request, { "<string>": "Example" }) as { prospects: Record<string, unknown>[] };
    add.prospects[0]!.email = "jane@acme.com";
    const added = await api("POST", `/api/campaigns/${id}/leads`, add);
    expect(added.status).toBe(200);
    expectDocumentedShape("add-prospects", added.body);
    expectDocumentedShape("list-prospects", (await api("GET", `/api/campaigns/${id}/leads`)).body);
    expectDocumentedShape("get-campaign", (await api("GET", `/api/campaigns/${id}`)).body);
    expectDocumentedShape("list-campaigns", (await api("GET", "/api/campaigns")).body);
    expectDocumentedShape("validate-campaign", (await api("GET", `/api/campaigns/${id}/validate`)).body);
    const launched = await api("POST", `/api/campaigns/${id}/launch`);
    expect(launched.status).toBe(200);
    expectDocumentedShape("launch-campaign", launched.body);
    expectDocumentedShape("pause-campaign", (await api("POST", `/api/campaigns/${id}/pause`)).body);
    expectDocumentedShape("resume-campaign", (await api("POST", `/api/campaigns/${id}/resume`)).body);
    // Validate of a non-draft short-circuits: only the documented not-draft error.
    const v = await api("GET", `/api/campaigns/${id}/validate`);
    expect(v.body).toEqual({ ready: false, checks: { is_draft: false }, errors: ["Campaign is active — must be draft to launch"], warnings: [] });
  });

  it("sender lists, campaign senders, settings and account usage: the documented envelopes and keys", async () => {
    const id = await emailDraft();
    for (const path of ["/api/senders", "/api/accounts", "/api/accounts?type=linkedin"]) {
      const res = await api("GET", path);
      expect(Object.keys(res.body)).toEqual(["accounts"]);
      // LinkedIn accounts have no email domain (null), as in the example's LinkedIn item.
      expectDocumentedShape("list-senders", res.body, path.endsWith("linkedin") ? ["list-senders.accounts.email_domains.*"] : []);
    }
    const email = await api("GET", "/api/email/accounts");
    expect(email.body.accounts.map((a: { type: string }) => a.type)).toEqual(["email", "email"]);
    expectDocumentedShape("list-email-accounts", email.body);
    expectDocumentedShape("list-campaign-senders", (await api("GET", `/api/campaigns/${id}/senders`)).body);
    expectDocumentedShape("campaign-settings", (await api("GET", "/api/campaigns/settings")).body);
    expectDocumentedShape("account-usage", (await api("GET", `/api/campaigns/${id}/account-usage`)).body);
  });

  it("add sequence node: the example request is accepted (delay values filled in range) and answers { sequence_nodes }", async () => {
    const linkedin = await api("POST", "/api/campaigns", { type: "linkedin", name: "Nodes", sender_account_ids: [FIXTURE_SENDER_IDS.linkedin] });
    const req = fill(example("add-sequence-node").request, { "<string>": "Hello" }) as Record<string, unknown>;
    const res = await api("POST", `/api/campaigns/${linkedin.body.campaign.id}/sequence/nodes`, { ...req, position: 0 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(Object.keys(res.body)).toEqual(["sequence_nodes"]);
    expect([...shape(res.body, "add-sequence-node")].filter((p) => !allowed.has(p))).toEqual([]);
  });
});
