/**
 * The Altur simulator over real HTTP on 127.0.0.1: one test per rule of src/providers/altur/README.md, named
 * after the rule. Every test starts from a reset sandbox with the rate limit switched off, except the
 * rate-limit test, which restores the provider default (12 requests/second).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { createAlturSimulator, isAlturSimulator, type AlturSimulator } from "../src/sandbox/altur/index.js";
import { useSandbox, type Reply } from "./support/sandbox.js";

const sb = useSandbox({ rateLimits: false });

function sim(): AlturSimulator {
  const altur = sb.simulators.altur;
  if (!isAlturSimulator(altur)) throw new Error("the sandbox does not run the Altur simulator");
  return altur;
}

/** One Altur request; `auth` null sends no Authorization header, a string sends that header value verbatim. */
async function api(
  method: string,
  path: string,
  opts: { body?: unknown; rawBody?: string; headers?: Record<string, string>; auth?: string | null } = {},
): Promise<Reply> {
  const headers = { ...(opts.headers ?? {}), ...(typeof opts.auth === "string" ? { authorization: opts.auth } : {}) };
  return sb.request("altur", method, path, opts.body, {
    headers,
    ...(opts.auth === undefined ? {} : { auth: false }),
    ...(opts.rawBody === undefined ? {} : { rawBody: opts.rawBody }),
  });
}

async function setRateLimit(requestsPerSecond: number | null): Promise<void> {
  await sb.setFaults("altur", { requestsPerSecond });
}

async function forceStatus(id: number, status: string): Promise<void> {
  await sb.forceStatus("altur", id, status);
}

const PHONE = { name: "Phone campaign", agent_id: "agent_demo_01", integration_id: "integ_phone_01", integration_type: "phone_call" };
const WHATSAPP = { name: "WhatsApp campaign", agent_id: "agent_demo_01", integration_id: "integ_wa_01", integration_type: "whatsapp" };
const COOLDOWN_CYCLES = { enabled: true, mode: "cooldown", max_iterations: 7, cooldown_minutes: 720, filter_statuses: ["voicemail"] };
const SCHEDULED_CYCLES = {
  enabled: true,
  mode: "scheduled",
  max_iterations: 3,
  schedule: { mon: { startTime: "09:00", stopTime: "12:00", active: true } },
  schedule_start_date: "2030-01-01",
  schedule_end_date: "2030-01-31",
};

async function create(body: Record<string, unknown> = {}, base: Record<string, unknown> = PHONE): Promise<any> {
  const res = await api("POST", "/campaigns", { body: { ...base, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.campaign;
}

/** The documented list item of one campaign (status, archived, retries, ... live only there). */
async function listed(id: number): Promise<any> {
  return (await api("GET", "/campaigns?pageSize=100")).body.campaigns.find((c: any) => c.id === id);
}

/** Everything the simulator stores about one campaign — the test-only control view, not an Altur response. */
async function stored(id: number): Promise<any> {
  return (await sb.campaigns("altur")).find((c: any) => c.id === id);
}

/** The documented detail keys (src/providers/altur/README.md §3.1): no status, archived, retries, timezone, integration_type, cycles.mode. */
const DETAIL_KEYS = ["agent", "created_at", "cycles", "id", "integration", "name", "scheduling"];
const DETAIL_CYCLE_KEYS = [
  "cooldown_minutes", "enabled", "filter_statuses", "filter_tags", "max_iterations", "schedule", "schedule_end_date", "schedule_start_date",
];

function expectError(res: Reply, status: number, code: string, extra: Record<string, unknown> = {}): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ success: false, error: code, ...extra });
  expect(typeof res.body.message).toBe("string");
}

beforeEach(() => {
  sim().setMaxActiveCampaigns(null);
});

describe("Altur auth and framework errors", () => {
  it("auth: `Authorization: api-key <key>` is required — missing, wrong prefix or wrong key → 401 UNAUTHORIZED", async () => {
    for (const auth of [null, `Bearer ${sb.apiKey}`, `api-key  ${sb.apiKey}`, `Api-Key ${sb.apiKey}`, "api-key wrong", sb.apiKey]) {
      const res = await api("GET", "/campaigns", { auth });
      expectError(res, 401, "UNAUTHORIZED");
      expect(JSON.stringify(res.body)).not.toContain(sb.apiKey + "\"");
    }
    expect((await api("GET", "/campaigns")).status).toBe(200);
  });

  it("unknown route → 404 NOT_FOUND, wrong method → 405", async () => {
    expectError(await api("GET", "/agents"), 404, "NOT_FOUND");
    expectError(await api("GET", "/campaigns/1/contacts/2/extra"), 404, "NOT_FOUND");
    expectError(await api("DELETE", "/campaigns"), 405, "METHOD_NOT_ALLOWED");
    const { id } = await create();
    expectError(await api("DELETE", `/campaigns/${id}`), 405, "METHOD_NOT_ALLOWED");
    expectError(await api("PUT", `/campaigns/${id}`, { body: {} }), 405, "METHOD_NOT_ALLOWED");
    expectError(await api("GET", `/campaigns/${id}/activate`), 405, "METHOD_NOT_ALLOWED");
  });

  it("wrong JSON types anywhere → 400 VALIDATION_ERROR naming the field, never a crash", async () => {
    const { id } = await create({ cycles: COOLDOWN_CYCLES });
    const cases: [string, string, unknown, string][] = [
      ["POST", "/campaigns", [1, 2], "body"],
      ["POST", "/campaigns", "text", "body"],
      ["POST", "/campaigns", { ...PHONE, name: 42 }, "name"],
      ["POST", "/campaigns", { ...PHONE, scheduling: "always" }, "scheduling"],
      ["POST", "/campaigns", { ...PHONE, scheduling: { mon: [] } }, "scheduling.mon"],
      ["POST", "/campaigns", { ...PHONE, scheduling: { mon: { active: "yes" } } }, "scheduling.mon.active"],
      ["POST", "/campaigns", { ...PHONE, cycles: 3 }, "cycles"],
      ["POST", "/campaigns", { ...PHONE, cycles: { ...COOLDOWN_CYCLES, filter_tags: "vip" } }, "cycles.filter_tags"],
      ["PATCH", `/campaigns/${id}`, null, "body"],
      ["PATCH", `/campaigns/${id}`, { retries: "2" }, "retries"],
      ["PATCH", `/campaigns/${id}`, { cycles: [] }, "cycles"],
      ["PATCH", `/campaigns/${id}`, { cycles: { filter_statuses: [1] } }, "cycles.filter_statuses[0]"],
      ["POST", `/campaigns/${id}/contacts`, { contacts: {} }, "contacts"],
      ["POST", `/campaigns/${id}/contacts`, { contacts: [{ contact: "+525512345678", name: 5 }] }, "contacts[0].name"],
    ];
    for (const [method, path, body, field] of cases) {
      expectError(await api(method, path, { body }), 400, "VALIDATION_ERROR", { field });
    }
    expect((await api("POST", "/campaigns", { rawBody: "{not json" })).status).toBe(400);
  });
});

