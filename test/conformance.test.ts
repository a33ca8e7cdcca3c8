/**
 * Conformance with the providers' documented example bodies (test/fixtures/conformance/, see its
 * README): the client parses every example response, the sandbox accepts every example request and
 * answers in the example's shape, and plan → apply → plan works against a stand-in that answers with
 * exactly the documented example keys (Altur) — adopting, updating, activating, pausing, importing,
 * and a create whose answer carries no id.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { createHttpClient } from "../src/http/client.js";
import { isProviderApiError } from "../src/http/errors.js";
import { createAlturClient, createdId, fromDetail, fromListItem } from "../src/providers/altur/client.js";
import { createExtrovertClient } from "../src/providers/extrovert/client.js";
import { useSandbox } from "./support/sandbox.js";
import { TestWorkspace } from "./e2e/workspace.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const FIXTURES = join(import.meta.dirname, "fixtures", "conformance");
const fixture = (provider: string, name: string): any => JSON.parse(readFileSync(join(FIXTURES, provider, `${name}.json`), "utf8"));

const alturDetail = fixture("altur", "detail-response");
const alturList = fixture("altur", "list-response-en");
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/**
 * Differences between an answer and a documented example, key by key: keys the example lacks
 * (never allowed) and keys the answer lacks (allowed only for `analytics`, which the docs show "only
 * when a snapshot exists", for the times of an inactive day, and where the answer holds null).
 */
function shapeProblems(actual: unknown, example: unknown, path = "$"): string[] {
  if (actual === null || example === null) return [];
  if (Array.isArray(example)) {
    if (!Array.isArray(actual)) return [`${path}: expected a list`];
    return example.length === 0 ? [] : actual.flatMap((a, i) => shapeProblems(a, example[0], `${path}[${i}]`));
  }
  if (typeof example === "object") {
    if (typeof actual !== "object" || Array.isArray(actual)) return [`${path}: expected an object`];
    const a = actual as Record<string, unknown>;
    const e = example as Record<string, unknown>;
    const out: string[] = [];
    for (const k of Object.keys(a)) if (!(k in e)) out.push(`${path}.${k}: not in the documented example`);
    for (const k of Object.keys(e)) {
      if (k in a) out.push(...shapeProblems(a[k], e[k], `${path}.${k}`));
      else if (k === "analytics") continue;
      else if ((k === "startTime" || k === "stopTime") && a.active === false) continue;
      else out.push(`${path}.${k}: documented but missing`);
    }
    return out;
  }
  return typeof actual === typeof example ? [] : [`${path}: ${typeof actual} where the example has ${typeof example}`];
}

/** Keep only the keys of the documented example, recursively (lists item by item against its first item). */
function project(actual: unknown, example: unknown): unknown {
  if (actual === null || actual === undefined || example === null) return actual;
  if (Array.isArray(example)) return Array.isArray(actual) && example.length > 0 ? actual.map((a) => project(a, example[0])) : actual;
  if (typeof example === "object" && typeof actual === "object" && !Array.isArray(actual)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(actual as Record<string, unknown>)) if (k in (example as object)) out[k] = project(v, (example as Record<string, unknown>)[k]);
    return out;
  }
  return actual;
}

async function body(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(payload));
}

function alturHttp(url: string) {
  return createHttpClient({
    provider: "altur",
    account: "default",
    baseUrl: url,
    auth: { name: "Authorization", value: "api-key sandbox" },
    requestsPerSecond: 1000,
    concurrency: 4,
    readOnly: false,
    maxRetries: 0,
  });
}

const sb = useSandbox({ rateLimits: false });

