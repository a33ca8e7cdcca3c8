/**
 * The Puffle simulator over real HTTP on 127.0.0.1: one test per rule of src/providers/puffle/README.md, named
 * after the rule. Every test starts from a reset sandbox with the rate limit switched off, except the
 * rate-limit test, which restores the provider default (10 requests/second).
 */
import http from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox } from "../src/sandbox/server.js";
import { createPuffleSimulator } from "../src/sandbox/puffle/index.js";
import { TEST_PUFFLE_LAUNCH_DELAY_MS } from "./support/sandbox.js";

const KEY = "sandbox";
const LI = "f0000000-0000-4000-8000-000000000001";
const EM1 = "f0000000-0000-4000-8000-000000000002";
const EM2 = "f0000000-0000-4000-8000-000000000003";
const MISSING = "a1111111-1111-4111-8111-111111111111";

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let base: string;
let origin: string;

interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

async function api(
  method: string,
  path: string,
  opts: { body?: unknown; rawBody?: string; headers?: Record<string, string>; auth?: string | null } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const auth = opts.auth === undefined ? `Bearer ${KEY}` : opts.auth;
  if (auth !== null) headers["authorization"] = auth;
  let payload: string | undefined = opts.rawBody;
  if (opts.body !== undefined) payload = JSON.stringify(opts.body);
  if (payload !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text), headers: res.headers };
}

async function control(method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${origin}/__sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text), headers: res.headers };
}

async function setRateLimit(requestsPerSecond: number | null): Promise<void> {
  const res = await control("PUT", "/faults", { latencyMs: 0, errorRate: 0, errorStatus: 503, resetRate: 0, requestsPerSecond });
  expect(res.status).toBeLessThan(300);
}

async function force(id: string, status: string): Promise<void> {
  const res = await control("POST", `/campaigns/${id}/status`, { status });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
}

let counter = 0;
const uniqueName = (prefix = "Campaign") => `${prefix} ${++counter}`;