describe("Altur create — POST /campaigns", () => {
  it("fixtures: agent_demo_01 owns integ_phone_01 (phone_call) and integ_wa_01 (whatsapp)", async () => {
    const phone = await create();
    const wa = await create({}, WHATSAPP);
    expect(phone.agent).toEqual({ id: "agent_demo_01", name: expect.any(String) });
    expect(phone.integration).toEqual({ id: "integ_phone_01" });
    expect(wa.integration).toEqual({ id: "integ_wa_01" });
    expect((await stored(wa.id)).integration_type).toBe("whatsapp");
  });

  it("create: 201 + detail, status pending, archived false, default timezone America/Mexico_City, incrementing integer ids", async () => {
    const res = await api("POST", "/campaigns", { body: { ...PHONE, retries: 2, first_message: "Hola" } });
    expect(res.status).toBe(201);
    expect(res.body.success).toBe(true);
    const c = res.body.campaign;
    expect(Object.keys(c).sort()).toEqual(DETAIL_KEYS);
    expect(c).toMatchObject({ name: "Phone campaign", cycles: { enabled: false } });
    expect(await listed(c.id)).toMatchObject({ status: "pending", archived: false, timezone: "America/Mexico_City", retries: 2, first_message: "Hola" });
    expect(await stored(c.id)).toMatchObject({
      name: "Phone campaign",
      status: "pending",
      archived: false,
      timezone: "America/Mexico_City",
      retries: 2,
      first_message: "Hola",
      template: null,
      template_alt: null,
      integration_type: "phone_call",
      cycles: { enabled: false },
    });
    expect(Number.isInteger(c.id)).toBe(true);
    expect(c.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const second = await create();
    expect(second.id).toBe(c.id + 1);
    const detail = await api("GET", `/campaigns/${c.id}`);
    expect(detail.body).toEqual({ success: true, campaign: c });
  });

  it("create: integration_type may be left out (the create page's own example omits it) — the channel is the integration's", async () => {
    const { integration_type: _phone, ...phone } = PHONE;
    const c = await create({}, phone);
    expect((await stored(c.id)).integration_type).toBe("phone_call");
    const { integration_type: _wa, ...wa } = WHATSAPP;
    const w = await create({ template: "t" }, wa);
    expect((await stored(w.id)).integration_type).toBe("whatsapp");
    expectError(await api("POST", "/campaigns", { body: { ...phone, template: "t" } }), 400, "INVALID_REQUEST", { field: "template" });
    expectError(await api("POST", "/campaigns", { body: { ...phone, integration_id: "integ_nope" } }), 404, "NOT_FOUND");
  });

  it.each(["name", "agent_id", "integration_id"])(
    "create: %s is required → 400 VALIDATION_ERROR with field",
    async (field) => {
      const body: Record<string, unknown> = { ...PHONE };
      delete body[field];
      expectError(await api("POST", "/campaigns", { body }), 400, "VALIDATION_ERROR", { field });
    },
  );

  it("create: unknown agent or integration → 404 NOT_FOUND", async () => {
    expectError(await api("POST", "/campaigns", { body: { ...PHONE, agent_id: "agent_nope" } }), 404, "NOT_FOUND");
    expectError(await api("POST", "/campaigns", { body: { ...PHONE, integration_id: "integ_nope" } }), 404, "NOT_FOUND");
    expect((await api("GET", "/campaigns")).body.total_count).toBe(0);
  });

  it("create: integration not belonging to the agent, or of the other type → 400 INVALID_REQUEST", async () => {
    expectError(
      await api("POST", "/campaigns", { body: { ...PHONE, agent_id: "agent_demo_02" } }),
      400,
      "INVALID_REQUEST",
      { field: "integration_id" },
    );
    expectError(
      await api("POST", "/campaigns", { body: { ...PHONE, integration_id: "integ_wa_01" } }),
      400,
      "INVALID_REQUEST",
      { field: "integration_type" },
    );
  });

  it.each([
    ["template on a phone_call campaign", PHONE, { template: "promo" }, "template"],
    ["template_alt on a phone_call campaign", PHONE, { template_alt: "promo_b" }, "template_alt"],
    ["first_message on a whatsapp campaign", WHATSAPP, { first_message: "Hola" }, "first_message"],
    ["cycles on a whatsapp campaign", WHATSAPP, { cycles: COOLDOWN_CYCLES }, "cycles"],
  ])("create: other-channel field → 400 INVALID_REQUEST (%s)", async (_name, channel, extra, field) => {
    expectError(await api("POST", "/campaigns", { body: { ...channel, ...extra } }), 400, "INVALID_REQUEST", { field });
    expect((await api("GET", "/campaigns")).body.total_count).toBe(0);
  });

  it.each([
    ["name longer than 255", { name: "x".repeat(256) }, "name"],
    ["empty name", { name: " " }, "name"],
    ["retries above 5", { retries: 6 }, "retries"],
    ["retries below 0", { retries: -1 }, "retries"],
    ["retries not an integer", { retries: 1.5 }, "retries"],
    ["message_limit 0", { message_limit: 0 }, "message_limit"],
    ["message_limit 10001", { message_limit: 10001 }, "message_limit"],
    ["integration_type not an enum value", { integration_type: "sms" }, "integration_type"],
    ["timezone not IANA", { timezone: "Mars/Olympus" }, "timezone"],
    ["12-hour time", { scheduling: { mon: { startTime: "9am", stopTime: "17:00", active: true } } }, "scheduling.mon.startTime"],
    ["time 24:00", { scheduling: { mon: { startTime: "09:00", stopTime: "24:00", active: true } } }, "scheduling.mon.stopTime"],
    ["startTime not before stopTime", { scheduling: { tue: { startTime: "17:00", stopTime: "09:00", active: true } } }, "scheduling.tue.stopTime"],
    ["active day without times", { scheduling: { wed: { active: true } } }, "scheduling.wed.startTime"],
    ["unknown weekday", { scheduling: { monday: { active: false } } }, "scheduling.monday"],
    ["older endTime key", { scheduling: { mon: { startTime: "09:00", endTime: "17:00", active: true } } }, "scheduling.mon.endTime"],
    ["max_iterations 51", { cycles: { ...COOLDOWN_CYCLES, max_iterations: 51 } }, "cycles.max_iterations"],
    ["max_iterations 0", { cycles: { ...COOLDOWN_CYCLES, max_iterations: 0 } }, "cycles.max_iterations"],
    ["cooldown_minutes 0", { cycles: { ...COOLDOWN_CYCLES, cooldown_minutes: 0 } }, "cycles.cooldown_minutes"],
    ["cooldown_minutes 43201", { cycles: { ...COOLDOWN_CYCLES, cooldown_minutes: 43201 } }, "cycles.cooldown_minutes"],
    ["cycle mode not an enum value", { cycles: { enabled: true, mode: "weekly" } }, "cycles.mode"],
    ["date not YYYY-MM-DD", { cycles: { ...SCHEDULED_CYCLES, schedule_start_date: "01/02/2030" } }, "cycles.schedule_start_date"],
    ["date not a calendar day", { cycles: { ...SCHEDULED_CYCLES, schedule_end_date: "2030-02-30" } }, "cycles.schedule_end_date"],
    ["start date after end date", { cycles: { ...SCHEDULED_CYCLES, schedule_start_date: "2030-02-01" } }, "cycles.schedule_end_date"],
    ["unknown field", { colour: "blue" }, "colour"],
    ["server field status", { status: "active" }, "status"],
  ])("create: ranges and types → 400 VALIDATION_ERROR with field (%s)", async (_name, extra, field) => {
    expectError(await api("POST", "/campaigns", { body: { ...PHONE, ...extra } }), 400, "VALIDATION_ERROR", { field });
  });

  it("create: missing weekdays default to { active: false }", async () => {
    const c = await create({ scheduling: { mon: { startTime: "09:00", stopTime: "17:00", active: true }, sat: { active: false } } });
    expect(c.scheduling).toEqual({
      mon: { startTime: "09:00", stopTime: "17:00", active: true },
      tue: { active: false },
      wed: { active: false },
      thu: { active: false },
      fri: { active: false },
      sat: { active: false },
      sun: { active: false },
    });
    const none = await create();
    expect(Object.values(none.scheduling)).toEqual(Array(7).fill({ active: false }));
  });

  it("create: cycles.mode is required when cycles.enabled is true", async () => {
    expectError(
      await api("POST", "/campaigns", { body: { ...PHONE, cycles: { enabled: true, max_iterations: 3 } } }),
      400,
      "VALIDATION_ERROR",
      { field: "cycles.mode" },
    );
  });

  it("create: cycles with enabled false or omitted → the rest of the block is ignored", async () => {
    for (const cycles of [{ enabled: false, mode: "cooldown", max_iterations: 999 }, { mode: "scheduled", schedule: "junk" }]) {
      const c = await create({ cycles });
      expect(c.cycles).toMatchObject({ enabled: false, max_iterations: null });
      expect((await stored(c.id)).cycles).toMatchObject({ enabled: false, mode: null });
    }
    const on = await create({ cycles: COOLDOWN_CYCLES });
    const { mode, ...documented } = COOLDOWN_CYCLES;
    expect(on.cycles).toEqual({ ...documented, filter_tags: [], schedule: null, schedule_start_date: null, schedule_end_date: null });
    expect((await stored(on.id)).cycles).toMatchObject({ mode, current_iteration: 0, last_iteration_at: null });
    const scheduled = await create({ cycles: SCHEDULED_CYCLES });
    expect((await stored(scheduled.id)).cycles.mode).toBe("scheduled");
    expect(scheduled.cycles).toMatchObject({ schedule_start_date: "2030-01-01", schedule_end_date: "2030-01-31" });
    expect(scheduled.cycles.schedule.mon).toEqual({ startTime: "09:00", stopTime: "12:00", active: true });
    expect(scheduled.cycles.schedule.sun).toEqual({ active: false });
  });

  it.each(["schedule", "schedule_start_date", "schedule_end_date"])(
    "create: cycles.%s in cooldown mode → 400 SCHEDULED_MODE_ONLY",
    async (field) => {
      const cycles = { ...COOLDOWN_CYCLES, [field]: (SCHEDULED_CYCLES as Record<string, unknown>)[field] };
      expectError(await api("POST", "/campaigns", { body: { ...PHONE, cycles } }), 400, "SCHEDULED_MODE_ONLY", {
        field: `cycles.${field}`,
      });
    },
  );

  it("Idempotency-Key: a replay returns the original response (same id, same status) and stores one campaign", async () => {
    const headers = { "Idempotency-Key": "4b0e5a5e-7d7c-4a3e-9a55-0f3a6f1d2c11" };
    const first = await api("POST", "/campaigns", { body: PHONE, headers });
    expect(first.status).toBe(201);
    await api("PATCH", `/campaigns/${first.body.campaign.id}`, { body: { name: "renamed meanwhile" } });
    const replay = await api("POST", "/campaigns", { body: PHONE, headers });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const posts = (await sb.requests("altur")).filter((e) => e.method === "POST");
    expect(posts.map((e) => [e.status, e.headers["idempotency-key"]])).toEqual([
      [201, headers["Idempotency-Key"]],
      [201, headers["Idempotency-Key"]],
    ]);
    const list = await api("GET", "/campaigns");
    expect(list.body.total_count).toBe(1);
    expect((await sb.campaigns("altur"))).toHaveLength(1);
    // A different key creates a second campaign.
    await api("POST", "/campaigns", { body: PHONE, headers: { "Idempotency-Key": "another" } });
    expect((await api("GET", "/campaigns")).body.total_count).toBe(2);
  });

  it("Idempotency-Key: the same key with a different body → 409 IDEMPOTENCY_KEY_REUSED, nothing created", async () => {
    const headers = { "Idempotency-Key": "key-1" };
    expect((await api("POST", "/campaigns", { body: PHONE, headers })).status).toBe(201);
    expectError(await api("POST", "/campaigns", { body: { ...PHONE, name: "other" }, headers }), 409, "IDEMPOTENCY_KEY_REUSED");
    expect((await api("GET", "/campaigns")).body.total_count).toBe(1);
  });

  it("Idempotency-Key: a rejected request is not remembered, so the corrected body can reuse the key", async () => {
    const headers = { "Idempotency-Key": "key-2" };
    expect((await api("POST", "/campaigns", { body: { ...PHONE, retries: 9 }, headers })).status).toBe(400);
    expect((await api("POST", "/campaigns", { body: PHONE, headers })).status).toBe(201);
  });
});

describe("Altur detail and list", () => {
  it("list items are reused between lists only while nothing changes: a PATCH, an action, a contact upload and a forced status show in the next list", async () => {
    const c = await create({ retries: 1 });
    expect((await listed(c.id)).retries).toBe(1);
    expect((await listed(c.id)).retries).toBe(1);
    expect((await api("PATCH", `/campaigns/${c.id}`, { body: { retries: 4, scheduling: { mon: { startTime: "08:00", stopTime: "10:00", active: true } } } })).status).toBe(200);
    const patched = await listed(c.id);
    expect([patched.retries, patched.scheduling.mon]).toEqual([4, { startTime: "08:00", stopTime: "10:00", active: true }]);
    expect((await api("POST", `/campaigns/${c.id}/contacts`, { body: { contacts: [{ name: "Ann", contact: "+14155550101" }] } })).status).toBe(200);
    expect((await listed(c.id)).status).toBe("ready");
    expect((await api("POST", `/campaigns/${c.id}/activate`)).status).toBe(200);
    expect((await listed(c.id)).status).toBe("active");
    await forceStatus(c.id, "finished");
    expect((await listed(c.id)).status).toBe("finished");
  });

  it("a list answer's text, built from each item's text, is exactly JSON.stringify of its body", () => {
    const altur = createAlturSimulator();
    const post = (body: Record<string, unknown>) => altur.handle({ method: "POST", path: "/campaigns", query: new URLSearchParams(), headers: {}, body });
    expect(post({ ...PHONE, cycles: SCHEDULED_CYCLES, description: 'quote " and \\ backslash', scheduling: { tue: { startTime: "09:00", stopTime: "17:00", active: true } } })).toMatchObject({ status: 201 });
    expect(post({ ...PHONE, name: "Second", cycles: COOLDOWN_CYCLES })).toMatchObject({ status: 201 });
    for (const query of ["pageSize=1", "pageSize=100"]) {
      const res = altur.handle({ method: "GET", path: "/campaigns", query: new URLSearchParams(query), headers: {}, body: undefined });
      expect(res.text).toBe(JSON.stringify(res.body));
      expect((res.body as { campaigns: unknown[] }).campaigns.length).toBe(query === "pageSize=1" ? 1 : 2);
    }
  });

  it("detail: non-integer id → 400 VALIDATION_ERROR, unknown id → 404 NOT_FOUND", async () => {
    expectError(await api("GET", "/campaigns/abc"), 400, "VALIDATION_ERROR", { field: "id" });
    expectError(await api("GET", "/campaigns/1.5"), 400, "VALIDATION_ERROR", { field: "id" });
    expectError(await api("GET", "/campaigns/999"), 404, "NOT_FOUND");
  });

  it("detail: exactly the documented §3.1 keys — no status, archived, retries, timezone, integration_type or cycles.mode", async () => {
    for (const body of [{ cycles: SCHEDULED_CYCLES, message_limit: 250, description: "d" }, {}]) {
      const c = await create(body);
      const res = await api("GET", `/campaigns/${c.id}`);
      expect(Object.keys(res.body).sort()).toEqual(["campaign", "success"]);
      expect(Object.keys(res.body.campaign).sort()).toEqual(DETAIL_KEYS);
      expect(Object.keys(res.body.campaign.cycles).sort()).toEqual(DETAIL_CYCLE_KEYS);
      expect(Object.keys(res.body.campaign.integration)).toEqual(["id"]);
      expect(Object.keys(res.body.campaign.agent).sort()).toEqual(["id", "name"]);
    }
  });

  it("list: flat item shape with exactly the documented keys; archived campaigns included with archived: true", async () => {
    const c = await create({ cycles: COOLDOWN_CYCLES, message_limit: 250 });
    await api("POST", `/campaigns/${c.id}/archive`);
    const { status, body } = await api("GET", "/campaigns");
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["campaigns", "pagination", "total_count"]);
    const item = body.campaigns[0];
    expect(Object.keys(item).sort()).toEqual(
      [
        "id", "name", "description", "status", "created_at", "agent", "scheduling", "timezone", "retries", "archived",
        "template", "first_message", "concurrency_limit", "cycle_enabled", "cycle_max_iterations",
        "cycle_cooldown_minutes", "cycle_filter_statuses", "cycle_filter_tags", "cycle_current_iteration",
        "cycle_last_iteration_at",
      ].sort(),
    );
    expect(item).toMatchObject({
      id: c.id,
      archived: true,
      agent: { id: "agent_demo_01" },
      cycle_enabled: true,
      cycle_max_iterations: 7,
      cycle_cooldown_minutes: 720,
      cycle_filter_statuses: ["voicemail"],
      cycle_filter_tags: [],
      cycle_current_iteration: 0,
      cycle_last_iteration_at: null,
    });
  });

  it("list: filters agentId, status, integration and startDate+endDate", async () => {
    const a = await create();
    const b = await create({}, WHATSAPP);
    await forceStatus(b.id, "active");
    const ids = async (q: string) => (await api("GET", `/campaigns?${q}`)).body.campaigns.map((c: any) => c.id);
    expect(await ids("agentId=agent_demo_01")).toEqual([a.id, b.id]);
    expect(await ids("agentId=agent_demo_02")).toEqual([]);
    expect(await ids("status=active")).toEqual([b.id]);
    expect(await ids("status=pending")).toEqual([a.id]);
    expect(await ids("integration=phone_call")).toEqual([a.id]);
    expect(await ids("integration=whatsapp")).toEqual([b.id]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await ids(`startDate=${today}&endDate=${today}`)).toEqual([a.id, b.id]);
    expect(await ids("startDate=2000-01-01&endDate=2000-12-31")).toEqual([]);
    expect(await ids("startDate=2000-01-01T00:00:00Z&endDate=2999-01-01T00:00:00Z")).toEqual([a.id, b.id]);
    expectError(await api("GET", "/campaigns?status=paused"), 400, "VALIDATION_ERROR", { field: "status" });
    expectError(await api("GET", "/campaigns?integration=sms"), 400, "VALIDATION_ERROR", { field: "integration" });
  });

  it("list: startDate and endDate must be sent together → 400", async () => {
    expectError(await api("GET", "/campaigns?startDate=2030-01-01"), 400, "VALIDATION_ERROR", { field: "endDate" });
    expectError(await api("GET", "/campaigns?endDate=2030-01-01"), 400, "VALIDATION_ERROR", { field: "startDate" });
    expectError(await api("GET", "/campaigns?startDate=soon&endDate=2030-01-01"), 400, "VALIDATION_ERROR", { field: "startDate" });
  });

  it("list: pageSize 1-100 (default 50), direction next|previous, opaque cursor — anything else → 400", async () => {
    for (const q of ["pageSize=0", "pageSize=101", "pageSize=ten", "pageSize=1.5"]) {
      expectError(await api("GET", `/campaigns?${q}`), 400, "VALIDATION_ERROR", { field: "pageSize" });
    }
    expectError(await api("GET", "/campaigns?direction=up"), 400, "VALIDATION_ERROR", { field: "direction" });
    expectError(await api("GET", "/campaigns?cursor=not-a-cursor"), 400, "VALIDATION_ERROR", { field: "cursor" });
    const empty = await api("GET", "/campaigns");
    expect(empty.body).toEqual({
      total_count: 0,
      campaigns: [],
      pagination: { has_next: false, has_previous: false, next_cursor: null, previous_cursor: null },
    });
  });

  it("list: cursor pagination walks 120 campaigns forward and back", async () => {
    await Promise.all(Array.from({ length: 120 }, (_, i) => api("POST", "/campaigns", { body: { ...PHONE, name: `c${i}` } })));
    const first = await api("GET", "/campaigns");
    expect(first.body.campaigns).toHaveLength(50); // default page size
    expect(first.body.total_count).toBe(120);

    const forward: number[] = [];
    const pages: any[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor === null ? "pageSize=25" : `pageSize=25&cursor=${encodeURIComponent(cursor)}&direction=next`;
      const { body } = await api("GET", `/campaigns?${q}`);
      expect(body.total_count).toBe(120);
      pages.push(body);
      forward.push(...body.campaigns.map((c: any) => c.id));
      cursor = body.pagination.has_next ? body.pagination.next_cursor : null;
    } while (cursor !== null);
    expect(pages.map((p) => p.campaigns.length)).toEqual([25, 25, 25, 25, 20]);
    expect(forward).toEqual([...forward].sort((x, y) => x - y));
    expect(new Set(forward).size).toBe(120);
    expect(pages[0].pagination).toMatchObject({ has_previous: false, previous_cursor: null, has_next: true });
    expect(pages[4].pagination).toMatchObject({ has_next: false, next_cursor: null, has_previous: true });

    const backward: number[] = [];
    cursor = pages[4].pagination.previous_cursor;
    const last = pages[4].campaigns.map((c: any) => c.id);
    while (cursor !== null) {
      const { body }: Reply = await api("GET", `/campaigns?pageSize=25&direction=previous&cursor=${encodeURIComponent(cursor)}`);
      backward.unshift(...body.campaigns.map((c: any) => c.id));
      cursor = body.pagination.has_previous ? body.pagination.previous_cursor : null;
    }
    expect([...backward, ...last]).toEqual(forward);
  });
});