// -------------------------------------------------------------------------------------------------
describe("Altur: the client parses every documented example response", () => {
  it("detail / PATCH / lifecycle example: what it carries is read, what it lacks is missing (never null)", () => {
    for (const name of ["detail-response", "update-response", "lifecycle-response"]) {
      const live = fromDetail(fixture("altur", name).campaign, { provider: "altur", account: "default", operation: "read campaign 123", method: "GET", path: "/campaigns/123", status: 200 });
      expect(live.id).toBe("123");
      expect(live.status).toBeUndefined();
      expect(live.spec).toMatchObject({ name: "<string>", agent_id: "<string>", integration_id: "<string>" });
      expect(Object.keys(live.spec.scheduling as object)).toEqual(DAYS);
      expect(live.spec.cycles).toMatchObject({ enabled: true, max_iterations: 7, cooldown_minutes: 720, schedule_start_date: "2023-12-25" });
      for (const absent of ["status", "archived", "retries", "timezone", "description", "integration_type", "message_limit", "template_alt", "cycles.mode"]) {
        expect(live.missing).toContain(absent);
      }
      expect(live.spec).not.toHaveProperty("retries");
      expect(live.spec.cycles).not.toHaveProperty("mode");
    }
  });

  it.each(["list-response-en", "list-response-es-b", "list-response-es-a"])("list example %s: every revision's spelling is read", (name) => {
    const [item] = fixture("altur", name).campaigns;
    const live = fromListItem(item, { provider: "altur", account: "default", operation: "list campaigns", method: "GET", path: "/campaigns", status: 200 });
    expect(live).toMatchObject({ id: "123", status: "active" });
    expect(live.spec).toMatchObject({ name: "<string>", retries: 1, timezone: "<string>", archived: false, agent_id: "<string>" });
    expect(live.spec.cycles).toEqual({ enabled: true, max_iterations: 7, cooldown_minutes: 720, filter_statuses: ["<string>"], filter_tags: ["<string>"] });
    // ES-A's `endTime` is read as `stopTime`.
    expect((live.spec.scheduling as Record<string, unknown>).mon).toEqual({ startTime: "<string>", stopTime: "<string>", active: true });
    expect(live.missing).toEqual(expect.arrayContaining(["integration_id", "integration_type", "message_limit", "cycles.mode", "cycles.schedule"]));
  });

  it("create answer (undocumented): the id is found in every plausible place, or reported absent", () => {
    expect(createdId({ success: true, campaign: { id: 7 } })).toBe("7");
    expect(createdId({ id: 8 })).toBe("8");
    expect(createdId({ campaign_id: "9" })).toBe("9");
    expect(createdId({ data: { id: 10 } })).toBe("10");
    expect(createdId({ success: true })).toBeUndefined();
    expect(createdId(null)).toBeUndefined();
  });

  describe("over HTTP against canned pages", () => {
    let pages: Record<string, { status: number; body: unknown }>;
    const hits: string[] = [];
    let server: Server;
    let url: string;
    beforeAll(async () => {
      ({ server, url } = await listen((req, res) => {
        const u = new URL(req.url ?? "/", "http://x");
        const key = `${req.method} ${u.pathname}?${u.searchParams.get("cursor") ?? ""}|${u.searchParams.get("pageIndex") ?? ""}`;
        hits.push(key);
        const page = pages[key] ?? pages[`${req.method} ${u.pathname}`];
        if (!page) return send(res, 500, { error: "SERVER_ERROR", message: `no canned answer for ${key}` });
        send(res, page.status, page.body);
      }));
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    const item = (id: number) => ({ ...alturList.campaigns[0], id, name: `c${id}` });

    it("each documented list revision parses through list()", async () => {
      for (const name of ["list-response-en", "list-response-es-b", "list-response-es-a"]) {
        pages = { "GET /campaigns": { status: 200, body: fixture("altur", name) } };
        const listed = await createAlturClient(alturHttp(url)).list!();
        expect(listed.map((c) => [c.id, c.status])).toEqual([["123", "active"]]);
      }
    });

    it("the index scheme (next_page → pageIndex) is followed like the cursor scheme", async () => {
      pages = {
        "GET /campaigns?|": { status: 200, body: { total_count: 3, campaigns: [item(1), item(2)], pagination: { has_next: true, has_previous: false, next_page: 1, previous_page: null } } },
        "GET /campaigns?|1": { status: 200, body: { campaigns: [item(3)], pagination: { has_next: false, has_previous: true, next_page: null, previous_page: 0 } } },
      };
      expect((await createAlturClient(alturHttp(url)).list!()).map((c) => c.id)).toEqual(["1", "2", "3"]);
      pages = {
        "GET /campaigns?|": { status: 200, body: { total_count: 2, campaigns: [item(1)], pagination: { has_more: true, next_cursor: "abc" } } },
        "GET /campaigns?abc|": { status: 200, body: { campaigns: [item(2)], pagination: { has_more: false } } },
      };
      expect((await createAlturClient(alturHttp(url)).list!()).map((c) => c.id)).toEqual(["1", "2"]);
    });

    it.each([
      ["a page that repeats", { "GET /campaigns?|": { campaigns: [item(1)], pagination: { has_next: true, next_cursor: "a" } }, "GET /campaigns?a|": { campaigns: [item(1)], pagination: { has_next: true, next_cursor: "b" } } }, /repeats campaigns already listed/],
      ["a pointer back to a page already read", { "GET /campaigns?|": { campaigns: [item(1)], pagination: { has_next: true, next_cursor: "a" } }, "GET /campaigns?a|": { campaigns: [item(2)], pagination: { has_next: true, next_cursor: "a" } } }, /points back to a page already read/],
      ["no end marker", { "GET /campaigns?|": { campaigns: [item(1)], pagination: {} } }, /no end marker/],
      ["more without a pointer", { "GET /campaigns?|": { campaigns: [item(1)], pagination: { has_next: true } } }, /no next_cursor or next_page/],
      ["an end short of total_count", { "GET /campaigns?|": { total_count: 5, campaigns: [item(1)], pagination: { has_next: false } } }, /total_count says 5/],
    ])("a listing that may be partial is an error, never a silent end: %s", async (_what, canned, message) => {
      pages = Object.fromEntries(Object.entries(canned).map(([k, v]) => [k, { status: 200, body: v }]));
      await expect(createAlturClient(alturHttp(url)).list!()).rejects.toThrow(message);
      await expect(createAlturClient(alturHttp(url)).list!()).rejects.toThrow(/^altur: list campaigns: unexpected answer \(.*refusing to go on with a listing that may be partial\)$/);
      // One error family: the same ProviderApiError (kind "answer") as a body the HTTP layer refuses.
      const err: unknown = await createAlturClient(alturHttp(url)).list!().catch((e: unknown) => e);
      expect(isProviderApiError(err)).toBe(true);
      expect(err).toMatchObject({ kind: "answer", provider: "altur", account: "default", method: "GET", path: "/campaigns", status: 200, retryable: false, ambiguous: false });
    });

    it("a walk asking for its next page before reading this one asks for exactly the pages it reads: none after a failing page or a found lookup", async () => {
      pages = {
        "GET /campaigns?|": { status: 200, body: { total_count: 5, campaigns: [item(1), item(2)], pagination: { has_next: true, next_cursor: "b" } } },
        "GET /campaigns?b|": { status: 200, body: { campaigns: [item(3), item(4)], pagination: { has_next: true, next_cursor: "c" } } },
        "GET /campaigns?c|": { status: 200, body: { campaigns: [item(5)], pagination: { has_next: false } } },
      };
      hits.length = 0;
      expect((await createAlturClient(alturHttp(url)).list!()).map((c) => c.id)).toEqual(["1", "2", "3", "4", "5"]);
      expect(hits).toEqual(["GET /campaigns?|", "GET /campaigns?b|", "GET /campaigns?c|"]);

      // Page "a" repeats page 1 and names a page "b" with no answer: the walk fails on "a" and never asks for "b".
      pages = {
        "GET /campaigns?|": { status: 200, body: { campaigns: [item(1)], pagination: { has_next: true, next_cursor: "a" } } },
        "GET /campaigns?a|": { status: 200, body: { campaigns: [item(1)], pagination: { has_next: true, next_cursor: "b" } } },
      };
      hits.length = 0;
      await expect(createAlturClient(alturHttp(url)).list!()).rejects.toThrow(/repeats campaigns already listed/);
      await new Promise((r) => setTimeout(r, 50));
      expect(hits).toEqual(["GET /campaigns?|", "GET /campaigns?a|"]);

      // A lookup found on page 1 asks for nothing more.
      pages = {
        "GET /campaigns?|": { status: 200, body: { campaigns: [item(1), item(2)], pagination: { has_next: true, next_cursor: "b" } } },
        "GET /campaigns?b|": { status: 200, body: { campaigns: [item(3)], pagination: { has_next: false } } },
      };
      hits.length = 0;
      expect((await createAlturClient(alturHttp(url)).lookup!("2", {}))?.id).toBe("2");
      await new Promise((r) => setTimeout(r, 50));
      expect(hits).toEqual(["GET /campaigns?|"]);
    });

    it("lookups by id share list walks: one walk serves every lookup waiting for it; one asked mid-walk gets the next walk", async () => {
      pages = {
        "GET /campaigns?|": { status: 200, body: { total_count: 6, campaigns: [item(1), item(2)], pagination: { has_next: true, next_cursor: "b" } } },
        "GET /campaigns?b|": { status: 200, body: { campaigns: [item(3), item(4)], pagination: { has_next: true, next_cursor: "c" } } },
        "GET /campaigns?c|": { status: 200, body: { campaigns: [item(5), item(6)], pagination: { has_next: false } } },
      };
      const client = createAlturClient(alturHttp(url));
      hits.length = 0;
      const found = await Promise.all([client.lookup!("2", {}), client.lookup!("5", {}), client.lookup!("99", {}), client.lookup!("5", {})]);
      expect(found.map((c) => c?.id)).toEqual(["2", "5", undefined, "5"]);
      // One walk of the 3 pages (99 is on none), not 2 + 3 + 3 + 3 pages.
      expect(hits).toEqual(["GET /campaigns?|", "GET /campaigns?b|", "GET /campaigns?c|"]);

      hits.length = 0;
      const late = client.lookup!("6", {});
      while (hits.length === 0) await new Promise((r) => setTimeout(r, 1));
      // Asked after the walk for 6 read page 1: it must not be answered from that walk, which may predate its write.
      const early = client.lookup!("1", {});
      expect((await late)?.id).toBe("6");
      expect((await early)?.id).toBe("1");
      expect(hits).toEqual(["GET /campaigns?|", "GET /campaigns?b|", "GET /campaigns?c|", "GET /campaigns?|"]);
    });

    it("a list answer without a campaigns list is an unexpected answer, never an empty account", async () => {
      pages = { "GET /campaigns": { status: 200, body: { total_count: 0 } } };
      await expect(createAlturClient(alturHttp(url)).list!()).rejects.toThrow(/^altur: list campaigns: unexpected answer/);
    });

    it("the documented error body (integer `error`) is read: status, message", async () => {
      pages = { "PATCH /campaigns/5": { status: 409, body: fixture("altur", "error-response") } };
      const err = await createAlturClient(alturHttp(url)).update("5", { retries: 2 }).catch((e: unknown) => e);
      expect(isProviderApiError(err)).toBe(true);
      if (isProviderApiError(err)) {
        expect(err.status).toBe(409);
        expect(err.providerMessage).toBe("<string>");
      }
    });

    it("PATCH and lifecycle answers shaped like the examples parse; a create answer without id gives no id", async () => {
      pages = {
        "PATCH /campaigns/123": { status: 200, body: fixture("altur", "update-response") },
        "POST /campaigns/123/pause": { status: 200, body: fixture("altur", "lifecycle-response") },
        "POST /campaigns": { status: 201, body: { success: true } },
      };
      const client = createAlturClient(alturHttp(url));
      expect((await client.update("123", { retries: 2 }))?.missing).toContain("retries");
      expect((await client.action!("123", "pause"))?.status).toBeUndefined();
      expect(await client.create({ name: "x" }, { idempotencyKey: "k" })).toEqual({});
    });
  });
});

describe("Extrovert: the client parses every documented example response", () => {
  it("create answer → the id; update answer (data: null) → nothing to verify", async () => {
    const { server, url } = await listen((req, res) => {
      if (req.method === "POST") send(res, 201, fixture("extrovert", "create-response"));
      else send(res, 200, fixture("extrovert", "update-response"));
    });
    try {
      const http = createHttpClient({ provider: "extrovert", account: "default", baseUrl: url, auth: { name: "X-API-Key", value: "k" }, requestsPerSecond: 1000, concurrency: 2, readOnly: false, maxRetries: 0 });
      const client = createExtrovertClient(http);
      expect(await client.create(fixture("extrovert", "create-request"), { idempotencyKey: "k" })).toEqual({ id: "8d256aa6-9b12-49a7-93ee-bf41634b5b60" });
      expect(await client.update("8d256aa6-9b12-49a7-93ee-bf41634b5b60", fixture("extrovert", "update-request"))).toBeUndefined();
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

// -------------------------------------------------------------------------------------------------
/** A documented Altur week with the placeholders replaced by times the validator accepts. */
function week(): Record<string, unknown> {
  return Object.fromEntries(DAYS.map((d) => [d, { startTime: "09:00", stopTime: "17:00", active: true }]));
}

/** An example request with its "<string>" placeholders made valid (see the fixtures' README). */
function filled(example: any, overrides: Record<string, unknown>): any {
  const out = structuredClone(example);
  if (out.scheduling) out.scheduling = week();
  if (out.cycles?.schedule) out.cycles.schedule = week();
  for (const k of ["name", "description", "first_message", "template", "template_alt"]) if (out[k] === "<string>") out[k] = `example ${k}`;
  if (out.timezone === "<string>") out.timezone = "America/Mexico_City";
  if (out.cycles?.filter_statuses) out.cycles.filter_statuses = ["voicemail"];
  if (out.cycles?.filter_tags) out.cycles.filter_tags = ["vip"];
  return { ...out, ...overrides };
}

describe("Altur sandbox: accepts every documented example request, answers in the example's shape", () => {
  it("create (the create page's fields, without integration_type as on the page) → 201 with a detail of the documented keys", async () => {
    const req = filled(fixture("altur", "create-request"), { agent_id: "agent_demo_01", integration_id: "integ_phone_01" });
    const res = await sb.request("altur", "POST", "/campaigns", req);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(shapeProblems(res.body, alturDetail)).toEqual([]);
    const detail = await sb.request("altur", "GET", `/campaigns/${res.body.campaign.id}`);
    expect(shapeProblems(detail.body, alturDetail)).toEqual([]);
    // Every documented key is there (analytics only with a snapshot, which the simulator never has).
    expect(Object.keys(detail.body.campaign).sort()).toEqual(Object.keys(alturDetail.campaign).filter((k) => k !== "analytics").sort());
  });

  it("PATCH: the two literal curl examples and the schema example (per channel) → 200 with the documented keys", async () => {
    const phone = await sb.request("altur", "POST", "/campaigns", filled(fixture("altur", "create-request"), { agent_id: "agent_demo_01", integration_id: "integ_phone_01" }));
    const id = phone.body.campaign.id;
    for (const name of ["update-request-rename", "update-request-cooldown"]) {
      const res = await sb.request("altur", "PATCH", `/campaigns/${id}`, fixture("altur", name));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(shapeProblems(res.body, fixture("altur", "update-response"))).toEqual([]);
    }
    const listed = (await sb.request("altur", "GET", "/campaigns")).body.campaigns.find((c: any) => c.id === id);
    expect(listed).toMatchObject({ name: "Q2 Reactivation - wave 2", retries: 2, cycle_cooldown_minutes: 60 });

    const schemaExample = fixture("altur", "update-request");
    const { template: _t, template_alt: _ta, ...phoneFields } = schemaExample;
    const { cycles: cyclesExample, ...phoneTop } = phoneFields;
    const { enabled: _e, ...mutableCycles } = cyclesExample; // cycles.enabled is immutable: IMMUTABLE_FIELD by the documented rule
    const res = await sb.request("altur", "PATCH", `/campaigns/${id}`, filled({ ...phoneTop, cycles: mutableCycles }, {}));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(shapeProblems(res.body, fixture("altur", "update-response"))).toEqual([]);

    const wa = await sb.request("altur", "POST", "/campaigns", { name: "WA", agent_id: "agent_demo_01", integration_id: "integ_wa_01" });
    const { first_message: _f, cycles: _c, ...waFields } = schemaExample;
    const waRes = await sb.request("altur", "PATCH", `/campaigns/${wa.body.campaign.id}`, filled(waFields, {}));
    expect(waRes.status, JSON.stringify(waRes.body)).toBe(200);
    expect(shapeProblems(waRes.body, fixture("altur", "update-response"))).toEqual([]);
  });

  it("list and lifecycle answers carry exactly the documented keys", async () => {
    const c = await sb.request("altur", "POST", "/campaigns", filled(fixture("altur", "create-request"), { agent_id: "agent_demo_01", integration_id: "integ_phone_01" }));
    const list = await sb.request("altur", "GET", "/campaigns");
    expect(shapeProblems(list.body, alturList)).toEqual([]);
    expect(Object.keys(list.body.campaigns[0]).sort()).toEqual(Object.keys(alturList.campaigns[0]).sort());
    for (const action of ["activate", "pause", "resume", "archive"]) {
      const res = await sb.request("altur", "POST", `/campaigns/${c.body.campaign.id}/${action}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(shapeProblems(res.body, fixture("altur", "lifecycle-response"))).toEqual([]);
    }
  });
});

describe("Extrovert sandbox: accepts every documented example request, answers in the example's shape", () => {
  const ids = { ownerId: "e0000000-0000-4000-8000-000000000001", userStyleId: "e0000000-0000-4000-8000-000000000002", userContextId: "e0000000-0000-4000-8000-000000000003" };
  const topic = "e0000000-0000-4000-8000-000000000004";
  /** The sandbox adds `statusCode`, which the intro page documents as part of the envelope. */
  const withoutStatusCode = (b: Record<string, unknown>) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== "statusCode"));

  it("create and full-body update examples → 201 { id } and 200 null", async () => {
    const example = fixture("extrovert", "create-request");
    const create = { ...example, ...ids, type: "TARGET_USER", postActivityFilter: { ...example.postActivityFilter, monitoredTopicIds: [topic] } };
    const res = await sb.request("extrovert", "POST", "/campaign", create);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(shapeProblems(withoutStatusCode(res.body), fixture("extrovert", "create-response"))).toEqual([]);
    const id = res.body.data.id;
    const update = fixture("extrovert", "update-request");
    const { ownerId: _o, ...idsForUpdate } = ids;
    const upd = await sb.request("extrovert", "PATCH", `/campaign/${id}`, { ...update, ...idsForUpdate, id, postActivityFilter: { ...update.postActivityFilter, monitoredTopicIds: [topic] } });
    expect(upd.status, JSON.stringify(upd.body)).toBe(200);
    expect(withoutStatusCode(upd.body)).toEqual(fixture("extrovert", "update-response"));
  });
});

// -------------------------------------------------------------------------------------------------
/**
 * A stand-in Altur API in front of the sandbox that answers with exactly the keys of the documented
 * examples (list item, detail), whatever the simulator would add. `createAnswer` chooses the
 * undocumented create answer: the detail, or `{ success: true }` without any id.
 */
async function docShapedAltur(createAnswer: "detail" | "no-id"): Promise<{ url: string; close: () => Promise<void> }> {
  const { server, url } = await listen(async (req, res) => {
    const text = await body(req);
    const path = (req.url ?? "/").replace(/^\/api\/v1\.0/, "");
    const upstream = await fetch(`${sb.urls.altur}${path}`, {
      method: req.method ?? "GET",
      headers: { "content-type": "application/json", authorization: String(req.headers.authorization ?? ""), ...(req.headers["idempotency-key"] ? { "idempotency-key": String(req.headers["idempotency-key"]) } : {}) },
      ...(text === "" ? {} : { body: text }),
    });
    const payload = (await upstream.json().catch(() => null)) as Json;
    if (upstream.status >= 300) return send(res, upstream.status, payload);
    const pathname = path.split("?")[0] ?? "";
    let shaped: unknown = payload;
    if (req.method === "GET" && pathname === "/campaigns") shaped = project(payload, alturList);
    else if (req.method === "POST" && pathname === "/campaigns") shaped = createAnswer === "no-id" ? { success: true } : project(payload, alturDetail);
    else if (/^\/campaigns\/\d+(\/(activate|pause|resume|archive))?$/.test(pathname)) shaped = project(payload, alturDetail);
    send(res, upstream.status, shaped);
  });
  return { url: `${url}/api/v1.0`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("plan → apply → plan against a stand-in with exactly the documented Altur example keys", () => {
  let ws: TestWorkspace;
  let standIn: { url: string; close: () => Promise<void> };

  async function useStandIn(createAnswer: "detail" | "no-id"): Promise<void> {
    standIn = await docShapedAltur(createAnswer);
    await writeFile(
      join(ws.dir, "campaignctl.yaml"),
      stringify({ apiVersion: "campaignctl/v1", accounts: [{ provider: "altur", apiKeyEnv: "ALTUR_API_KEY", baseUrl: standIn.url }] }),
    );
  }

  beforeEach(async () => {
    ws = await TestWorkspace.create(sb);
  });
  afterEach(async () => {
    await standIn?.close();
    await ws.dispose();
  });

  const spec = {
    name: "Q2 Reactivation",
    agent_id: "agent_demo_01",
    integration_id: "integ_phone_01",
    integration_type: "phone_call",
    retries: 1,
    timezone: "Europe/Madrid",
    first_message: "Hola",
    scheduling: { mon: { startTime: "09:00", stopTime: "17:00", active: true } },
    cycles: { enabled: true, mode: "cooldown", max_iterations: 3, cooldown_minutes: 720 },
  };
  const expectEmptyPlan = async () => {
    const again = await ws.run(["plan", "--detailed-exitcode"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  };

  it("adopting by name, the docs' own PATCH {\"retries\": 2}, activate and pause: apply exits 0, the next plan is empty", async () => {
    await useStandIn("detail");
    // A campaign made outside campaignctl (e.g. in the dashboard).
    const made = await sb.request("altur", "POST", "/campaigns", { ...spec, integration_type: undefined, cycles: { ...spec.cycles } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const id = String(made.body.campaign.id);

    await ws.write("q2", "AlturCampaign", { ...spec, retries: 2, status: "active" });
    const plan = JSON.parse((await ws.run(["plan", "--format", "json"])).stdout);
    const c = plan.campaigns[0];
    expect(c).toMatchObject({ identity: "adopted", id, action: "update", status: "pending" });
    // integration_type and cycles.mode are returned by no response: never a replace.
    expect(c.changes.map((x: { path: string }) => x.path).sort()).toEqual(["retries", "status"]);

    await sb.clearRequests("altur");
    const applied = await ws.run(["apply", "--auto-approve"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const writes = (await sb.requests("altur")).filter((r) => r.method !== "GET");
    expect(writes.map((r) => [r.method, r.path, r.body])).toEqual([
      ["PATCH", `/api/v1.0/campaigns/${id}`, { retries: 2 }],
      ["POST", `/api/v1.0/campaigns/${id}/activate`, null],
    ].map(([m, p, b]) => (b === null ? [m, p, undefined] : [m, p, b])));
    const stored = (await sb.campaigns("altur")).find((x: any) => String(x.id) === id) as any;
    expect(stored).toMatchObject({ retries: 2, status: "active" });
    await expectEmptyPlan();

    await ws.write("q2", "AlturCampaign", { ...spec, retries: 2, status: "inactive" });
    const paused = await ws.run(["apply", "--auto-approve"]);
    expect(paused.code, paused.stdout + paused.stderr).toBe(0);
    expect(((await sb.campaigns("altur")).find((x: any) => String(x.id) === id) as any).status).toBe("inactive");
    await expectEmptyPlan();
  });

  it("import writes a file that validates (and says what it could not read); the next plan is empty", async () => {
    await useStandIn("detail");
    const made = await sb.request("altur", "POST", "/campaigns", { ...spec, name: "Imported one", message_limit: 250 });
    const id = String(made.body.campaign.id);
    await sb.request("altur", "POST", `/campaigns/${id}/activate`);
    const imported = await ws.run(["import", "--provider", "altur", "--id", id]);
    expect(imported.code, imported.stdout + imported.stderr).toBe(0);
    const text = readFileSync(join(ws.dir, "campaigns", "imported-one.yaml"), "utf8");
    expect(text).toMatch(/^# integration_type: Altur does not return it; inferred from its first_message/m);
    expect(text).toMatch(/^# cycles\.mode: Altur does not return it; cooldown is assumed/m);
    expect(text).toMatch(/^# message_limit, template_alt: Altur does not return them/m);
    expect(text).toMatch(/status: active/);
    expect((await ws.run(["validate"])).code).toBe(0);
    await expectEmptyPlan();
  });

  it("a create whose answer carries no id is resolved by the campaign's exact name; the id is recorded, the next plan is empty", async () => {
    await useStandIn("no-id");
    await ws.write("fresh", "AlturCampaign", { ...spec, name: "Fresh campaign", status: "active" });
    const applied = await ws.run(["apply", "--auto-approve"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout + applied.stderr).toMatch(/answered the create without an id; found the new campaign by its name/);
    const [stored] = (await sb.campaigns("altur")) as any[];
    expect((await ws.state()).campaigns["altur/default/fresh"]?.id).toBe(String(stored.id));
    expect(stored).toMatchObject({ name: "Fresh campaign", status: "active" });
    expect(await sb.campaigns("altur")).toHaveLength(1);
    await expectEmptyPlan();
  });
});