async function create(type: "linkedin" | "email", extra: Record<string, unknown> = {}): Promise<any> {
  const body = { type, name: uniqueName(type), sender_account_ids: type === "email" ? [EM1] : [LI], ...extra };
  const res = await api("POST", "/api/campaigns", { body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.campaign;
}

async function read(id: string): Promise<any> {
  const res = await api("GET", `/api/campaigns/${id}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function addProspects(id: string, prospects: unknown[]): Promise<Reply> {
  return api("POST", `/api/campaigns/${id}/leads`, { body: { prospects } });
}

const person = (n: number) => ({ linkedin_url: `https://www.linkedin.com/in/person-${n}`, first_name: `P${n}`, last_name: "Doe" });
const mail = (n: number) => ({ email: `person${n}@example.org`, first_name: `P${n}` });

/** A draft that passes validate: a sender, a pending prospect, sendable content. */
async function readyCampaign(type: "linkedin" | "email", extra: Record<string, unknown> = {}): Promise<any> {
  const c = await create(type, extra);
  if (type === "email") {
    const node = c.sequence_nodes[0];
    const put = await api("PUT", `/api/campaigns/${c.id}/sequence/nodes/${node.id}`, { body: { subject: "Hello", body: "Hi {{first_name}}" } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect((await addProspects(c.id, [mail(1)])).status).toBe(200);
  } else {
    expect((await addProspects(c.id, [person(1)])).status).toBe(200);
  }
  return c;
}

/** Poll the campaign (as a client must) until the asynchronous launch has finished. */
async function untilActive(id: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = (await read(id)).campaign.status;
    if (status !== "launching") {
      expect(status).toBe("active");
      return;
    }
    if (Date.now() > deadline) throw new Error(`campaign ${id} is still launching after 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function launched(type: "linkedin" | "email"): Promise<any> {
  const c = await readyCampaign(type);
  const res = await api("POST", `/api/campaigns/${c.id}/launch`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await untilActive(c.id);
  return c;
}

function expectError(res: Reply, status: number, code?: string, message?: string | RegExp): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(typeof res.body.error).toBe("string");
  expect(res.body.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
  if (code) expect(res.body.code).toBe(code);
  if (typeof message === "string") expect(res.body.error).toBe(message);
  else if (message) expect(res.body.error).toMatch(message);
}

beforeAll(async () => {
  // Launches are asynchronous, as at Puffle: short but non-zero.
  sandbox = await startSandbox({ port: 0, puffleLaunchDelayMs: TEST_PUFFLE_LAUNCH_DELAY_MS });
  base = sandbox.urls.puffle;
  origin = sandbox.origins.puffle;
});

afterAll(async () => {
  await sandbox?.stop();
});

beforeEach(async () => {
  expect((await control("POST", "/reset")).status).toBeLessThan(300);
  await setRateLimit(0);
});

// -----------------------------------------------------------------------------------------------
describe("auth and routing", () => {
  it("requests need `Authorization: Bearer <key>`: missing, wrong key or missing prefix → 401", async () => {
    expectError(await api("GET", "/api/campaigns", { auth: null }), 401);
    expectError(await api("GET", "/api/campaigns", { auth: "Bearer wrong" }), 401);
    expectError(await api("GET", "/api/campaigns", { auth: KEY }), 401);
    expectError(await api("GET", "/api/campaigns", { auth: `Token ${KEY}` }), 401);
    expect((await api("GET", "/api/campaigns")).status).toBe(200);
  });

  it("the Authorization header name is case-insensitive", async () => {
    const url = new URL(`${base}/api/campaigns`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port: url.port, path: url.pathname, method: "GET", headers: { AUTHORIZATION: `Bearer ${KEY}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(200);
  });

  it("an unknown route → 404 with { error, code }", async () => {
    expectError(await api("GET", "/api/nope"), 404, "NOT_FOUND");
    expectError(await api("GET", `/api/campaigns/${MISSING}/nope`), 404, "NOT_FOUND");
    expectError(await api("GET", "/campaigns"), 404, "NOT_FOUND");
  });

  it("a wrong method on a known route → 405", async () => {
    expectError(await api("PUT", "/api/campaigns"), 405, "METHOD_NOT_ALLOWED");
    expectError(await api("GET", `/api/campaigns/${MISSING}/launch`), 405);
    expectError(await api("POST", `/api/campaigns/${MISSING}`), 405);
  });

  it("a malformed campaign id in the path → 400 (the documented UUID pattern)", async () => {
    expectError(await api("GET", "/api/campaigns/12345"), 400, "INVALID_ID");
    expectError(await api("PATCH", "/api/campaigns/not-a-uuid", { body: { name: "x" } }), 400, "INVALID_ID");
    // version digit 0 is outside [1-8]
    expectError(await api("GET", "/api/campaigns/a1111111-1111-0111-8111-111111111111"), 400, "INVALID_ID");
    expectError(await api("PUT", `/api/campaigns/${MISSING}/sequence/nodes/xyz`, { body: {} }), 400, "INVALID_ID");
  });

  it("an unknown campaign id → 404 on every campaign route", async () => {
    expectError(await api("GET", `/api/campaigns/${MISSING}`), 404, "NOT_FOUND", "Campaign not found");
    expectError(await api("PATCH", `/api/campaigns/${MISSING}`, { body: {} }), 404);
    expectError(await api("DELETE", `/api/campaigns/${MISSING}`), 404);
    expectError(await api("GET", `/api/campaigns/${MISSING}/validate`), 404);
    expectError(await api("POST", `/api/campaigns/${MISSING}/launch`), 404);
    expectError(await api("POST", `/api/campaigns/${MISSING}/pause`), 404);
    expectError(await api("POST", `/api/campaigns/${MISSING}/resume`), 404);
    expectError(await api("GET", `/api/campaigns/${MISSING}/leads`), 404);
  });

  it("campaign ids in the path are matched case-insensitively", async () => {
    const c = await create("linkedin");
    expect((await api("GET", `/api/campaigns/${c.id.toUpperCase()}`)).body.campaign.id).toBe(c.id);
  });
});

// -----------------------------------------------------------------------------------------------
describe("fixtures", () => {
  it("sender accounts: GET /api/accounts?type= and GET /api/senders?type= list the fixture senders", async () => {
    const all = await api("GET", "/api/accounts");
    expect(all.body.accounts.map((a: any) => a.id).sort()).toEqual([LI, EM1, EM2]);
    const li = await api("GET", "/api/accounts?type=linkedin");
    expect(li.body.accounts).toHaveLength(1);
    expect(li.body.accounts[0]).toMatchObject({ id: LI, type: "linkedin", status: "connected", is_premium: false, has_sales_navigator: false });
    // The older path answers the same { accounts } envelope [D].
    const email = await api("GET", "/api/senders?type=email");
    expect(Object.keys(email.body)).toEqual(["accounts"]);
    expect(email.body.accounts.map((s: any) => s.id)).toEqual([EM1, EM2]);
    for (const s of email.body.accounts) {
      expect(s).toMatchObject({ type: "email", status: "active", warmup_status: "completed", agentmail_inbox_id: expect.any(String) });
      expect(s).not.toHaveProperty("has_inbox");
    }
    expect((await api("GET", "/api/email/accounts")).body.accounts.map((s: any) => s.id)).toEqual([EM1, EM2]);
    expectError(await api("GET", "/api/accounts?type=fax"), 400, "VALIDATION_ERROR", /type/);
  });

  it("GET /api/campaigns/settings returns accounts, schedules and weekly_stats", async () => {
    await create("linkedin", { operating_hours: { timezone: "Europe/Berlin", days: {} } });
    const res = await api("GET", "/api/campaigns/settings");
    expect(res.status).toBe(200);
    expect(res.body.accounts).toHaveLength(3);
    expect(res.body.schedules).toHaveLength(1);
    expect(res.body.schedules[0].operating_hours).toEqual({ timezone: "Europe/Berlin", days: {} });
    expect(res.body.weekly_stats).toEqual([]);
    const li = res.body.accounts.find((a: any) => a.id === LI);
    expect(li).toMatchObject({ weekly_connection_limit: 80, weekly_message_limit: 100, weekly_stats: { connections_sent: 0, messages_sent: 0 }, daily_stats: { sent: 0, daily_limit: 30 } });
    expect(li.limits).toMatchObject({ recommended_connection_limit: 80, recommended_message_limit: 100 });
    expect(li).not.toHaveProperty("usage");
  });
});

// -----------------------------------------------------------------------------------------------
describe("create", () => {
  it("create answers 201 with a draft, the documented defaults and the campaign object fields", async () => {
    const res = await api("POST", "/api/campaigns", { body: { type: "email", name: "Welcome", sender_account_ids: [EM1, EM2] } });
    expect(res.status).toBe(201);
    const c = res.body.campaign;
    expect(c).toMatchObject({
      type: "email",
      name: "Welcome",
      status: "draft",
      daily_limit: 50,
      stop_on_reply: true,
      open_tracking: true,
      signature: null,
      skip_other_campaigns: null,
      operating_hours: null,
      stats: null,
    });
    expect(c.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(c.user_id).toBeTypeOf("string");
    expect(Date.parse(c.created_at)).not.toBeNaN();
    expect(c.updated_at).toBe(c.created_at);
    expect(c.sender_accounts.map((s: any) => s.id)).toEqual([EM1, EM2]);
    expect(Object.keys(c.sender_accounts[0]).sort()).toEqual(
      [
        "id",
        "type",
        "email_address",
        "provider_account_id",
        "display_name",
        "status",
        "first_name",
        "last_name",
        "daily_limit",
        "weekly_connection_limit",
        "weekly_message_limit",
        "is_premium",
      ].sort(),
    );
  });

  it("create defaults for LinkedIn: skip_other_campaigns false, operating_hours null, email fields null", async () => {
    const c = await create("linkedin");
    expect(c).toMatchObject({ skip_other_campaigns: false, operating_hours: null, daily_limit: null, stop_on_reply: null, open_tracking: null, signature: null });
  });

  it("create seeds a two-node sequence: LinkedIn [connection_request, end], email [email, end] with empty subject/body", async () => {
    const li = await create("linkedin");
    expect(li.sequence_nodes.map((n: any) => [n.type, n.position])).toEqual([["connection_request", 0], ["end", 1]]);
    const em = await create("email");
    expect(em.sequence_nodes.map((n: any) => n.type)).toEqual(["email", "end"]);
    expect(em.sequence_nodes[0]).toMatchObject({ subject: "", body: "", campaign_id: em.id, position: 0 });
    expect((await read(em.id)).prospects_by_status).toEqual({});
  });

  it("create requires type, name and sender_account_ids", async () => {
    expectError(await api("POST", "/api/campaigns", { body: { name: "x", sender_account_ids: [LI] } }), 400, "VALIDATION_ERROR", /type/);
    expectError(await api("POST", "/api/campaigns", { body: { type: "linkedin", sender_account_ids: [LI] } }), 400, undefined, /name/);
    expectError(await api("POST", "/api/campaigns", { body: { type: "linkedin", name: "x" } }), 400, undefined, /sender_account_ids/);
    expectError(await api("POST", "/api/campaigns", { body: { type: "sms", name: "x", sender_account_ids: [] } }), 400, undefined, /type/);
    expectError(await api("POST", "/api/campaigns", { body: [] }), 400);
    expectError(await api("POST", "/api/campaigns"), 400);
    expect((await api("GET", "/api/campaigns")).body.campaigns).toEqual([]);
  });

  it("create: wrong JSON types → 400 naming the field", async () => {
    const good = { type: "email", name: "Typed", sender_account_ids: [EM1] };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: 5 }, /name/],
      [{ name: "" }, /name/],
      [{ sender_account_ids: EM1 }, /sender_account_ids/],
      [{ sender_account_ids: ["nope"] }, /sender_account_ids\[0\]/],
      [{ daily_limit: "50" }, /daily_limit/],
      [{ stop_on_reply: "yes" }, /stop_on_reply/],
      [{ open_tracking: 1 }, /open_tracking/],
      [{ signature: 7 }, /signature/],
      [{ operating_hours: [] }, /operating_hours/],
      [{ skip_other_campaigns: null }, /skip_other_campaigns/],
    ];
    for (const [patch, field] of cases) expectError(await api("POST", "/api/campaigns", { body: { ...good, ...patch } }), 400, undefined, field);
    expect((await api("GET", "/api/campaigns")).body.campaigns).toEqual([]);
  });

  it("create: daily_limit must be between 1 and 500", async () => {
    expectError(await api("POST", "/api/campaigns", { body: { type: "email", name: "a", sender_account_ids: [EM1], daily_limit: 0 } }), 400, undefined, /daily_limit/);
    expectError(await api("POST", "/api/campaigns", { body: { type: "email", name: "a", sender_account_ids: [EM1], daily_limit: 501 } }), 400, undefined, /daily_limit/);
    expect((await create("email", { daily_limit: 500 })).daily_limit).toBe(500);
    expect((await create("email", { daily_limit: 1 })).daily_limit).toBe(1);
  });

  it("create: sender accounts must exist and match type → 400", async () => {
    expectError(await api("POST", "/api/campaigns", { body: { type: "email", name: "a", sender_account_ids: [LI] } }), 400, "SENDER_TYPE_MISMATCH", /sender_account_ids\[0\]/);
    expectError(await api("POST", "/api/campaigns", { body: { type: "linkedin", name: "a", sender_account_ids: [EM1] } }), 400, "SENDER_TYPE_MISMATCH");
    expectError(await api("POST", "/api/campaigns", { body: { type: "linkedin", name: "a", sender_account_ids: [MISSING] } }), 400, "SENDER_NOT_FOUND");
  });

  it("create: fields of the other channel are silently ignored (stored null)", async () => {
    const li = await create("linkedin", { daily_limit: 99, stop_on_reply: false, open_tracking: false, signature: "sig" });
    expect(li).toMatchObject({ daily_limit: null, stop_on_reply: null, open_tracking: null, signature: null });
    const em = await create("email", { skip_other_campaigns: true, operating_hours: { days: {} } });
    expect(em).toMatchObject({ skip_other_campaigns: null, operating_hours: null });
  });

  it("create: a duplicate name → 409", async () => {
    await api("POST", "/api/campaigns", { body: { type: "linkedin", name: "Same", sender_account_ids: [LI] } });
    expectError(await api("POST", "/api/campaigns", { body: { type: "email", name: "Same", sender_account_ids: [EM1] } }), 409, "NAME_CONFLICT");
    expect((await api("POST", "/api/campaigns", { body: { type: "email", name: "Same (2)", sender_account_ids: [EM1] } })).status).toBe(201);
    expect((await api("GET", "/api/campaigns")).body.campaigns).toHaveLength(2);
  });
});

// -----------------------------------------------------------------------------------------------
describe("list and get", () => {
  it("list returns all campaigns unpaginated, active & paused first, then drafts, then completed", async () => {
    const draft = await create("linkedin");
    const done = await create("linkedin");
    await force(done.id, "completed");
    const active = await create("linkedin");
    await force(active.id, "active");
    const paused = await create("email");
    await force(paused.id, "paused");
    const res = await api("GET", "/api/campaigns");
    expect(res.status).toBe(200);
    const statuses = res.body.campaigns.map((c: any) => c.status);
    expect(statuses.slice(0, 2).sort()).toEqual(["active", "paused"]);
    expect(statuses.slice(2)).toEqual(["draft", "completed"]);
    expect(res.body.campaigns.map((c: any) => c.id).sort()).toEqual([draft.id, done.id, active.id, paused.id].sort());
  });

  it("list items carry node_count and no sequence_nodes; an empty list is []", async () => {
    expect((await api("GET", "/api/campaigns")).body).toEqual({ campaigns: [] });
    await create("email");
    const [item] = (await api("GET", "/api/campaigns")).body.campaigns;
    expect(item.node_count).toBe(2);
    expect(item).not.toHaveProperty("sequence_nodes");
  });

  it("list is not paginated: 120 campaigns come back in one answer", async () => {
    await Promise.all(Array.from({ length: 120 }, () => create("linkedin")));
    expect((await api("GET", "/api/campaigns?page=2&limit=10")).body.campaigns).toHaveLength(120);
  });

  it("get returns { campaign, sequence_nodes, prospects_by_status, prospects_by_node }", async () => {
    const c = await create("linkedin");
    await addProspects(c.id, [person(1), person(2)]);
    const body = await read(c.id);
    expect(Object.keys(body).sort()).toEqual(["campaign", "prospects_by_node", "prospects_by_status", "sequence_nodes"]);
    expect(body.campaign).not.toHaveProperty("sequence_nodes");
    expect(body.sequence_nodes.map((n: any) => n.type)).toEqual(["connection_request", "end"]);
    expect(body.prospects_by_status).toEqual({ pending: 2 });
    expect(body.prospects_by_node).toEqual({ __none__: { pending: 2 } });
  });

  it("nodes carry every documented field", async () => {
    const c = await create("email");
    expect(Object.keys(c.sequence_nodes[0]).sort()).toEqual(
      [
        "id",
        "campaign_id",
        "position",
        "type",
        "subject",
        "body",
        "body_html",
        "signature",
        "from_name",
        "reply_to",
        "cc",
        "bcc",
        "attachments",
        "include_message",
        "is_reply",
        "delay_days",
        "delay_hours",
        "delay_minutes",
        "ai_node",
      ].sort(),
    );
  });
});

// -----------------------------------------------------------------------------------------------
describe("PATCH", () => {
  it("PATCH is partial: only keys present are applied, and the answer is { campaign }", async () => {
    const c = await create("email", { signature: "-- S" });
    const res = await api("PATCH", `/api/campaigns/${c.id}`, { body: { daily_limit: 75 } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["campaign"]);
    expect(res.body.campaign).toMatchObject({ daily_limit: 75, signature: "-- S", stop_on_reply: true, name: c.name });
    expect((await read(c.id)).campaign.daily_limit).toBe(75);
  });

  const editabilityRows: {
    field: string;
    channel: "linkedin" | "email";
    value: unknown;
    draftOnly: boolean;
  }[] = [
    { field: "name", channel: "email", value: "Renamed in place", draftOnly: false },
    { field: "operating_hours", channel: "linkedin", value: { timezone: "Europe/Berlin", days: { mon: { enabled: true, start: "09:00", end: "17:00" } } }, draftOnly: false },
    { field: "daily_limit", channel: "email", value: 123, draftOnly: false },
    { field: "account_limits", channel: "email", value: [{ account_id: EM1, daily_limit: 12 }], draftOnly: false },
    { field: "skip_other_campaigns", channel: "linkedin", value: true, draftOnly: true },
    { field: "stop_on_reply", channel: "email", value: false, draftOnly: true },
    { field: "open_tracking", channel: "email", value: false, draftOnly: true },
    { field: "signature", channel: "email", value: "-- Sandy, Outbound", draftOnly: true },
    { field: "sender_account_ids", channel: "email", value: [EM1, EM2], draftOnly: true },
    { field: "sequence_nodes", channel: "linkedin", value: [{ type: "message", body: "Hello {{first_name}}" }, { type: "end" }], draftOnly: true },
  ];
  const statuses = ["draft", "launching", "active", "paused", "completed"] as const;
  const table = editabilityRows.flatMap((row) => statuses.map((status) => ({ ...row, status, applies: status === "draft" || !row.draftOnly })));

  async function observe(id: string, field: string): Promise<unknown> {
    if (field === "account_limits") {
      const usage = await api("GET", `/api/campaigns/${id}/account-usage`);
      return usage.body.accounts.map((a: any) => ({ account_id: a.account_id, daily_limit: a.daily_limit }));
    }
    const body = await read(id);
    if (field === "sender_account_ids") return body.campaign.sender_accounts.map((s: any) => s.id);
    if (field === "sequence_nodes") return body.sequence_nodes.map((n: any) => (n.type === "end" ? { type: "end" } : { type: n.type, body: n.body }));
    return body.campaign[field];
  }

  it.each(table)("per-status editability: $field in $status → applied: $applies (else silently ignored, 200 with the unchanged value)", async ({ field, channel, value, status, applies }) => {
    const c = await create(channel);
    if (status !== "draft") await force(c.id, status);
    const before = await read(c.id);
    const observedBefore = await observe(c.id, field);
    const res = await api("PATCH", `/api/campaigns/${c.id}`, { body: { [field]: value } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const after = await read(c.id);
    expect(after.campaign.status).toBe(status);
    if (applies) {
      expect(await observe(c.id, field)).toEqual(field === "account_limits" ? [{ account_id: EM1, daily_limit: 12 }] : value);
      expect(after.campaign.updated_at >= before.campaign.updated_at).toBe(true);
    } else {
      expect(await observe(c.id, field)).toEqual(observedBefore);
      expect(after).toEqual(before);
      // the answer shows the unchanged values
      expect(res.body.campaign).toEqual(before.campaign);
    }
  });

  it("a PATCH of sequence_nodes on an active campaign answers success and changes nothing", async () => {
    const c = await launched("linkedin");
    const before = await read(c.id);
    expect(before.campaign.status).toBe("active");
    const res = await api("PATCH", `/api/campaigns/${c.id}`, {
      body: { sequence_nodes: [{ type: "message", body: "Replaced?" }, { type: "delay", delay_days: 2 }, { type: "message", body: "x" }, { type: "end" }] },
    });
    expect(res.status).toBe(200);
    expect(res.body.campaign).toEqual(before.campaign);
    const after = await read(c.id);
    expect(after.sequence_nodes).toEqual(before.sequence_nodes);
    expect(after.campaign.updated_at).toBe(before.campaign.updated_at);
  });

  it("draft-only fields in a mixed PATCH on an active campaign are dropped while name and daily_limit apply", async () => {
    const c = await launched("email");
    const res = await api("PATCH", `/api/campaigns/${c.id}`, {
      body: { name: "Live rename", daily_limit: 321, stop_on_reply: false, signature: "new", sender_account_ids: [EM2] },
    });
    expect(res.status).toBe(200);
    expect(res.body.campaign).toMatchObject({ name: "Live rename", daily_limit: 321, stop_on_reply: true, signature: null });
    expect(res.body.campaign.sender_accounts.map((s: any) => s.id)).toEqual([EM1]);
  });

  it("an invalid delay → 400 and no partial state", async () => {
    const c = await create("linkedin");
    const before = await read(c.id);
    const res = await api("PATCH", `/api/campaigns/${c.id}`, {
      body: {
        name: "Should not stick",
        skip_other_campaigns: true,
        sequence_nodes: [{ type: "message", body: "Hi" }, { type: "delay", delay_days: 0, delay_hours: 0, delay_minutes: 0 }, { type: "message", body: "Again" }, { type: "end" }],
      },
    });
    expectError(res, 400, "INVALID_DELAY", /sequence_nodes\[1\]/);
    expect(await read(c.id)).toEqual(before);
    // the old name is still the one in use, the new one is still free
    expect((await api("POST", "/api/campaigns", { body: { type: "linkedin", name: "Should not stick", sender_account_ids: [LI] } })).status).toBe(201);
  });

  it("delay totals must be ≥ 1 minute and ≤ 30 days across delay_days + delay_hours + delay_minutes", async () => {
    const c = await create("email");
    const seq = (delay: Record<string, number>) => ({ sequence_nodes: [{ type: "email", subject: "s", body: "b" }, { type: "delay", ...delay }, { type: "email", subject: "s2", body: "b2" }, { type: "end" }] });
    for (const bad of <Record<string, number>[]>[{}, { delay_minutes: 0 }, { delay_days: 30, delay_minutes: 1 }, { delay_days: 31 }, { delay_hours: 721 }]) {
      expectError(await api("PATCH", `/api/campaigns/${c.id}`, { body: seq(bad) }), 400, "INVALID_DELAY");
    }
    for (const good of <Record<string, number>[]>[{ delay_minutes: 1 }, { delay_days: 30 }, { delay_hours: 720 }, { delay_days: 1, delay_hours: 2, delay_minutes: 3 }]) {
      const res = await api("PATCH", `/api/campaigns/${c.id}`, { body: seq(good) });
      expect(res.status, JSON.stringify(good)).toBe(200);
    }
    expectError(await api("PATCH", `/api/campaigns/${c.id}`, { body: seq({ delay_days: -1, delay_hours: 48 }) }), 400, "VALIDATION_ERROR", /delay_days/);
    expectError(await api("PATCH", `/api/campaigns/${c.id}`, { body: seq({ delay_hours: 1.5 }) }), 400, "VALIDATION_ERROR", /delay_hours/);
  });

  it("sequence_nodes replaces the whole sequence: fresh node ids, positions normalised to array order", async () => {
    const c = await create("email");
    const oldIds = c.sequence_nodes.map((n: any) => n.id);
    const res = await api("PATCH", `/api/campaigns/${c.id}`, {
      body: {
        sequence_nodes: [
          { id: oldIds[0], position: 7, type: "email", subject: "One", body: "First" },
          { position: 3, type: "delay", delay_days: 3 },
          { position: 0, type: "email", subject: "", body: "Bump", is_reply: true },
          { type: "end", position: 99 },
        ],
      },
    });
    expect(res.status).toBe(200);
    const nodes = (await read(c.id)).sequence_nodes;
    expect(nodes.map((n: any) => [n.position, n.type])).toEqual([[0, "email"], [1, "delay"], [2, "email"], [3, "end"]]);
    expect(nodes[0]).toMatchObject({ subject: "One", body: "First", campaign_id: c.id });
    expect(nodes[1]).toMatchObject({ delay_days: 3, delay_hours: 0, delay_minutes: 0 });
    for (const n of nodes) expect(oldIds).not.toContain(n.id);
  });

  it("sequence_nodes must end with exactly one end node", async () => {
    const c = await create("linkedin");
    for (const seq of [
      [{ type: "message", body: "no end" }],
      [{ type: "end" }, { type: "message", body: "after end" }],
      [{ type: "message", body: "a" }, { type: "end" }, { type: "end" }],
      [],
    ]) {
      expectError(await api("PATCH", `/api/campaigns/${c.id}`, { body: { sequence_nodes: seq } }), 400, undefined, /sequence_nodes|end/);
    }
    expect((await api("PATCH", `/api/campaigns/${c.id}`, { body: { sequence_nodes: [{ type: "end" }] } })).status).toBe(200);
  });

  it("node types are limited per channel: linkedin connection_request/message/delay/ai/end, email email/delay/ai/end", async () => {
    const li = await create("linkedin");
    const em = await create("email");
    expectError(await api("PATCH", `/api/campaigns/${li.id}`, { body: { sequence_nodes: [{ type: "email", subject: "s", body: "b" }, { type: "end" }] } }), 400, undefined, /sequence_nodes\[0\]\.type/);
    expectError(await api("PATCH", `/api/campaigns/${em.id}`, { body: { sequence_nodes: [{ type: "connection_request" }, { type: "end" }] } }), 400);
    expectError(await api("PATCH", `/api/campaigns/${em.id}`, { body: { sequence_nodes: [{ type: "message", body: "x" }, { type: "end" }] } }), 400);
    expectError(await api("PATCH", `/api/campaigns/${em.id}`, { body: { sequence_nodes: [{ type: "sms" }, { type: "end" }] } }), 400);
    const ok = await api("PATCH", `/api/campaigns/${li.id}`, {
      body: {
        sequence_nodes: [
          { type: "connection_request", include_message: true, body: "Hi" },
          { type: "delay", delay_days: 1 },
          { type: "message", body: "Thanks" },
          { type: "ai", ai_node: { purpose: "follow up", output_type: "message" } },
          { type: "end" },
        ],
      },
    });
    expect(ok.status).toBe(200);
    const em2 = await api("PATCH", `/api/campaigns/${em.id}`, {
      body: { sequence_nodes: [{ type: "email", subject: "s", body: "b" }, { type: "ai", ai_node: { purpose: "p", output_type: "email" } }, { type: "end" }] },
    });
    expect(em2.status).toBe(200);
  });

  it("fields for other node types are ignored", async () => {
    const c = await create("linkedin");
    await api("PATCH", `/api/campaigns/${c.id}`, {
      body: { sequence_nodes: [{ type: "message", body: "b", subject: "ignored", delay_days: 3, ai_node: { purpose: "x" } }, { type: "end", body: "nope" }] },
    });
    const [msg, end] = (await read(c.id)).sequence_nodes;
    expect(msg).toMatchObject({ body: "b", subject: null, delay_days: null, ai_node: null });
    expect(end).toMatchObject({ body: null });
  });

  it("only account_limits is capped at 50 entries; sender_account_ids and sequence_nodes take more", async () => {
    const c = await create("email");
    const fiftyOne = <T>(x: T) => Array.from({ length: 51 }, () => x);
    expectError(await api("PATCH", `/api/campaigns/${c.id}`, { body: { account_limits: fiftyOne({ account_id: EM1, daily_limit: 5 }) } }), 400, undefined, /account_limits.*50/);
    expect((await api("PATCH", `/api/campaigns/${c.id}`, { body: { account_limits: fiftyOne({ account_id: EM1, daily_limit: 5 }).slice(1) } })).status).toBe(200);
    // 51 sender ids (duplicates of the fixtures: the sandbox has three senders) are accepted and de-duplicated.
    const senders = await api("PATCH", `/api/campaigns/${c.id}`, { body: { sender_account_ids: fiftyOne(EM1) } });
    expect(senders.status, JSON.stringify(senders.body)).toBe(200);
    const many = [...Array.from({ length: 60 }, (_, i) => ({ type: "email", subject: `s${i}`, body: "b" })), { type: "end" }];
    expect((await api("PATCH", `/api/campaigns/${c.id}`, { body: { sequence_nodes: many } })).status).toBe(200);
    expect((await read(c.id)).sequence_nodes).toHaveLength(61);
    expect((await api("POST", `/api/campaigns/${c.id}/sequence/nodes`, { body: { type: "email", subject: "62nd", body: "b" } })).status).toBe(201);
  });

  it("name: at least 1 and at most 255 characters", async () => {
    const c = await create("linkedin");
    expectError(await api("PATCH", `/api/campaigns/${c.id}`, { body: { name: "" } }), 400, undefined, /name/);
    expectError(await api("PATCH", `/api/campaigns/${c.id}`, { body: { name: "x".repeat(256) } }), 400, undefined, /name/);
    expectError(await api("PATCH", `/api/campaigns/${c.id}`, { body: { name: null } }), 400, undefined, /name/);
    expect((await api("PATCH", `/api/campaigns/${c.id}`, { body: { name: "x".repeat(255) } })).body.campaign.name).toHaveLength(255);
  });

  it("renaming to a name already used → 409; keeping the own name is fine; a freed name can be reused", async () => {
    const a = await create("linkedin");
    const b = await create("email");
    expectError(await api("PATCH", `/api/campaigns/${b.id}`, { body: { name: a.name } }), 409, "NAME_CONFLICT");
    expect((await api("PATCH", `/api/campaigns/${a.id}`, { body: { name: a.name } })).status).toBe(200);
    expect((await api("PATCH", `/api/campaigns/${a.id}`, { body: { name: "Freed" } })).status).toBe(200);
    expect((await api("PATCH", `/api/campaigns/${b.id}`, { body: { name: a.name } })).status).toBe(200);
  });

  it("a rename conflict rejects the whole PATCH: nothing else changes", async () => {
    const a = await create("email");
    const b = await create("email");
    const before = await read(b.id);
    expectError(await api("PATCH", `/api/campaigns/${b.id}`, { body: { name: a.name, daily_limit: 9, signature: "x" } }), 409);
    expect(await read(b.id)).toEqual(before);
  });

  it("daily_limit must be an integer between 1 and 500; wrong JSON types → 400 naming the field and nothing changes", async () => {
    const c = await create("email");
    const before = await read(c.id);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ daily_limit: 0 }, /daily_limit/],
      [{ daily_limit: 501 }, /daily_limit/],
      [{ daily_limit: 2.5 }, /daily_limit/],
      [{ daily_limit: "10" }, /daily_limit/],
      [{ daily_limit: null }, /daily_limit/],
      [{ stop_on_reply: "false" }, /stop_on_reply/],
      [{ open_tracking: 0 }, /open_tracking/],
      [{ signature: ["x"] }, /signature/],
      [{ skip_other_campaigns: "no" }, /skip_other_campaigns/],
      [{ operating_hours: "9-5" }, /operating_hours/],
      [{ sender_account_ids: "x" }, /sender_account_ids/],
      [{ sequence_nodes: {} }, /sequence_nodes/],
      [{ sequence_nodes: ["email", "end"] }, /sequence_nodes\[0\]/],
      [{ sequence_nodes: [{ type: "email", subject: 1 }, { type: "end" }] }, /sequence_nodes\[0\]\.subject/],
      [{ sequence_nodes: [{ type: "email", attachments: "a.pdf" }, { type: "end" }] }, /attachments/],
      [{ account_limits: [{ account_id: EM1, daily_limit: 0 }] }, /account_limits\[0\]\.daily_limit/],
      [{ account_limits: [{ account_id: "x", daily_limit: 5 }] }, /account_limits\[0\]\.account_id/],
      [{ account_limits: [5] }, /account_limits\[0\]/],
      [{ name: 12, daily_limit: 40 }, /name/],
    ];
    for (const [body, field] of cases) {
      const res = await api("PATCH", `/api/campaigns/${c.id}`, { body: { daily_limit: 77, ...body } });
      expectError(res, 400, undefined, field);
    }
    expectError(await api("PATCH", `/api/campaigns/${c.id}`, { body: "daily_limit=5" }), 400);
    expectError(await api("PATCH", `/api/campaigns/${c.id}`, { body: null }), 400);
    expect(await read(c.id)).toEqual(before);
  });

  it("sender_account_ids in PATCH must exist and match the campaign type", async () => {
    const c = await create("email");
    expectError(await api("PATCH", `/api/campaigns/${c.id}`, { body: { sender_account_ids: [EM1, LI] } }), 400, "SENDER_TYPE_MISMATCH", /sender_account_ids\[1\]/);
    expectError(await api("PATCH", `/api/campaigns/${c.id}`, { body: { sender_account_ids: [MISSING] } }), 400, "SENDER_NOT_FOUND");
    const res = await api("PATCH", `/api/campaigns/${c.id}`, { body: { sender_account_ids: [EM2, EM2] } });
    expect(res.body.campaign.sender_accounts.map((s: any) => s.id)).toEqual([EM2]);
  });

  it("account_limits: a duplicate account_id keeps the last value; overrides show in /senders and account-usage", async () => {
    const c = await create("email", { sender_account_ids: [EM1, EM2] });
    const res = await api("PATCH", `/api/campaigns/${c.id}`, {
      body: { account_limits: [{ account_id: EM1, daily_limit: 10 }, { account_id: EM2, daily_limit: 20 }, { account_id: EM1, daily_limit: 15 }] },
    });
    expect(res.status).toBe(200);
    const usage = await api("GET", `/api/campaigns/${c.id}/account-usage?date=2030-01-15`);
    expect(Object.keys(usage.body)).toEqual(["accounts"]);
    expect(usage.body.accounts).toEqual([
      { account_id: EM1, email: "sandy@outbound.example.com", daily_limit: 15, sent_today: 0, status: "active" },
      { account_id: EM2, email: "sam@outbound.example.com", daily_limit: 20, sent_today: 0, status: "active" },
    ]);
    const senders = await api("GET", `/api/campaigns/${c.id}/senders`);
    expect(senders.body).toMatchObject({ campaign_type: "email", campaign_total_sent: 0 });
    // Items are keyed by account_id [D]; daily_limit shows the campaign's override [A].
    expect(senders.body.senders.map((s: any) => [s.account_id, s.daily_limit, s.campaign_messages_sent])).toEqual([
      [EM1, 15, null],
      [EM2, 20, null],
    ]);
    expect(Object.keys(senders.body).sort()).toEqual(["campaign_total_sent", "campaign_type", "senders"]);
    expectError(await api("GET", `/api/campaigns/${c.id}/account-usage?date=2030-02-30`), 400, undefined, /date/);
  });

  it("PATCH on a LinkedIn campaign ignores email-only fields and vice versa", async () => {
    const li = await create("linkedin");
    const r1 = await api("PATCH", `/api/campaigns/${li.id}`, { body: { daily_limit: 99, stop_on_reply: false, account_limits: [{ account_id: LI, daily_limit: 3 }] } });
    expect(r1.status).toBe(200);
    expect(r1.body.campaign).toMatchObject({ daily_limit: null, stop_on_reply: null });
    const em = await create("email");
    const r2 = await api("PATCH", `/api/campaigns/${em.id}`, { body: { operating_hours: { days: {} }, skip_other_campaigns: true } });
    expect(r2.body.campaign).toMatchObject({ operating_hours: null, skip_other_campaigns: null });
  });

  it("operating_hours is opaque JSON, echoed as sent, editable in any status", async () => {
    const c = await launched("linkedin");
    const hours = { timezone: "America/New_York", days: { fri: { enabled: false } }, extra: [1, { deep: true }] };
    const res = await api("PATCH", `/api/campaigns/${c.id}`, { body: { operating_hours: hours } });
    expect(res.body.campaign.operating_hours).toEqual(hours);
    expect((await api("PATCH", `/api/campaigns/${c.id}`, { body: { operating_hours: null } })).body.campaign.operating_hours).toBeNull();
  });
});

// -----------------------------------------------------------------------------------------------
describe("delete", () => {
  it("delete is allowed in any status → { success: true }; a second delete → 404", async () => {
    for (const status of ["draft", "launching", "active", "paused", "completed"]) {
      const c = await create("linkedin");
      await addProspects(c.id, [person(1)]);
      if (status !== "draft") await force(c.id, status);
      const res = await api("DELETE", `/api/campaigns/${c.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true });
      expectError(await api("DELETE", `/api/campaigns/${c.id}`), 404);
      expectError(await api("GET", `/api/campaigns/${c.id}`), 404);
    }
    expect((await api("GET", "/api/campaigns")).body.campaigns).toEqual([]);
  });

  it("a deleted campaign's name is free again", async () => {
    const c = await create("linkedin");
    await api("DELETE", `/api/campaigns/${c.id}`);
    expect((await api("POST", "/api/campaigns", { body: { type: "linkedin", name: c.name, sender_account_ids: [LI] } })).status).toBe(201);
  });
});

// -----------------------------------------------------------------------------------------------
describe("validate", () => {
  it("validate has no side effects and returns { ready, checks, errors, warnings }", async () => {
    const c = await readyCampaign("email");
    const before = await read(c.id);
    const res = await api("GET", `/api/campaigns/${c.id}/validate`);
    expect(res.status).toBe(200);
    expect(res.body.ready).toBe(true);
    expect(res.body.errors).toEqual([]);
    // The nine documented keys [D]; not every value is a boolean.
    expect(res.body.checks).toEqual({
      is_draft: true,
      has_sender_accounts: true,
      sender_accounts_ready: true,
      has_prospects: true,
      prospect_count: 1,
      has_sendable_nodes: true,
      all_nodes_have_content: true,
      messages_generated: false,
      message_count: 0,
    });
    // messages_generated is a warning only
    expect(res.body.warnings).toHaveLength(1);
    expect(res.body.warnings[0]).toMatch(/generated/);
    expect(await read(c.id)).toEqual(before);
  });

  it("validate on a non-draft campaign returns only the error 'Campaign is <status> — must be draft to launch'", async () => {
    for (const status of ["launching", "active", "paused", "completed"]) {
      const c = await create("linkedin");
      await force(c.id, status);
      const res = await api("GET", `/api/campaigns/${c.id}/validate`);
      expect(res.body.ready).toBe(false);
      expect(res.body.errors).toEqual([`Campaign is ${status} — must be draft to launch`]);
      expect(res.body.checks).toEqual({ is_draft: false });
    }
  });

  it("validate reports no senders, no pending prospects and nodes with missing content naming their positions", async () => {
    const c = await create("email", { sender_account_ids: [] });
    await api("PATCH", `/api/campaigns/${c.id}`, {
      body: { sequence_nodes: [{ type: "email", subject: "ok", body: "ok" }, { type: "delay", delay_days: 1 }, { type: "email", subject: "s", body: " " }, { type: "ai", ai_node: null }, { type: "end" }] },
    });
    const res = await api("GET", `/api/campaigns/${c.id}/validate`);
    expect(res.body.ready).toBe(false);
    expect(res.body.checks).toMatchObject({
      is_draft: true,
      has_sender_accounts: false,
      sender_accounts_ready: false,
      has_prospects: false,
      prospect_count: 0,
      has_sendable_nodes: true,
      all_nodes_have_content: false,
    });
    expect(res.body.errors).toEqual(["The campaign has no sender accounts", "The campaign has no pending prospects", "Nodes with missing content at positions 2, 3"]);
  });

  it("validate: a sequence with only an end node has no sendable nodes", async () => {
    const c = await create("linkedin");
    await addProspects(c.id, [person(1)]);
    await api("PATCH", `/api/campaigns/${c.id}`, { body: { sequence_nodes: [{ type: "end" }] } });
    const res = await api("GET", `/api/campaigns/${c.id}/validate`);
    expect(res.body.checks).toMatchObject({ has_sendable_nodes: false, all_nodes_have_content: true });
    expect(res.body.errors).toEqual(["The sequence has no sendable nodes"]);
  });

  it("validate: messages_generated is skipped when only AI nodes send", async () => {
    const c = await create("email");
    await addProspects(c.id, [mail(1)]);
    await api("PATCH", `/api/campaigns/${c.id}`, { body: { sequence_nodes: [{ type: "ai", ai_node: { purpose: "intro", output_type: "email" } }, { type: "end" }] } });
    const res = await api("GET", `/api/campaigns/${c.id}/validate`);
    expect(res.body).toMatchObject({ ready: true, errors: [], warnings: [] });
    expect(res.body.checks.messages_generated).toBe(true);
  });

  it("validate flags a delay node whose total PUT left out of range", async () => {
    const c = await readyCampaign("linkedin");
    await api("PATCH", `/api/campaigns/${c.id}`, { body: { sequence_nodes: [{ type: "connection_request" }, { type: "delay", delay_days: 1 }, { type: "message", body: "x" }, { type: "end" }] } });
    const delay = (await read(c.id)).sequence_nodes[1];
    expect((await api("PUT", `/api/campaigns/${c.id}/sequence/nodes/${delay.id}`, { body: { delay_days: 0 } })).status).toBe(200);
    const res = await api("GET", `/api/campaigns/${c.id}/validate`);
    expect(res.body.ready).toBe(false);
    expect(res.body.errors).toEqual(["Delay node at position 1 must total at least 1 minute and at most 30 days"]);
    expectError(await api("POST", `/api/campaigns/${c.id}/launch`), 400, "INVALID_DELAY");
  });
});

// -----------------------------------------------------------------------------------------------
describe("launch, pause, resume", () => {
  it("launch moves draft → launching, then active in the background; a pause meanwhile → 400 and changes nothing", async () => {
    const c = await readyCampaign("linkedin");
    const res = await api("POST", `/api/campaigns/${c.id}/launch`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, prospectsToProcess: 1 });
    expect(res.body.message).toBeTypeOf("string");
    expect(res.body.runId).toBeTypeOf("string");
    expect((await read(c.id)).campaign.status).toBe("launching");
    expectError(await api("POST", `/api/campaigns/${c.id}/pause`), 400, "INVALID_STATUS", "Only active campaigns can be paused");
    await untilActive(c.id);
    expect((await api("POST", `/api/campaigns/${c.id}/pause`)).status).toBe(200);
  });

  it("by default a launch takes 5 s: a naive launch-then-pause fails, as at Puffle", () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const sim = createPuffleSimulator({ now: () => now });
    const call = (method: string, path: string, body?: unknown) => sim.handle({ method, path, query: new URLSearchParams(), headers: {}, body });
    const id = (call("POST", "/api/campaigns", { type: "linkedin", name: "Naive", sender_account_ids: [LI] }).body as any).campaign.id;
    call("POST", `/api/campaigns/${id}/leads`, { prospects: [person(1)] });
    expect(call("POST", `/api/campaigns/${id}/launch`).status).toBe(200);
    now += 1000;
    expect(call("POST", `/api/campaigns/${id}/pause`).status).toBe(400);
    now += 4000;
    expect(call("POST", `/api/campaigns/${id}/pause`).status).toBe(200);
    expect(sim.settings?.get()).toEqual({ launchDelayMs: 5000, launchOutcome: "active" });
  });

  it("launchOutcome rollback: the background dispatch fails and the campaign falls back to draft (then launches again)", async () => {
    const c = await readyCampaign("email");
    expect((await control("PUT", "/settings", { launchDelayMs: 100, launchOutcome: "rollback" })).body).toEqual({ launchDelayMs: 100, launchOutcome: "rollback" });
    expect((await api("POST", `/api/campaigns/${c.id}/launch`)).status).toBe(200);
    expect((await read(c.id)).campaign.status).toBe("launching");
    await new Promise((r) => setTimeout(r, 150));
    expect((await read(c.id)).campaign.status).toBe("draft");
    await control("PUT", "/settings", { launchOutcome: "active" });
    expect((await api("POST", `/api/campaigns/${c.id}/launch`)).status).toBe(200);
    await untilActive(c.id);
    // Bad settings are refused; reset restores the start-up settings.
    const bad = await control("PUT", "/settings", { launchDelayMs: -1 });
    expect([bad.status, bad.body.error]).toEqual([400, expect.stringMatching(/launchDelayMs/)]);
    const unknown = await control("PUT", "/settings", { speed: 1 });
    expect([unknown.status, unknown.body.error]).toEqual([400, expect.stringMatching(/unknown setting/)]);
    await control("PUT", "/settings", { launchOutcome: "rollback" });
    await control("POST", "/reset");
    expect((await control("GET", "/settings")).body).toEqual({ launchDelayMs: TEST_PUFFLE_LAUNCH_DELAY_MS, launchOutcome: "active" });
  });

  it("launching stays visible until launchDelayMs has passed on the simulator clock", () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const sim = createPuffleSimulator({ now: () => now, launchDelayMs: 5000 });
    const call = (method: string, path: string, body?: unknown) => sim.handle({ method, path, query: new URLSearchParams(), headers: {}, body });
    const created = call("POST", "/api/campaigns", { type: "linkedin", name: "Clock", sender_account_ids: [LI] });
    const id = (created.body as any).campaign.id;
    expect(call("POST", `/api/campaigns/${id}/leads`, { prospects: [person(1)] }).status).toBe(200);
    expect(call("POST", `/api/campaigns/${id}/launch`).status).toBe(200);
    expect((call("GET", `/api/campaigns/${id}`).body as any).campaign.status).toBe("launching");
    now += 4999;
    expect((call("GET", `/api/campaigns/${id}`).body as any).campaign.status).toBe("launching");
    // a second launch while the first is running → 409
    expect(call("POST", `/api/campaigns/${id}/launch`).status).toBe(409);
    // launching is treated like active for PATCH: draft-only fields are ignored
    expect((call("PATCH", `/api/campaigns/${id}`, { skip_other_campaigns: true }).body as any).campaign.skip_other_campaigns).toBe(false);
    now += 1;
    const after = call("GET", `/api/campaigns/${id}`).body as any;
    expect(after.campaign.status).toBe("active");
    expect(after.campaign.updated_at).toBe("2030-01-01T00:00:05.000Z");
  });

  it("launch of a campaign that is not a draft → 400 naming the current status", async () => {
    for (const status of ["active", "paused", "completed"]) {
      const c = await readyCampaign("linkedin");
      await force(c.id, status);
      expectError(await api("POST", `/api/campaigns/${c.id}/launch`), 400, "INVALID_STATUS", `Campaign is ${status} — must be draft to launch`);
    }
  });

  it("launch within 2 minutes of a launch that is still running → 409", async () => {
    const c = await readyCampaign("linkedin");
    await force(c.id, "launching");
    expectError(await api("POST", `/api/campaigns/${c.id}/launch`), 409, "LAUNCH_IN_PROGRESS");
    expect((await read(c.id)).campaign.status).toBe("launching");
  });

  it("launch errors: no sender accounts, no pending prospects, no sendable nodes, missing content → 400 and nothing changes", async () => {
    const noSenders = await create("linkedin", { sender_account_ids: [] });
    await addProspects(noSenders.id, [person(1)]);
    expectError(await api("POST", `/api/campaigns/${noSenders.id}/launch`), 400, "NO_SENDERS", "The campaign has no sender accounts");

    const noProspects = await create("linkedin");
    expectError(await api("POST", `/api/campaigns/${noProspects.id}/launch`), 400, "NO_PENDING_PROSPECTS", "The campaign has no pending prospects");

    const noNodes = await readyCampaign("linkedin");
    await api("PATCH", `/api/campaigns/${noNodes.id}`, { body: { sequence_nodes: [{ type: "end" }] } });
    expectError(await api("POST", `/api/campaigns/${noNodes.id}/launch`), 400, "NO_SENDABLE_NODES");

    const empty = await create("email");
    await addProspects(empty.id, [mail(1)]);
    expectError(await api("POST", `/api/campaigns/${empty.id}/launch`), 400, "MISSING_CONTENT", "Nodes with missing content at position 0");

    for (const c of [noSenders, noProspects, noNodes, empty]) expect((await read(c.id)).campaign.status).toBe("draft");
  });

  it("launch with skip_other_campaigns skips prospects already in another active LinkedIn campaign; all skipped → 400", async () => {
    const live = await readyCampaign("linkedin");
    await addProspects(live.id, [person(2)]);
    await api("POST", `/api/campaigns/${live.id}/launch`);

    const all = await create("linkedin", { skip_other_campaigns: true });
    await addProspects(all.id, [{ linkedin_url: "https://www.linkedin.com/in/person-1/?trk=x" }]);
    expectError(await api("POST", `/api/campaigns/${all.id}/launch`), 400, "ALL_PROSPECTS_SKIPPED");
    expect((await api("GET", `/api/campaigns/${all.id}/validate`)).body.ready).toBe(false);

    const some = await create("linkedin", { skip_other_campaigns: true });
    await addProspects(some.id, [person(1), person(3)]);
    expect((await api("GET", `/api/campaigns/${some.id}/validate`)).body.warnings.join(" ")).toMatch(/skipped/);
    const res = await api("POST", `/api/campaigns/${some.id}/launch`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, prospectsToProcess: 1, skippedCount: 1 });
    expect(res.body.warning).toBeTypeOf("string");
    expect(res.body.skippedProspects).toHaveLength(1);
    expect((await read(some.id)).prospects_by_status).toEqual({ pending: 1, cancelled: 1 });

    // without the flag nobody is skipped
    const noSkip = await create("linkedin");
    await addProspects(noSkip.id, [person(1)]);
    expect((await api("POST", `/api/campaigns/${noSkip.id}/launch`)).body.prospectsToProcess).toBe(1);
  });

  it("pause moves active → paused and answers { campaign }", async () => {
    const c = await launched("email");
    const res = await api("POST", `/api/campaigns/${c.id}/pause`);
    expect(res.status).toBe(200);
    expect(res.body.campaign.status).toBe("paused");
    expect((await read(c.id)).campaign.status).toBe("paused");
  });

  it("pause of anything but active (already paused too) → 400 'Only active campaigns can be paused'", async () => {
    for (const status of ["draft", "launching", "paused", "completed"]) {
      const c = await create("linkedin");
      if (status !== "draft") await force(c.id, status);
      expectError(await api("POST", `/api/campaigns/${c.id}/pause`), 400, "INVALID_STATUS", "Only active campaigns can be paused");
      expect((await read(c.id)).campaign.status).toBe(status);
    }
  });

  it("resume moves paused → active while prospects are still in flight", async () => {
    const c = await launched("linkedin");
    await api("POST", `/api/campaigns/${c.id}/pause`);
    const res = await api("POST", `/api/campaigns/${c.id}/resume`);
    expect(res.status).toBe(200);
    expect(res.body.campaign.status).toBe("active");
  });

  it("resume lands on completed when every prospect is terminal", async () => {
    const skipper = await readyCampaign("linkedin");
    await api("POST", `/api/campaigns/${skipper.id}/launch`);
    // every prospect of this one is skipped (cancelled, terminal) by a second campaign's launch
    const c = await create("linkedin", { skip_other_campaigns: true });
    await addProspects(c.id, [person(1), person(2)]);
    expect((await api("POST", `/api/campaigns/${c.id}/launch`)).status).toBe(200);
    const paused = await create("linkedin");
    await force(paused.id, "paused");
    const res = await api("POST", `/api/campaigns/${paused.id}/resume`);
    expect(res.status).toBe(200);
    expect(res.body.campaign.status).toBe("completed");
    expect((await read(paused.id)).campaign.status).toBe("completed");
  });

  it("resume of anything but paused → 400 'Only paused campaigns can be resumed'", async () => {
    for (const status of ["draft", "launching", "active", "completed"]) {
      const c = await create("linkedin");
      if (status !== "draft") await force(c.id, status);
      expectError(await api("POST", `/api/campaigns/${c.id}/resume`), 400, "INVALID_STATUS", "Only paused campaigns can be resumed");
    }
  });

  it("completed is terminal: launch, pause and resume are refused", async () => {
    const c = await readyCampaign("linkedin");
    await force(c.id, "completed");
    expectError(await api("POST", `/api/campaigns/${c.id}/launch`), 400);
    expectError(await api("POST", `/api/campaigns/${c.id}/pause`), 400);
    expectError(await api("POST", `/api/campaigns/${c.id}/resume`), 400);
    expect((await read(c.id)).campaign.status).toBe("completed");
  });

  it("the control endpoint forces any documented status and refuses an unknown one", async () => {
    const c = await create("linkedin");
    for (const status of ["launching", "active", "paused", "completed", "draft"]) {
      await force(c.id, status);
      expect((await read(c.id)).campaign.status).toBe(status);
    }
    expect((await control("POST", `/campaigns/${c.id}/status`, { status: "archived" })).status).toBe(400);
    expect(() => sandbox.simulators.puffle.forceStatus(c.id, "archived")).toThrow(/unknown Puffle status/);
    expect(sandbox.simulators.puffle.forceStatus(MISSING, "active")).toBe(false);
  });
});

// -----------------------------------------------------------------------------------------------
describe("sequence node endpoints", () => {
  it("POST sequence/nodes inserts before end by default, or at position", async () => {
    const c = await create("linkedin");
    const a = await api("POST", `/api/campaigns/${c.id}/sequence/nodes`, { body: { type: "message", body: "after cr" } });
    expect(a.status).toBe(201);
    expect(a.body.sequence_nodes.map((n: any) => n.type)).toEqual(["connection_request", "message", "end"]);
    const b = await api("POST", `/api/campaigns/${c.id}/sequence/nodes`, { body: { type: "delay", delay_hours: 4, position: 1 } });
    expect(b.body.sequence_nodes.map((n: any) => [n.position, n.type])).toEqual([[0, "connection_request"], [1, "delay"], [2, "message"], [3, "end"]]);
    expect(b.body.sequence_nodes[1]).toMatchObject({ delay_hours: 4, delay_days: 0, campaign_id: c.id });
  });

  it("POST sequence/nodes: type required and valid for the channel, no second end, position in range", async () => {
    const c = await create("email");
    expectError(await api("POST", `/api/campaigns/${c.id}/sequence/nodes`, { body: {} }), 400, undefined, /type/);
    expectError(await api("POST", `/api/campaigns/${c.id}/sequence/nodes`, { body: { type: "message" } }), 400, undefined, /type/);
    expectError(await api("POST", `/api/campaigns/${c.id}/sequence/nodes`, { body: { type: "end" } }), 400);
    expectError(await api("POST", `/api/campaigns/${c.id}/sequence/nodes`, { body: { type: "email", position: 2 } }), 400, undefined, /position/);
    expectError(await api("POST", `/api/campaigns/${c.id}/sequence/nodes`, { body: { type: "email", position: "0" } }), 400, undefined, /position/);
    expectError(await api("POST", `/api/campaigns/${c.id}/sequence/nodes`, { body: { type: "delay" } }), 400, "INVALID_DELAY");
    expect((await read(c.id)).sequence_nodes).toHaveLength(2);
  });

  it("PATCH sequence/nodes moves { nodeId, toPosition } (both required); the end node stays last", async () => {
    const c = await create("linkedin");
    const added = await api("POST", `/api/campaigns/${c.id}/sequence/nodes`, { body: { type: "message", body: "m" } });
    const [cr, msg, end] = added.body.sequence_nodes;
    const moved = await api("PATCH", `/api/campaigns/${c.id}/sequence/nodes`, { body: { nodeId: msg.id, toPosition: 0 } });
    expect(moved.status).toBe(200);
    expect(moved.body.sequence_nodes.map((n: any) => [n.id, n.position])).toEqual([[msg.id, 0], [cr.id, 1], [end.id, 2]]);
    expectError(await api("PATCH", `/api/campaigns/${c.id}/sequence/nodes`, { body: { nodeId: msg.id } }), 400, undefined, /toPosition/);
    expectError(await api("PATCH", `/api/campaigns/${c.id}/sequence/nodes`, { body: { toPosition: 1 } }), 400, undefined, /nodeId/);
    expectError(await api("PATCH", `/api/campaigns/${c.id}/sequence/nodes`, { body: { nodeId: msg.id, toPosition: 2 } }), 400, undefined, /toPosition/);
    expectError(await api("PATCH", `/api/campaigns/${c.id}/sequence/nodes`, { body: { nodeId: end.id, toPosition: 0 } }), 400);
    expectError(await api("PATCH", `/api/campaigns/${c.id}/sequence/nodes`, { body: { nodeId: MISSING, toPosition: 0 } }), 404);
  });

  it("DELETE sequence/nodes removes { nodeId }; the end node cannot be deleted", async () => {
    const c = await create("linkedin");
    const [cr, end] = c.sequence_nodes;
    expectError(await api("DELETE", `/api/campaigns/${c.id}/sequence/nodes`, { body: { nodeId: end.id } }), 400);
    expectError(await api("DELETE", `/api/campaigns/${c.id}/sequence/nodes`, { body: {} }), 400, undefined, /nodeId/);
    const res = await api("DELETE", `/api/campaigns/${c.id}/sequence/nodes`, { body: { nodeId: cr.id } });
    expect(res.status).toBe(200);
    expect((await read(c.id)).sequence_nodes.map((n: any) => [n.type, n.position])).toEqual([["end", 0]]);
    expectError(await api("DELETE", `/api/campaigns/${c.id}/sequence/nodes`, { body: { nodeId: cr.id } }), 404);
  });

  it("PUT sequence/nodes/{nodeId} updates content partially and returns { node } with ai_node flattened in", async () => {
    const c = await create("email");
    const [email] = c.sequence_nodes;
    const res = await api("PUT", `/api/campaigns/${c.id}/sequence/nodes/${email.id}`, { body: { subject: "Hi", cc: ["a@example.org"] } });
    expect(res.status).toBe(200);
    expect(res.body.node).toMatchObject({ id: email.id, subject: "Hi", body: "", cc: ["a@example.org"], position: 0, type: "email" });
    await api("PUT", `/api/campaigns/${c.id}/sequence/nodes/${email.id}`, { body: { body: "Body" } });
    expect((await read(c.id)).sequence_nodes[0]).toMatchObject({ subject: "Hi", body: "Body" });

    const ai = await api("POST", `/api/campaigns/${c.id}/sequence/nodes`, { body: { type: "ai", ai_node: { purpose: "a", output_type: "email" } } });
    const aiNode = ai.body.sequence_nodes[1];
    const put = await api("PUT", `/api/campaigns/${c.id}/sequence/nodes/${aiNode.id}`, { body: { ai_node: { purpose: "b", output_type: "email" } } });
    expect(put.body.node).toMatchObject({ purpose: "b", output_type: "email", ai_node: { purpose: "b", output_type: "email" } });
  });

  it("PUT sequence/nodes/{nodeId}: type, position and campaign_id are immutable", async () => {
    const c = await create("linkedin");
    const [cr] = c.sequence_nodes;
    expectError(await api("PUT", `/api/campaigns/${c.id}/sequence/nodes/${cr.id}`, { body: { type: "message" } }), 400, "IMMUTABLE_FIELD", /type/);
    expectError(await api("PUT", `/api/campaigns/${c.id}/sequence/nodes/${cr.id}`, { body: { position: 1 } }), 400, "IMMUTABLE_FIELD", /position/);
    expectError(await api("PUT", `/api/campaigns/${c.id}/sequence/nodes/${cr.id}`, { body: { campaign_id: MISSING } }), 400, "IMMUTABLE_FIELD");
    expect((await api("PUT", `/api/campaigns/${c.id}/sequence/nodes/${cr.id}`, { body: { type: "connection_request", body: "same type is fine" } })).status).toBe(200);
    expectError(await api("PUT", `/api/campaigns/${c.id}/sequence/nodes/${MISSING}`, { body: {} }), 404);
    expectError(await api("PUT", `/api/campaigns/${c.id}/sequence/nodes/${cr.id}`, { body: { include_message: "yes" } }), 400, undefined, /include_message/);
  });

  it("PUT sequence/nodes/{nodeId} does not check the delay-total rule", async () => {
    const c = await create("linkedin");
    const added = await api("POST", `/api/campaigns/${c.id}/sequence/nodes`, { body: { type: "delay", delay_days: 2 } });
    const delay = added.body.sequence_nodes[1];
    const res = await api("PUT", `/api/campaigns/${c.id}/sequence/nodes/${delay.id}`, { body: { delay_days: 45 } });
    expect(res.status).toBe(200);
    expect(res.body.node.delay_days).toBe(45);
  });

  it("node endpoints are draft-only: other statuses → 400", async () => {
    for (const status of ["launching", "active", "paused", "completed"]) {
      const c = await create("linkedin");
      const [cr] = c.sequence_nodes;
      await force(c.id, status);
      expectError(await api("POST", `/api/campaigns/${c.id}/sequence/nodes`, { body: { type: "message", body: "x" } }), 400, "CAMPAIGN_NOT_DRAFT");
      expectError(await api("PATCH", `/api/campaigns/${c.id}/sequence/nodes`, { body: { nodeId: cr.id, toPosition: 0 } }), 400, "CAMPAIGN_NOT_DRAFT");
      expectError(await api("DELETE", `/api/campaigns/${c.id}/sequence/nodes`, { body: { nodeId: cr.id } }), 400, "CAMPAIGN_NOT_DRAFT");
      expectError(await api("PUT", `/api/campaigns/${c.id}/sequence/nodes/${cr.id}`, { body: { body: "x" } }), 400, "CAMPAIGN_NOT_DRAFT");
      expect((await read(c.id)).sequence_nodes).toEqual(c.sequence_nodes);
    }
  });
});

// -----------------------------------------------------------------------------------------------
describe("prospect roster", () => {
  it("POST leads imports { prospects: [1..1000] } as pending and answers { imported, duplicates }", async () => {
    const c = await create("email");
    const res = await addProspects(c.id, [{ email: "a@example.org", first_name: "Ada", last_name: "L", company: "X", custom_fields: { tier: "gold" } }, mail(2)]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ imported: 2, duplicates: 0 });
    const list = await api("GET", `/api/campaigns/${c.id}/leads`);
    expect(list.body.prospects[0]).toMatchObject({
      campaign_id: c.id,
      status: "pending",
      email: "a@example.org",
      name: "Ada L",
      company: "X",
      custom_fields: { tier: "gold" },
      source: "api",
      current_node_id: null,
      replied_at: null,
      bounced_at: null,
    });
    expectError(await addProspects(c.id, []), 400, undefined, /prospects/);
    expectError(await addProspects(c.id, Array.from({ length: 1001 }, (_, i) => mail(i))), 400, undefined, /prospects/);
    expect((await addProspects(c.id, Array.from({ length: 1000 }, (_, i) => mail(i + 10)))).body).toEqual({ imported: 1000, duplicates: 0 });
  });

  it("the identity field must match the channel; a row missing it → 400 naming the row index, nothing imported", async () => {
    const em = await create("email");
    expectError(await addProspects(em.id, [mail(1), { linkedin_url: "https://www.linkedin.com/in/x" }]), 400, "MISSING_IDENTITY", /prospects\[1\]/);
    expectError(await addProspects(em.id, [{ email: "not-an-email" }]), 400, undefined, /prospects\[0\]\.email/);
    const li = await create("linkedin");
    expectError(await addProspects(li.id, [person(1), person(2), { email: "a@example.org" }]), 400, "MISSING_IDENTITY", /prospects\[2\]/);
    expectError(await addProspects(li.id, [{ linkedin_url: 42 }]), 400, undefined, /linkedin_url/);
    expectError(await addProspects(li.id, ["https://www.linkedin.com/in/x"]), 400, undefined, /prospects\[0\]/);
    expect((await api("GET", `/api/campaigns/${em.id}/leads`)).body.total).toBe(0);
    expect((await api("GET", `/api/campaigns/${li.id}/leads`)).body.total).toBe(0);
  });

  it("de-duplication within the batch and against existing prospects, after normalisation", async () => {
    const em = await create("email");
    expect((await addProspects(em.id, [{ email: "Ann@Example.org" }, { email: "ann@example.org " }, { email: "bob@example.org" }])).body).toEqual({ imported: 2, duplicates: 1 });
    expect((await addProspects(em.id, [{ email: "ANN@EXAMPLE.ORG" }, { email: "cy@example.org" }])).body).toEqual({ imported: 1, duplicates: 1 });
    const li = await create("linkedin");
    const urls = ["https://www.linkedin.com/in/ann", "https://www.linkedin.com/in/ann/", "https://www.linkedin.com/in/ann?utm=1", "https://www.linkedin.com/in/ann/?a=b#x"];
    expect((await addProspects(li.id, urls.map((linkedin_url) => ({ linkedin_url })))).body).toEqual({ imported: 1, duplicates: 3 });
    expect((await api("GET", `/api/campaigns/${li.id}/leads`)).body.prospects[0].linkedin_url).toBe("https://www.linkedin.com/in/ann");
  });

  it("GET leads is paginated with page (1-based) and limit (max 200), filters by status, and reports total/page/limit", async () => {
    const c = await create("email");
    await addProspects(c.id, Array.from({ length: 250 }, (_, i) => mail(i)));
    const first = await api("GET", `/api/campaigns/${c.id}/leads?page=1&limit=200`);
    expect(first.body).toMatchObject({ total: 250, page: 1, limit: 200 });
    expect(first.body.prospects).toHaveLength(200);
    const second = await api("GET", `/api/campaigns/${c.id}/leads?page=2&limit=200`);
    expect(second.body.prospects).toHaveLength(50);
    expect(second.body.prospects[0].email).toBe("person200@example.org");
    expect((await api("GET", `/api/campaigns/${c.id}/leads`)).body).toMatchObject({ page: 1, limit: 100 });
    expect((await api("GET", `/api/campaigns/${c.id}/leads?status=pending&limit=1`)).body).toMatchObject({ total: 250 });
    expect((await api("GET", `/api/campaigns/${c.id}/leads?status=replied`)).body).toMatchObject({ total: 0, prospects: [] });
    expectError(await api("GET", `/api/campaigns/${c.id}/leads?limit=201`), 400, undefined, /limit/);
    expectError(await api("GET", `/api/campaigns/${c.id}/leads?page=0`), 400, undefined, /page/);
    expectError(await api("GET", `/api/campaigns/${c.id}/leads?page=abc`), 400, undefined, /page/);
    expectError(await api("GET", `/api/campaigns/${c.id}/leads?status=lost`), 400, undefined, /status/);
  });

  it("DELETE leads takes { prospect_ids: [1..500] } or { all: true } (all wins) → { deleted }", async () => {
    const c = await create("email");
    await addProspects(c.id, [mail(1), mail(2), mail(3)]);
    const ids = (await api("GET", `/api/campaigns/${c.id}/leads`)).body.prospects.map((p: any) => p.id);
    expect((await api("DELETE", `/api/campaigns/${c.id}/leads`, { body: { prospect_ids: [ids[0], MISSING] } })).body).toEqual({ deleted: 1 });
    expectError(await api("DELETE", `/api/campaigns/${c.id}/leads`, { body: { prospect_ids: [] } }), 400, undefined, /prospect_ids/);
    expectError(await api("DELETE", `/api/campaigns/${c.id}/leads`, { body: { prospect_ids: Array.from({ length: 501 }, () => MISSING) } }), 400, undefined, /prospect_ids/);
    expectError(await api("DELETE", `/api/campaigns/${c.id}/leads`, { body: {} }), 400);
    expectError(await api("DELETE", `/api/campaigns/${c.id}/leads`, { body: { all: "yes" } }), 400, undefined, /all/);
    expect((await api("DELETE", `/api/campaigns/${c.id}/leads`, { body: { all: true, prospect_ids: [ids[1]] } })).body).toEqual({ deleted: "all" });
    expect((await api("GET", `/api/campaigns/${c.id}/leads`)).body.total).toBe(0);
  });

  it("PATCH leads edits one prospect's profile fields ({ prospect_id, updates }, as documented)", async () => {
    const c = await create("linkedin");
    await addProspects(c.id, [person(1), person(2)]);
    const [p1] = (await api("GET", `/api/campaigns/${c.id}/leads`)).body.prospects;
    const res = await api("PATCH", `/api/campaigns/${c.id}/leads`, { body: { prospect_id: p1.id, updates: { first_name: "Grace", headline: "Admiral", status: "replied" } } });
    expect(res.status).toBe(200);
    expect(res.body.prospect).toMatchObject({ id: p1.id, first_name: "Grace", name: "Grace Doe", headline: "Admiral", status: "pending" });
    expectError(await api("PATCH", `/api/campaigns/${c.id}/leads`, { body: { prospect_id: MISSING } }), 404);
    expectError(await api("PATCH", `/api/campaigns/${c.id}/leads`, { body: { updates: { first_name: "x" } } }), 400, undefined, /prospect_id/);
    expectError(await api("PATCH", `/api/campaigns/${c.id}/leads`, { body: { prospect_id: p1.id, first_name: "x" } }), 400, undefined, /updates/);
    expectError(await api("PATCH", `/api/campaigns/${c.id}/leads`, { body: { prospect_id: p1.id, updates: { linkedin_url: null } } }), 400, "MISSING_IDENTITY");
    expectError(await api("PATCH", `/api/campaigns/${c.id}/leads`, { body: { prospect_id: p1.id, updates: { linkedin_url: "https://www.linkedin.com/in/person-2/" } } }), 409);
    expectError(await api("PATCH", `/api/campaigns/${c.id}/leads`, { body: { prospect_id: p1.id, updates: { company: 3 } } }), 400, undefined, /company/);
  });

  it("roster writes require draft: in launching/active/paused/completed they → 400 and the roster is unchanged", async () => {
    for (const status of ["launching", "active", "paused", "completed"]) {
      const c = await create("linkedin");
      await addProspects(c.id, [person(1)]);
      const [p] = (await api("GET", `/api/campaigns/${c.id}/leads`)).body.prospects;
      await force(c.id, status);
      expectError(await addProspects(c.id, [person(2)]), 400, "CAMPAIGN_NOT_DRAFT");
      expectError(await api("PATCH", `/api/campaigns/${c.id}/leads`, { body: { prospect_id: p.id, updates: { first_name: "x" } } }), 400, "CAMPAIGN_NOT_DRAFT");
      expectError(await api("DELETE", `/api/campaigns/${c.id}/leads`, { body: { all: true } }), 400, "CAMPAIGN_NOT_DRAFT");
      const after = await api("GET", `/api/campaigns/${c.id}/leads`);
      expect(after.status).toBe(200);
      expect(after.body.prospects).toEqual([p]);
    }
  });

  it("campaign stats are recomputed after each add and delete (null before the first)", async () => {
    const c = await create("linkedin");
    expect((await read(c.id)).campaign.stats).toBeNull();
    await addProspects(c.id, [person(1), person(2), person(3)]);
    expect((await read(c.id)).campaign.stats).toEqual({
      total: 3,
      sent: 0,
      replied: 0,
      bounced: 0,
      completed: 0,
      timed_out: 0,
      connection_sent: 0,
      connected: 0,
      message_sent: 0,
      contacted: 0,
    });
    const [p] = (await api("GET", `/api/campaigns/${c.id}/leads`)).body.prospects;
    await api("DELETE", `/api/campaigns/${c.id}/leads`, { body: { prospect_ids: [p.id] } });
    expect((await read(c.id)).campaign.stats.total).toBe(2);
  });

  it("import-from-list and confirm-csv answer 501: the sandbox does not simulate lead lists or CSV uploads", async () => {
    const c = await create("email");
    expectError(await api("POST", `/api/campaigns/${c.id}/leads/import-from-list`, { body: { listId: MISSING } }), 501, "NOT_SIMULATED", /POST \/api\/campaigns\/.*\/leads/);
    expectError(await api("POST", `/api/campaigns/${c.id}/leads/confirm-csv`, { body: { lead_list_id: MISSING, mapping: {}, csv_text: "email\na@b.c" } }), 501, "NOT_SIMULATED");
  });
});

// -----------------------------------------------------------------------------------------------
describe("robustness and state", () => {
  it("wrong JSON types anywhere → 400 with { error, code }, never a crash", async () => {
    const c = await create("email");
    const [node] = c.sequence_nodes;
    const notObjects: unknown[] = [null, 0, "x", [], [1], true];
    const targets: [string, string, Record<string, unknown>[]][] = [
      ["POST", "/api/campaigns", [{ type: 1 }, { type: "email", name: "n", sender_account_ids: [EM1], daily_limit: {} }]],
      ["PATCH", `/api/campaigns/${c.id}`, [{ name: 1 }, { sequence_nodes: [null] }, { account_limits: "x" }]],
      ["POST", `/api/campaigns/${c.id}/sequence/nodes`, [{ type: 1 }, { type: "email", body: {} }]],
      ["PATCH", `/api/campaigns/${c.id}/sequence/nodes`, [{ nodeId: 5, toPosition: 0 }, { nodeId: node.id, toPosition: "0" }]],
      ["DELETE", `/api/campaigns/${c.id}/sequence/nodes`, [{ nodeId: 5 }]],
      ["PUT", `/api/campaigns/${c.id}/sequence/nodes/${node.id}`, [{ subject: 5 }, { cc: [1] }, { is_reply: "no" }]],
      ["POST", `/api/campaigns/${c.id}/leads`, [{ prospects: {} }, { prospects: [{ email: "a@example.org", custom_fields: [] }] }]],
      ["PATCH", `/api/campaigns/${c.id}/leads`, [{ prospect_id: [] }]],
      ["DELETE", `/api/campaigns/${c.id}/leads`, [{ prospect_ids: "x" }, { all: 1 }, { prospect_ids: [7] }]],
    ];
    const before = await read(c.id);
    for (const [method, path, wrongFields] of targets) {
      for (const body of [...notObjects, ...wrongFields]) {
        const res = await api(method, path, { body });
        expect(res.status, `${method} ${path} ${JSON.stringify(body)} → ${JSON.stringify(res.body)}`).toBe(400);
        expect(res.body).toMatchObject({ error: expect.any(String), code: expect.stringMatching(/^[A-Z_]+$/) });
      }
    }
    expect(await read(c.id)).toEqual(before);
    expectError(await api("POST", "/api/campaigns", { rawBody: "{not json" }), 400);
  });

  it("the rate limit defaults to 10 requests/second: 429 with Retry-After and { error: 'Too many requests' }", async () => {
    await setRateLimit(null);
    const replies = await Promise.all(Array.from({ length: 25 }, () => api("GET", "/api/campaigns")));
    const limited = replies.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(replies.filter((r) => r.status === 200).length).toBeLessThanOrEqual(11);
    expect(limited[0]!.headers.get("retry-after")).toBe("1");
    expect(limited[0]!.body.error).toBe("Too many requests");
  });

  it("snapshot/restore round-trips the whole state through JSON; reset reinstalls only the fixtures", async () => {
    const c = await readyCampaign("email");
    await api("PATCH", `/api/campaigns/${c.id}`, { body: { account_limits: [{ account_id: EM1, daily_limit: 7 }] } });
    const sim = sandbox.simulators.puffle;
    const before = await read(c.id);
    const saved = JSON.parse(JSON.stringify(sim.snapshot()));
    await control("POST", "/reset");
    expectError(await api("GET", `/api/campaigns/${c.id}`), 404);
    expect((await api("GET", "/api/accounts")).body.accounts).toHaveLength(3);
    sim.restore(saved);
    expect(await read(c.id)).toEqual(before);
    expect((await api("GET", `/api/campaigns/${c.id}/account-usage`)).body.accounts[0].daily_limit).toBe(7);
    expectError(await api("POST", "/api/campaigns", { body: { type: "email", name: c.name, sender_account_ids: [EM1] } }), 409);
    expect(() => sim.restore({ version: 99 })).toThrow(/not usable/);
  });

  it("the /__sandbox/campaigns listing shows each campaign with its sequence_nodes", async () => {
    const c = await create("linkedin");
    const listed = sandbox.simulators.puffle.listCampaigns() as any[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: c.id, name: c.name });
    expect(listed[0].sequence_nodes.map((n: any) => n.type)).toEqual(["connection_request", "end"]);
  });
});