describe("Altur PATCH /campaigns/{id}", () => {
  it.each([
    ["agent_id", { agent_id: "agent_demo_01" }],
    ["integration_id", { integration_id: "integ_phone_01" }],
    ["integration_type", { integration_type: "phone_call" }],
    ["cycles.enabled", { cycles: { enabled: true } }],
    ["cycles.mode", { cycles: { mode: "cooldown" } }],
  ])("IMMUTABLE_FIELD: %s → 400 with field, even when the value is unchanged", async (field, body) => {
    const c = await create({ cycles: COOLDOWN_CYCLES });
    expectError(await api("PATCH", `/campaigns/${c.id}`, { body: { name: "new name", ...body } }), 400, "IMMUTABLE_FIELD", { field });
    expect((await api("GET", `/campaigns/${c.id}`)).body.campaign.name).toBe(PHONE.name);
  });

  it("IMMUTABLE_FIELD: cycles.enabled on a campaign without cycles is still IMMUTABLE_FIELD (checked before CYCLES_NOT_ENABLED)", async () => {
    const c = await create();
    expectError(await api("PATCH", `/campaigns/${c.id}`, { body: { cycles: { enabled: false } } }), 400, "IMMUTABLE_FIELD", {
      field: "cycles.enabled",
    });
  });

  it("CAMPAIGN_FINISHED: any PATCH on a finished campaign → 409, checked before IMMUTABLE_FIELD and validation", async () => {
    const c = await create();
    await forceStatus(c.id, "finished");
    for (const body of [{ name: "x" }, {}, { agent_id: "agent_demo_01" }, { retries: "bad" }]) {
      expectError(await api("PATCH", `/campaigns/${c.id}`, { body }), 409, "CAMPAIGN_FINISHED");
    }
    expect((await api("GET", `/campaigns/${c.id}`)).body.campaign.name).toBe(PHONE.name);
  });

  it("CYCLES_NOT_ENABLED: cycles.* on a campaign created without cycles → 400", async () => {
    const c = await create({ cycles: { enabled: false } });
    expectError(await api("PATCH", `/campaigns/${c.id}`, { body: { cycles: { cooldown_minutes: 60 } } }), 400, "CYCLES_NOT_ENABLED");
    const wa = await create({}, WHATSAPP);
    expectError(await api("PATCH", `/campaigns/${wa.id}`, { body: { cycles: { max_iterations: 2 } } }), 400, "CYCLES_NOT_ENABLED");
  });

  it.each([
    ["schedule", { mon: { active: false } }],
    ["schedule_start_date", "2030-01-01"],
    ["schedule_end_date", null],
  ])("SCHEDULED_MODE_ONLY: cycles.%s on a cooldown-mode campaign → 400", async (field, value) => {
    const c = await create({ cycles: COOLDOWN_CYCLES });
    expectError(await api("PATCH", `/campaigns/${c.id}`, { body: { cycles: { [field]: value } } }), 400, "SCHEDULED_MODE_ONLY", {
      field: `cycles.${field}`,
    });
  });

  it.each([
    ["template on phone_call", PHONE, { template: "promo" }, "template"],
    ["template_alt on phone_call", PHONE, { template_alt: "promo" }, "template_alt"],
    ["first_message on whatsapp", WHATSAPP, { first_message: "Hola" }, "first_message"],
  ])("INVALID_REQUEST: other-channel field on PATCH → 400 (%s)", async (_name, channel, body, field) => {
    const c = await create({}, channel);
    expectError(await api("PATCH", `/campaigns/${c.id}`, { body }), 400, "INVALID_REQUEST", { field });
  });

  it("check order: auth → 404 → CAMPAIGN_FINISHED → IMMUTABLE_FIELD → CYCLES_NOT_ENABLED → SCHEDULED_MODE_ONLY → field validation", async () => {
    const everything = { agent_id: "x", cycles: { schedule: {} }, template: "t", retries: 99 };
    expectError(await api("PATCH", "/campaigns/999", { body: everything, auth: "api-key wrong" }), 401, "UNAUTHORIZED");
    expectError(await api("PATCH", "/campaigns/999", { body: everything }), 404, "NOT_FOUND");
    const plain = await create();
    const cooldown = await create({ cycles: COOLDOWN_CYCLES });
    await forceStatus(plain.id, "finished");
    expectError(await api("PATCH", `/campaigns/${plain.id}`, { body: everything }), 409, "CAMPAIGN_FINISHED");
    await forceStatus(plain.id, "active");
    expectError(await api("PATCH", `/campaigns/${plain.id}`, { body: everything }), 400, "IMMUTABLE_FIELD");
    const { agent_id: _a, ...noImmutable } = everything;
    expectError(await api("PATCH", `/campaigns/${plain.id}`, { body: noImmutable }), 400, "CYCLES_NOT_ENABLED");
    expectError(await api("PATCH", `/campaigns/${cooldown.id}`, { body: noImmutable }), 400, "SCHEDULED_MODE_ONLY");
    const { cycles: _c, ...validationOnly } = noImmutable;
    expectError(await api("PATCH", `/campaigns/${cooldown.id}`, { body: validationOnly }), 400, "INVALID_REQUEST", { field: "template" });
    expectError(await api("PATCH", `/campaigns/${cooldown.id}`, { body: { retries: 99 } }), 400, "VALIDATION_ERROR", { field: "retries" });
  });

  it("partial update: only sent fields change; scheduling and cycles.schedule merge per day (a day object replaces that day)", async () => {
    const c = await create({
      description: "before",
      retries: 1,
      scheduling: { mon: { startTime: "09:00", stopTime: "17:00", active: true }, tue: { startTime: "10:00", stopTime: "12:00", active: true } },
      cycles: { ...SCHEDULED_CYCLES, cooldown_minutes: 30, filter_tags: ["a"] },
    });
    const res = await api("PATCH", `/campaigns/${c.id}`, {
      body: {
        retries: 3,
        scheduling: { tue: { active: false } },
        cycles: { cooldown_minutes: 60, schedule: { fri: { startTime: "08:00", stopTime: "09:30", active: true } }, schedule_end_date: "2030-03-01" },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    const after = res.body.campaign;
    expect(Object.keys(after).sort()).toEqual(DETAIL_KEYS);
    expect(after).toMatchObject({ name: PHONE.name });
    expect(await listed(c.id)).toMatchObject({ description: "before", retries: 3 });
    expect(after.scheduling.mon).toEqual({ startTime: "09:00", stopTime: "17:00", active: true });
    expect(after.scheduling.tue).toEqual({ active: false });
    expect((await stored(c.id)).cycles.mode).toBe("scheduled");
    expect(after.cycles).toMatchObject({
      max_iterations: 3,
      cooldown_minutes: 60,
      filter_tags: ["a"],
      schedule_start_date: "2030-01-01",
      schedule_end_date: "2030-03-01",
    });
    expect(after.cycles.schedule.mon).toEqual({ startTime: "09:00", stopTime: "12:00", active: true });
    expect(after.cycles.schedule.fri).toEqual({ startTime: "08:00", stopTime: "09:30", active: true });
    expect((await api("GET", `/campaigns/${c.id}`)).body.campaign).toEqual(after);
  });

  it("all validation before any write: one bad field → 400 and nothing changes", async () => {
    const c = await create({ cycles: SCHEDULED_CYCLES });
    const before = (await api("GET", `/campaigns/${c.id}`)).body.campaign;
    const bad = [
      { name: "new", retries: 2, message_limit: 0 },
      { name: "new", scheduling: { mon: { active: false }, tue: { startTime: "9", stopTime: "10:00", active: true } } },
      { name: "new", cycles: { max_iterations: 5, schedule_start_date: "2031-01-01" } }, // start after the stored end
      { name: "new", status: "active" },
      { name: "new", cycles: { current_iteration: 3 } },
    ];
    for (const body of bad) {
      expectError(await api("PATCH", `/campaigns/${c.id}`, { body }), 400, "VALIDATION_ERROR");
    }
    expect((await api("GET", `/campaigns/${c.id}`)).body.campaign).toEqual(before);
  });

  it.each(["pending", "ready", "active", "inactive", "cooldown"])(
    "PATCH is allowed in every non-finished status (%s)",
    async (status) => {
      const c = await create();
      await forceStatus(c.id, status);
      const res = await api("PATCH", `/campaigns/${c.id}`, { body: { name: `edited while ${status}` } });
      expect(res.status).toBe(200);
      expect(res.body.campaign).toMatchObject({ name: `edited while ${status}` });
      expect(await listed(c.id)).toMatchObject({ name: `edited while ${status}`, status });
    },
  );
});

describe("Altur lifecycle — POST /campaigns/{id}/{action}", () => {
  const REJECT = "409 INVALID_STATUS_TRANSITION";
  const table = [
    { action: "activate", from: "pending", outcome: "active" },
    { action: "activate", from: "ready", outcome: "active" },
    { action: "activate", from: "cooldown", outcome: "active" },
    { action: "activate", from: "active", outcome: REJECT }, // activate is not idempotent
    { action: "activate", from: "inactive", outcome: REJECT },
    { action: "activate", from: "finished", outcome: REJECT },
    { action: "pause", from: "active", outcome: "inactive" },
    { action: "pause", from: "cooldown", outcome: "inactive" },
    { action: "pause", from: "inactive", outcome: "inactive (successful no-op)" },
    { action: "pause", from: "pending", outcome: REJECT },
    { action: "pause", from: "ready", outcome: REJECT },
    { action: "pause", from: "finished", outcome: REJECT },
    { action: "resume", from: "inactive", outcome: "active" },
    { action: "resume", from: "active", outcome: "active (successful no-op)" },
    { action: "resume", from: "pending", outcome: REJECT },
    { action: "resume", from: "ready", outcome: REJECT },
    { action: "resume", from: "cooldown", outcome: REJECT },
    { action: "resume", from: "finished", outcome: REJECT },
  ];

  it.each(table.map((r) => [r.action, r.from, r.outcome] as const))("transition table: %s from %s → %s", async (action, from, outcome) => {
    const c = await create();
    await forceStatus(c.id, from);
    const before = await stored(c.id);
    const res = await api("POST", `/campaigns/${c.id}/${action}`);
    if (outcome === REJECT) {
      expectError(res, 409, "INVALID_STATUS_TRANSITION", { current_status: from });
      expect(Array.isArray(res.body.valid_targets)).toBe(true);
      expect(await stored(c.id)).toEqual(before);
    } else {
      const to = outcome.split(" ")[0];
      expect(res.status).toBe(200);
      // The documented lifecycle response is the detail object: no status; the list carries it.
      expect(res.body).toMatchObject({ success: true, campaign: { id: c.id } });
      expect(Object.keys(res.body.campaign).sort()).toEqual(DETAIL_KEYS);
      expect((await listed(c.id)).status).toBe(to);
      if (outcome.includes("no-op")) expect(await stored(c.id)).toEqual(before);
    }
  });

  it("INVALID_STATUS_TRANSITION carries current_status and valid_targets", async () => {
    const c = await create();
    await forceStatus(c.id, "active");
    expectError(await api("POST", `/campaigns/${c.id}/activate`), 409, "INVALID_STATUS_TRANSITION", {
      current_status: "active",
      valid_targets: ["inactive"],
    });
    await forceStatus(c.id, "finished");
    expectError(await api("POST", `/campaigns/${c.id}/resume`), 409, "INVALID_STATUS_TRANSITION", {
      current_status: "finished",
      valid_targets: [],
    });
  });

  it.each(["pending", "ready", "active", "inactive", "cooldown", "finished"])(
    "archive always succeeds, sets archived and keeps the status (from %s); re-archive is a no-op",
    async (status) => {
      const c = await create();
      await forceStatus(c.id, status);
      for (let i = 0; i < 2; i++) {
        const res = await api("POST", `/campaigns/${c.id}/archive`);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ success: true, campaign: { id: c.id } });
        expect(await listed(c.id)).toMatchObject({ archived: true, status });
      }
    },
  );

  it("lifecycle actions still work on an archived campaign", async () => {
    const c = await create();
    await api("POST", `/campaigns/${c.id}/archive`);
    expect((await api("POST", `/campaigns/${c.id}/activate`)).status).toBe(200);
    expect(await listed(c.id)).toMatchObject({ status: "active", archived: true });
  });

  it("unknown action → 400 UNKNOWN_ACTION", async () => {
    const c = await create();
    expectError(await api("POST", `/campaigns/${c.id}/delete`), 400, "UNKNOWN_ACTION");
    expectError(await api("POST", `/campaigns/${c.id}/Activate`), 400, "UNKNOWN_ACTION");
    expectError(await api("POST", "/campaigns/999/activate"), 404, "NOT_FOUND");
  });

  it("BILLING_LIMIT_REACHED: activate or resume beyond the plan limit → 402 (simulator option, off by default)", async () => {
    const a = await create();
    const b = await create();
    const c = await create();
    sim().setMaxActiveCampaigns(1);
    expect((await api("POST", `/campaigns/${a.id}/activate`)).status).toBe(200);
    expectError(await api("POST", `/campaigns/${b.id}/activate`), 402, "BILLING_LIMIT_REACHED");
    await forceStatus(c.id, "inactive");
    expectError(await api("POST", `/campaigns/${c.id}/resume`), 402, "BILLING_LIMIT_REACHED");
    // The no-op resume of an already active campaign is not blocked.
    expect((await api("POST", `/campaigns/${a.id}/resume`)).status).toBe(200);
    sim().setMaxActiveCampaigns(null);
    expect((await api("POST", `/campaigns/${b.id}/activate`)).status).toBe(200);
  });
});

describe("Altur contacts — /campaigns/{id}/contacts", () => {
  it("add: per-row results and summary; INVALID_PHONE_NUMBER and MISSING_CONTACT fail only their row", async () => {
    const c = await create();
    const res = await api("POST", `/campaigns/${c.id}/contacts`, {
      body: {
        contacts: [
          { contact: "+52 55 1234 5678", name: "Ana", extracted_data: { plan: "gold" }, f_id: "crm-1" },
          { contact: "12" },
          { name: "nobody" },
          { contact: "+525512345679", context: "vip" },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.summary).toEqual({ created: 2, updated: 0, skipped_duplicate: 0, failed: 2 });
    expect(res.body.results.map((r: any) => [r.index, r.error])).toEqual([
      [0, null],
      [1, "INVALID_PHONE_NUMBER"],
      [2, "MISSING_CONTACT"],
      [3, null],
    ]);
    expect(res.body.results[0].contact).toBe("+525512345678");
  });

  it("add: if_duplicate skip (default) keeps the row, update overwrites name, context, extracted_data, f_id", async () => {
    const c = await create();
    const path = `/campaigns/${c.id}/contacts`;
    await api("POST", path, { body: { contacts: [{ contact: "+525512345678", name: "Ana", f_id: "1" }] } });
    const skip = await api("POST", path, { body: { contacts: [{ contact: "+525512345678", name: "Ana B" }] } });
    expect(skip.body.summary).toEqual({ created: 0, updated: 0, skipped_duplicate: 1, failed: 0 });
    const upd = await api("POST", path, {
      body: { if_duplicate: "update", contacts: [{ contact: "+52 5512345678", name: "Ana C", context: "ctx" }] },
    });
    expect(upd.body.summary).toEqual({ created: 0, updated: 1, skipped_duplicate: 0, failed: 0 });
    const list = await api("GET", path);
    expect(list.body.contacts).toHaveLength(1);
    expect(list.body.contacts[0]).toMatchObject({ name: "Ana C", context: "ctx", f_id: null, status: "queue" });
    expectError(await api("POST", path, { body: { if_duplicate: "merge", contacts: [{ contact: "+525512345678" }] } }), 400, "VALIDATION_ERROR", {
      field: "if_duplicate",
    });
  });

  it("add: duplicates are found across batches and a deleted contact can be added again (the roster's phone index follows adds and deletes)", async () => {
    const c = await create();
    const path = `/campaigns/${c.id}/contacts`;
    const phone = (i: number) => `+52551${String(i).padStart(7, "0")}`;
    for (let b = 0; b < 5; b++) {
      const res = await api("POST", path, { body: { contacts: Array.from({ length: 100 }, (_, i) => ({ contact: phone(b * 100 + i) })) } });
      expect(res.body.summary).toEqual({ created: 100, updated: 0, skipped_duplicate: 0, failed: 0 });
    }
    const again = await api("POST", path, { body: { contacts: [{ contact: phone(0) }, { contact: phone(499) }, { contact: phone(500) }] } });
    expect(again.body.summary).toEqual({ created: 1, updated: 0, skipped_duplicate: 2, failed: 0 });
    const first = again.body.results[0].id as number;
    expect((await api("DELETE", `${path}/${first}`)).status).toBe(200);
    const back = await api("POST", path, { body: { contacts: [{ contact: phone(0) }] } });
    expect(back.body.summary).toEqual({ created: 1, updated: 0, skipped_duplicate: 0, failed: 0 });
    expect(back.body.results[0].id).not.toBe(first);
  });

  it("add: at most 1000 contacts per request → 400", async () => {
    const c = await create();
    const contacts = Array.from({ length: 1001 }, (_, i) => ({ contact: `+52551${String(i).padStart(7, "0")}` }));
    expectError(await api("POST", `/campaigns/${c.id}/contacts`, { body: { contacts } }), 400, "VALIDATION_ERROR", { field: "contacts" });
    const ok = await api("POST", `/campaigns/${c.id}/contacts`, { body: { contacts: contacts.slice(0, 1000) } });
    expect(ok.body.summary.created).toBe(1000);
  });

  it("pending → ready once the campaign has a contact in queue", async () => {
    const c = await create();
    await api("POST", `/campaigns/${c.id}/contacts`, { body: { contacts: [{ contact: "bad" }] } });
    expect((await listed(c.id)).status).toBe("pending");
    await api("POST", `/campaigns/${c.id}/contacts`, { body: { contacts: [{ contact: "+525512345678" }] } });
    expect((await listed(c.id)).status).toBe("ready");
  });

  it("add: Idempotency-Key replay returns the original summary and adds nothing", async () => {
    const c = await create();
    const opts = { body: { contacts: [{ contact: "+525512345678" }] }, headers: { "Idempotency-Key": "contacts-1" } };
    const first = await api("POST", `/campaigns/${c.id}/contacts`, opts);
    const again = await api("POST", `/campaigns/${c.id}/contacts`, opts);
    expect(again.body).toEqual(first.body);
    expect(again.body.summary.created).toBe(1);
    expect((await api("GET", `/campaigns/${c.id}/contacts`)).body.total_count).toBe(1);
  });

  it("adding contacts to a finished campaign → 409 CAMPAIGN_FINISHED", async () => {
    const c = await create();
    await forceStatus(c.id, "finished");
    expectError(await api("POST", `/campaigns/${c.id}/contacts`, { body: { contacts: [{ contact: "+525512345678" }] } }), 409, "CAMPAIGN_FINISHED");
  });

  it("list: status filter and paging (cursor style, and page style with pageIndex); get one by id", async () => {
    const c = await create();
    const contacts = Array.from({ length: 30 }, (_, i) => ({ contact: `+5255100000${String(i).padStart(2, "0")}`, name: `n${i}` }));
    const added = await api("POST", `/campaigns/${c.id}/contacts`, { body: { contacts } });
    const ids: number[] = added.body.results.map((r: any) => r.id);
    expect(sim().forceContactStatus(String(c.id), String(ids[0]), "answered")).toBe(true);

    const page1 = await api("GET", `/campaigns/${c.id}/contacts`);
    expect(page1.body.contacts).toHaveLength(25);
    expect(page1.body.total_count).toBe(30);
    const page2 = await api("GET", `/campaigns/${c.id}/contacts?cursor=${page1.body.pagination.next_cursor}&direction=next`);
    expect(page2.body.contacts.map((x: any) => x.id)).toEqual(ids.slice(25));
    // The older (cursor) revision says `has_more` [D].
    expect(page1.body.pagination).toMatchObject({ has_more: true });
    expect(page2.body.pagination).toMatchObject({ has_more: false, next_cursor: null });

    const byIndex = await api("GET", `/campaigns/${c.id}/contacts?pageIndex=1&pageSize=10`);
    expect(byIndex.body.contacts.map((x: any) => x.id)).toEqual(ids.slice(10, 20));
    // The newer (index) revision: `has_next`, `next_page`, `previous_page` [D].
    expect(byIndex.body.pagination).toMatchObject({ has_next: true, has_previous: true, next_page: 2, previous_page: 0 });
    expect(byIndex.body.total_count).toBeNull();
    expect((await api("GET", `/campaigns/${c.id}/contacts?pageIndex=0&pageSize=10`)).body.total_count).toBe(30);

    const answered = await api("GET", `/campaigns/${c.id}/contacts?status=answered`);
    expect(answered.body.contacts.map((x: any) => x.id)).toEqual([ids[0]]);
    expectError(await api("GET", `/campaigns/${c.id}/contacts?status=happy`), 400, "VALIDATION_ERROR", { field: "status" });

    const one = await api("GET", `/campaigns/${c.id}/contacts/${ids[1]}`);
    expect(one.body.contact).toEqual({
      id: ids[1],
      f_id: null,
      name: "n1",
      contact: contacts[1]!.contact,
      status: "queue",
      context: null,
      retries: 0,
      has_follow_up: false,
      call_count: 0,
      billed_duration: 0,
      last_call_at: null,
      extracted_data: {},
      tags: [],
    });
    expectError(await api("GET", `/campaigns/${c.id}/contacts/99999`), 404, "NOT_FOUND");
  });

  it("delete: only queue or failed contacts; otherwise 409 CONTACT_NOT_DELETABLE", async () => {
    const c = await create();
    const added = await api("POST", `/campaigns/${c.id}/contacts`, {
      body: { contacts: [{ contact: "+525512345601" }, { contact: "+525512345602" }, { contact: "+525512345603" }] },
    });
    const [queued, failed, answered] = added.body.results.map((r: any) => r.id);
    sim().forceContactStatus(String(c.id), String(failed), "failed");
    sim().forceContactStatus(String(c.id), String(answered), "answered");
    expect((await api("DELETE", `/campaigns/${c.id}/contacts/${queued}`)).status).toBe(200);
    expect((await api("DELETE", `/campaigns/${c.id}/contacts/${failed}`)).status).toBe(200);
    expectError(await api("DELETE", `/campaigns/${c.id}/contacts/${answered}`), 409, "CONTACT_NOT_DELETABLE", {
      current_status: "answered",
    });
    expect((await api("GET", `/campaigns/${c.id}/contacts`)).body.contacts.map((x: any) => x.id)).toEqual([answered]);
  });
});

describe("Altur control hooks and persistence", () => {
  it("forceStatus accepts the six Altur statuses and rejects anything else", async () => {
    const c = await create();
    expect(() => sim().forceStatus(String(c.id), "paused")).toThrow(/unknown Altur status/);
    expect(sim().forceStatus("999", "active")).toBe(false);
    const res = await fetch(`${sb.origins.altur}/__sandbox/campaigns/${c.id}/status`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "paused" }),
    });
    expect(res.status).toBe(400);
    await forceStatus(c.id, "cooldown");
    expect((await listed(c.id)).status).toBe("cooldown");
  });

  it("snapshot/restore keeps campaigns, contacts, id counters and idempotency records", async () => {
    const headers = { "Idempotency-Key": "persist-1" };
    const first = await api("POST", "/campaigns", { body: PHONE, headers });
    await api("POST", `/campaigns/${first.body.campaign.id}/contacts`, { body: { contacts: [{ contact: "+525512345678" }] } });
    const saved = JSON.parse(JSON.stringify(sim().snapshot()));
    await sb.reset();
    expect((await api("GET", "/campaigns")).body.total_count).toBe(0);
    sim().restore(saved);
    const replay = await api("POST", "/campaigns", { body: PHONE, headers });
    expect(replay.body).toEqual(first.body);
    expect((await api("GET", `/campaigns/${first.body.campaign.id}/contacts`)).body.total_count).toBe(1);
    expect((await create()).id).toBe(first.body.campaign.id + 1);
    expect(() => sim().restore({ format: "something-else" })).toThrow(/not usable/);
  });
});

describe("Altur rate limit", () => {
  it("12 requests/second: a burst of 30 gets 429 + Retry-After with RATE_LIMITED; 12/s paced gets none", async () => {
    await setRateLimit(null); // provider default
    await new Promise((r) => setTimeout(r, 1100)); // a full bucket
    const burst = await Promise.all(Array.from({ length: 30 }, () => api("GET", "/campaigns")));
    const limited = burst.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(burst.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(12);
    for (const r of limited) {
      expect(r.body).toEqual({ success: false, error: "RATE_LIMITED", message: "Too many requests" });
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    await new Promise((r) => setTimeout(r, 1100));
    const paced: Reply[] = [];
    for (let i = 0; i < 18; i++) {
      paced.push(await api("GET", "/campaigns"));
      await new Promise((r) => setTimeout(r, 1000 / 12));
    }
    expect(paced.map((r) => r.status)).toEqual(Array(18).fill(200));
  });
});

describe("Altur Idempotency-Key window (simulated clock, in-process)", () => {
  it("a key is remembered for 24 hours of simulated time, then a new request creates again", () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const altur = createAlturSimulator({ now: () => now });
    const post = () =>
      altur.handle({
        method: "POST",
        path: "/campaigns",
        query: new URLSearchParams(),
        headers: { "idempotency-key": "window-1" },
        body: PHONE,
      });
    const first = post();
    expect(first.status).toBe(201);
    now += 24 * 60 * 60 * 1000 - 1;
    expect(post().body).toEqual(first.body);
    expect(altur.listCampaigns()).toHaveLength(1);
    now += 1;
    const after = post();
    expect(after.status).toBe(201);
    expect(after.body).not.toEqual(first.body);
    expect(altur.listCampaigns()).toHaveLength(2);
    expect((first.body as any).campaign.created_at).toBe("2030-01-01T00:00:00Z");
  });
});
