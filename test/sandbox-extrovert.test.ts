/**
 * The Extrovert simulator over real HTTP on 127.0.0.1: one test per rule of src/providers/extrovert/README.md,
 * named after the rule. Every test starts from a reset sandbox (fixtures only) with the rate limit off,
 * except the rate-limit test, which restores the provider default.
 */
import { describe, expect, it } from "vitest";
import { useSandbox, type Reply } from "./support/sandbox.js";

const sb = useSandbox({ rateLimits: false });

const OWNER = "e0000000-0000-4000-8000-000000000001";
const STYLE = "e0000000-0000-4000-8000-000000000002";
const CONTEXT = "e0000000-0000-4000-8000-000000000003";
const TOPIC = "e0000000-0000-4000-8000-000000000004";
const MISSING = "e0000000-0000-4000-8000-00000000dead";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Body = Record<string, any>;

function writeBody(): Body {
  return {
    name: "Founders who post about AI",
    userStyleId: STYLE,
    userContextId: CONTEXT,
    postMaxAgeDays: 30,
    skipTeammatesLeads: true,
    isIndirectEngagementEnabled: false,
    postActivityFilter: {
      emotionTypes: ["LIKE", "PRAISE"],
      monitoredTopicIds: [TOPIC],
      isShowImportantTargetUsersFirstEnabled: true,
      isShowDirectPostFirstEnabled: false,
      minPostLikes: 25,
    },
    connectingSettings: {
      isSendConnectionRequestEnabled: true,
      sendConnectionRequestOnDirectCommentCount: 2,
      isSendConnectionRequestOnIndirectCommentEnabled: false,
      sendConnectionRequestOnIndirectCommentCount: 0,
      isSendConnectionRequestOnTimeoutEnabled: true,
      sendConnectionRequestOnTimeoutDays: 14,
      isSendConnectionRequestOnNoPostsEnabled: false,
    },
    dmSettings: {
      isGenerateDmEnabled: true,
      isGenerateDmOnConnectEnabled: true,
      generateDmOnConnectAfterDaysCount: 1,
      isGenerateDmOnRelevantPostEnabled: false,
      generateDmOnRelevantPostAfterDaysCount: 0,
      isGenerateDmOnTimeoutEnabled: false,
      generateDmOnTimeoutAfterDaysCount: 0,
    },
    applyCommentIntervalH: 48,
  };
}

const createBody = (over: Body = {}): Body => ({ ownerId: OWNER, type: "TARGET_USER", ...writeBody(), ...over });
const updateBody = (id: string, over: Body = {}): Body => ({ id, ...writeBody(), ...over });
const without = (body: Body, key: string): Body => {
  const copy = structuredClone(body);
  delete copy[key];
  return copy;
};
/** Copy of body with a nested value set (path like "dmSettings.isGenerateDmEnabled"); undefined deletes it. */
function withPath(body: Body, path: string, value: unknown): Body {
  const copy = structuredClone(body);
  const keys = path.split(".");
  let target = copy;
  for (const k of keys.slice(0, -1)) target = target[k];
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

const api = (method: string, path: string, body?: unknown, opts?: Parameters<typeof sb.request>[4]): Promise<Reply> =>
  sb.request("extrovert", method, path, body, opts);

async function create(over: Body = {}): Promise<string> {
  const res = await api("POST", "/campaign", createBody(over));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.id as string;
}

async function stored(id: string): Promise<Body> {
  const res = await api("GET", `/campaign/${id}`);
  expect(res.status).toBe(200);
  return res.body.data;
}

function expectError(res: Reply, status: number, message?: RegExp): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ status: "error", data: null, message: expect.any(String), statusCode: status });
  if (message) expect(res.body.message).toMatch(message);
}

const CREATE_REQUIRED = [
  "ownerId",
  "type",
  "name",
  "userStyleId",
  "userContextId",
  "postMaxAgeDays",
  "skipTeammatesLeads",
  "isIndirectEngagementEnabled",
  "postActivityFilter",
  "connectingSettings",
  "dmSettings",
];
const UPDATE_REQUIRED = [
  "id",
  "name",
  "userStyleId",
  "userContextId",
  "postMaxAgeDays",
  "skipTeammatesLeads",
  "isIndirectEngagementEnabled",
  "postActivityFilter",
  "connectingSettings",
  "dmSettings",
];
const NESTED_KEYS = [
  ...["emotionTypes", "monitoredTopicIds", "isShowImportantTargetUsersFirstEnabled", "isShowDirectPostFirstEnabled", "minPostLikes"].map(
    (k) => `postActivityFilter.${k}`,
  ),
  ...[
    "isSendConnectionRequestEnabled",
    "sendConnectionRequestOnDirectCommentCount",
    "isSendConnectionRequestOnIndirectCommentEnabled",
    "sendConnectionRequestOnIndirectCommentCount",
    "isSendConnectionRequestOnTimeoutEnabled",
    "sendConnectionRequestOnTimeoutDays",
    "isSendConnectionRequestOnNoPostsEnabled",
  ].map((k) => `connectingSettings.${k}`),
  ...[
    "isGenerateDmEnabled",
    "isGenerateDmOnConnectEnabled",
    "generateDmOnConnectAfterDaysCount",
    "isGenerateDmOnRelevantPostEnabled",
    "generateDmOnRelevantPostAfterDaysCount",
    "isGenerateDmOnTimeoutEnabled",
    "generateDmOnTimeoutAfterDaysCount",
  ].map((k) => `dmSettings.${k}`),
];
const NON_NEGATIVE_INTS = NESTED_KEYS.filter((k) => /(Count|Days|Likes)$/.test(k));

describe("base URL, auth and envelope", () => {
  it.each(["/webgateway/api/client/v2", "/api/client/v2", "/client/v2"])("every route is served under %s", async (base) => {
    const origin = sb.origins.extrovert;
    const res = await fetch(`${origin}${base}/user/team-members`, { headers: { "X-API-Key": sb.apiKey } });
    expect(res.status).toBe(200);
    const created = await fetch(`${origin}${base}/campaign`, {
      method: "POST",
      headers: { "X-API-Key": sb.apiKey, "Content-Type": "application/json" },
      body: JSON.stringify(createBody()),
    });
    expect(created.status).toBe(201);
  });

  it("the start-up URL is the gateway form …/webgateway/api/client/v2", () => {
    expect(sb.urls.extrovert).toMatch(/\/webgateway\/api\/client\/v2$/);
  });

  it("X-API-Key auth: the intro page's lower-case x-api-key works too", async () => {
    expect((await api("GET", "/user/team-members", undefined, { auth: false, headers: { "x-api-key": sb.apiKey } })).status).toBe(200);
    expect((await api("GET", "/user/team-members", undefined, { auth: false, headers: { "X-API-KEY": sb.apiKey } })).status).toBe(200);
  });

  it("missing or invalid API key → 401 in the error envelope", async () => {
    expectError(await api("GET", "/user/team-members", undefined, { auth: false }), 401);
    expectError(await api("GET", "/user/team-members", undefined, { auth: "not-the-key" }), 401);
    expectError(await api("POST", "/campaign", createBody(), { auth: false }), 401);
    expect(await sb.campaigns("extrovert")).toEqual([]);
  });

  it("success envelope: status success, data, message 'Operation completed successfully', statusCode mirrors HTTP", async () => {
    const res = await api("GET", "/user/team-members");
    expect(res.body).toMatchObject({ status: "success", message: "Operation completed successfully", statusCode: 200 });
    expect(Array.isArray(res.body.data)).toBe(true);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("unknown path → 404 in the error envelope", async () => {
    expectError(await api("GET", "/campaigns"), 404);
    expectError(await api("GET", "/prospects/move"), 404);
  });

  it("wrong method on a known path → 405 with Allow", async () => {
    const res = await api("DELETE", `/campaign/${await create()}`);
    expectError(res, 405);
    expect(res.headers.get("allow")).toBe("PATCH, GET");
    expectError(await api("PUT", "/campaign", createBody()), 405);
  });

  it("malformed JSON → 400 in the error envelope", async () => {
    expectError(await api("POST", "/campaign", undefined, { rawBody: "{not json" }), 400, /Malformed JSON/);
  });

  it("rate limit: 10 requests/second per key by default, then 429 'Too many requests' with Retry-After: 1", async () => {
    await sb.setFaults("extrovert", { requestsPerSecond: null });
    // One concurrent burst (robust on a loaded machine): the bucket lets 10 through, plus at most what
    // refilled at 10/s while the burst was under way; the rest get 429.
    const started = Date.now();
    const replies: Reply[] = await Promise.all(Array.from({ length: 60 }, () => api("GET", "/user/team-members")));
    const elapsedS = (Date.now() - started) / 1000;
    const ok = replies.filter((r) => r.status === 200).length;
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(ok).toBeLessThanOrEqual(10 + Math.ceil(elapsedS * 10));
    expect(replies.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    const limited = replies.find((r) => r.status === 429) as Reply;
    expectError(limited, 429, /^Too many requests$/);
    expect(limited.headers.get("retry-after")).toBe("1");
  });
});

describe("POST /campaign (create)", () => {
  it("create → 201 with data { id } (a UUID)", async () => {
    const res = await api("POST", "/campaign", createBody());
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ status: "success", data: { id: expect.stringMatching(UUID) }, message: "Operation completed successfully", statusCode: 201 });
  });

  it("a created campaign stores the write shape plus id, ownerId, type, status ACTIVE, createdAt, updatedAt", async () => {
    const id = await create();
    const campaign = await stored(id);
    expect(campaign).toEqual({
      ...createBody(),
      id,
      status: "ACTIVE",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(campaign.createdAt).toBe(campaign.updatedAt);
  });

  it.each(CREATE_REQUIRED)("create without %s → 400 naming it, nothing stored", async (field) => {
    expectError(await api("POST", "/campaign", without(createBody(), field)), 400, new RegExp(`\\b${field} is required`));
    expect(await sb.campaigns("extrovert")).toEqual([]);
  });

  it("applyCommentIntervalH is optional on create", async () => {
    const id = await create({ applyCommentIntervalH: undefined });
    expect(await stored(id)).not.toHaveProperty("applyCommentIntervalH");
  });

  it("name must be at least 1 character → 400", async () => {
    expectError(await api("POST", "/campaign", createBody({ name: "" })), 400, /name must be longer than or equal to 1 characters/);
  });

  it("type must be TARGET_USER or KEYWORD → 400", async () => {
    expectError(await api("POST", "/campaign", createBody({ type: "TOPIC" })), 400, /type must be one of the following values: TARGET_USER, KEYWORD/);
    expect((await api("POST", "/campaign", createBody({ type: "KEYWORD" }))).status).toBe(201);
  });

  it("ownerId must be a known team member → 404", async () => {
    expectError(await api("POST", "/campaign", createBody({ ownerId: MISSING })), 404, /team member/);
    expect(await sb.campaigns("extrovert")).toEqual([]);
  });

  it("unknown userStyleId → 404", async () => {
    expectError(await api("POST", "/campaign", createBody({ userStyleId: MISSING })), 404, /style .* not found/);
  });

  it("unknown userContextId → 404", async () => {
    expectError(await api("POST", "/campaign", createBody({ userContextId: MISSING })), 404, /context .* not found/);
  });

  it("unknown monitored topic id in postActivityFilter.monitoredTopicIds → 404", async () => {
    expectError(await api("POST", "/campaign", withPath(createBody(), "postActivityFilter.monitoredTopicIds", [TOPIC, MISSING])), 404, /monitored topic/);
  });

  it("unknown fields → 400 (property … should not exist), top level and nested", async () => {
    expectError(await api("POST", "/campaign", createBody({ status: "ACTIVE" })), 400, /property status should not exist/);
    expectError(await api("POST", "/campaign", withPath(createBody(), "dmSettings.extra", true)), 400, /property dmSettings\.extra should not exist/);
  });

  it.each(["postMaxAgeDays", "applyCommentIntervalH", ...NON_NEGATIVE_INTS])("negative integer %s → 400", async (path) => {
    expectError(await api("POST", "/campaign", withPath(createBody(), path, -1)), 400, new RegExp(path.replace(".", "\\.")));
  });

  it("postMaxAgeDays and applyCommentIntervalH must be greater than 0 (0 < x)", async () => {
    expectError(await api("POST", "/campaign", createBody({ postMaxAgeDays: 0 })), 400, /postMaxAgeDays must be greater than 0/);
    expectError(await api("POST", "/campaign", createBody({ applyCommentIntervalH: 0 })), 400, /applyCommentIntervalH must be greater than 0/);
  });

  it("the other integers accept 0 (non-negative)", async () => {
    let body = createBody();
    for (const path of NON_NEGATIVE_INTS) body = withPath(body, path, 0);
    expect((await api("POST", "/campaign", body)).status).toBe(201);
  });

  it("integers must be whole numbers up to 2^53-1 → else 400", async () => {
    expectError(await api("POST", "/campaign", createBody({ postMaxAgeDays: 1.5 })), 400, /postMaxAgeDays must be an integer number/);
    expectError(await api("POST", "/campaign", createBody({ postMaxAgeDays: "30" })), 400, /postMaxAgeDays must be an integer number/);
    expectError(await api("POST", "/campaign", createBody({ applyCommentIntervalH: 2 ** 53 })), 400, /must not be greater than 9007199254740991/);
    expect((await api("POST", "/campaign", createBody({ postMaxAgeDays: Number.MAX_SAFE_INTEGER }))).status).toBe(201);
  });

  it("wrong types → 400 (booleans, strings, arrays, objects)", async () => {
    expectError(await api("POST", "/campaign", createBody({ skipTeammatesLeads: "true" })), 400, /skipTeammatesLeads must be a boolean value/);
    expectError(await api("POST", "/campaign", createBody({ name: 42 })), 400, /name must be a string/);
    expectError(await api("POST", "/campaign", withPath(createBody(), "postActivityFilter.emotionTypes", "LIKE")), 400, /emotionTypes must be an array/);
    expectError(await api("POST", "/campaign", createBody({ dmSettings: [] })), 400, /dmSettings must be an object/);
    expectError(await api("POST", "/campaign", createBody({ connectingSettings: null })), 400, /connectingSettings must be an object/);
  });

  it("malformed UUID → 400 (ownerId, style, context, topic ids)", async () => {
    expectError(await api("POST", "/campaign", createBody({ ownerId: "owner-1" })), 400, /ownerId must be a UUID/);
    expectError(await api("POST", "/campaign", createBody({ userStyleId: 7 })), 400, /userStyleId must be a UUID/);
    expectError(await api("POST", "/campaign", createBody({ userContextId: "" })), 400, /userContextId must be a UUID/);
    expectError(await api("POST", "/campaign", withPath(createBody(), "postActivityFilter.monitoredTopicIds", ["topic"])), 400, /monitoredTopicIds\[0\] must be a UUID/);
  });

  it.each(NESTED_KEYS)("nested objects must be complete: without %s → 400", async (path) => {
    expectError(await api("POST", "/campaign", withPath(createBody(), path, undefined)), 400, new RegExp(`${path.replace(".", "\\.")} is required`));
  });

  it("emotionTypes accepts any strings", async () => {
    const id = await create(withPath(createBody(), "postActivityFilter.emotionTypes", ["ANYTHING", "funny"]));
    expect((await stored(id)).postActivityFilter.emotionTypes).toEqual(["ANYTHING", "funny"]);
  });

  it("a 400 lists every problem at once", async () => {
    const res = await api("POST", "/campaign", createBody({ name: "", postMaxAgeDays: -3, extra: 1 }));
    expectError(res, 400);
    expect(res.body.message).toMatch(/property extra should not exist/);
    expect(res.body.message).toMatch(/name must be longer/);
    expect(res.body.message).toMatch(/postMaxAgeDays must be greater than 0/);
  });

  it("a body that is not an object → 400; no body → 400", async () => {
    expectError(await api("POST", "/campaign", [createBody()]), 400, /JSON object/);
    expectError(await api("POST", "/campaign"), 400, /JSON object/);
  });
});

describe("PATCH /campaign/{id} (full-body update)", () => {
  it("PATCH with the full body → 200 with data null, and the stored campaign is replaced", async () => {
    const id = await create();
    const next = updateBody(id, { name: "Renamed", postMaxAgeDays: 7, isIndirectEngagementEnabled: true });
    const res = await api("PATCH", `/campaign/${id}`, next);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "success", data: null, message: "Operation completed successfully", statusCode: 200 });
    const campaign = await stored(id);
    expect(campaign).toMatchObject({ ...next, ownerId: OWNER, type: "TARGET_USER", status: "ACTIVE" });
  });

  it.each(UPDATE_REQUIRED)("PATCH without %s → 400 (full body required), nothing changes", async (field) => {
    const id = await create();
    const before = await stored(id);
    expectError(await api("PATCH", `/campaign/${id}`, without(updateBody(id, { name: "Changed" }), field)), 400, new RegExp(`\\b${field} is required`));
    expect(await stored(id)).toEqual(before);
  });

  it("PATCH without userStyleId → 400 (full body required)", async () => {
    const id = await create();
    expectError(await api("PATCH", `/campaign/${id}`, without(updateBody(id), "userStyleId")), 400, /userStyleId is required/);
  });

  it("PATCH with ownerId → 400 (ownerId is not accepted on update)", async () => {
    const id = await create();
    expectError(await api("PATCH", `/campaign/${id}`, updateBody(id, { ownerId: OWNER })), 400, /property ownerId should not exist/);
  });

  it("PATCH with type → 400 (type is immutable, not accepted on update)", async () => {
    const id = await create();
    expectError(await api("PATCH", `/campaign/${id}`, updateBody(id, { type: "TARGET_USER" })), 400, /property type should not exist/);
  });

  it("PATCH whose body id differs from the path id → 400", async () => {
    const a = await create();
    const b = await create({ name: "Other" });
    expectError(await api("PATCH", `/campaign/${a}`, updateBody(b)), 400, /must equal the id in the path/);
    expect((await stored(b)).name).toBe("Other");
  });

  it("PATCH of an unknown campaign → 404", async () => {
    expectError(await api("PATCH", `/campaign/${MISSING}`, updateBody(MISSING)), 404, /campaign .* not found/);
  });

  it("PATCH with a malformed path id → 400", async () => {
    expectError(await api("PATCH", "/campaign/12", updateBody("12")), 400, /must be a UUID/);
  });

  it("PATCH omitting applyCommentIntervalH stores the body as sent: the interval is removed", async () => {
    const id = await create({ applyCommentIntervalH: 24 });
    expect((await api("PATCH", `/campaign/${id}`, without(updateBody(id), "applyCommentIntervalH"))).status).toBe(200);
    expect(await stored(id)).not.toHaveProperty("applyCommentIntervalH");
  });

  it("PATCH keeps id, ownerId, type, status and createdAt and bumps updatedAt", async () => {
    const id = await create({ type: "KEYWORD" });
    const before = await stored(id);
    await new Promise((r) => setTimeout(r, 5));
    await api("PATCH", `/campaign/${id}`, updateBody(id, { name: "Later" }));
    const after = await stored(id);
    expect(after).toMatchObject({ id, ownerId: OWNER, type: "KEYWORD", status: "ACTIVE", createdAt: before.createdAt });
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
  });

  it("PATCH to an unknown style, context or topic → 404 and nothing changes", async () => {
    const id = await create();
    const before = await stored(id);
    expectError(await api("PATCH", `/campaign/${id}`, updateBody(id, { userStyleId: MISSING })), 404);
    expectError(await api("PATCH", `/campaign/${id}`, updateBody(id, { userContextId: MISSING })), 404);
    expectError(await api("PATCH", `/campaign/${id}`, withPath(updateBody(id), "postActivityFilter.monitoredTopicIds", [MISSING])), 404);
    expect(await stored(id)).toEqual(before);
  });

  it("PATCH validates like create: nested objects complete, negatives and 0-day ages refused", async () => {
    const id = await create();
    expectError(await api("PATCH", `/campaign/${id}`, withPath(updateBody(id), "dmSettings.isGenerateDmEnabled", undefined)), 400);
    expectError(await api("PATCH", `/campaign/${id}`, withPath(updateBody(id), "postActivityFilter.minPostLikes", -1)), 400);
    expectError(await api("PATCH", `/campaign/${id}`, updateBody(id, { postMaxAgeDays: 0 })), 400);
  });

  it("no status transitions through the API: status stays ACTIVE", async () => {
    const id = await create();
    await api("PATCH", `/campaign/${id}`, updateBody(id));
    expect((await stored(id)).status).toBe("ACTIVE");
    expectError(await api("POST", `/campaign/${id}/pause`), 404);
  });
});

describe("POST /campaign-topic/{campaignId}/toggle-bulk", () => {
  async function topic(name: string): Promise<string> {
    const res = await api("POST", "/monitored-topics", { name, description: `Posts about ${name}`, ownerId: OWNER });
    expect(res.status).toBe(201);
    return res.body.data.id;
  }

  it("toggle-bulk replaces the whole set of monitored topics → 200 data null", async () => {
    const id = await create({ type: "KEYWORD" });
    const t2 = await topic("Sales ops");
    const res = await api("POST", `/campaign-topic/${id}/toggle-bulk`, { campaignId: id, monitoredTopicIds: [t2], rejectAllPosts: false });
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect((await stored(id)).postActivityFilter.monitoredTopicIds).toEqual([t2]);
  });

  it("toggle-bulk with [] removes all topics", async () => {
    const id = await create({ type: "KEYWORD" });
    await api("POST", `/campaign-topic/${id}/toggle-bulk`, { campaignId: id, monitoredTopicIds: [], rejectAllPosts: false });
    expect((await stored(id)).postActivityFilter.monitoredTopicIds).toEqual([]);
  });

  it("one shared set: a later PATCH of postActivityFilter.monitoredTopicIds replaces what toggle-bulk set, and vice versa", async () => {
    const id = await create({ type: "KEYWORD" });
    const t2 = await topic("RevOps");
    await api("POST", `/campaign-topic/${id}/toggle-bulk`, { campaignId: id, monitoredTopicIds: [t2], rejectAllPosts: false });
    await api("PATCH", `/campaign/${id}`, updateBody(id));
    expect((await stored(id)).postActivityFilter.monitoredTopicIds).toEqual([TOPIC]);
    await api("POST", `/campaign-topic/${id}/toggle-bulk`, { campaignId: id, monitoredTopicIds: [t2, TOPIC], rejectAllPosts: true });
    expect((await stored(id)).postActivityFilter.monitoredTopicIds).toEqual([t2, TOPIC]);
  });

  it("rejectAllPosts is a one-off action, not stored", async () => {
    const id = await create({ type: "KEYWORD" });
    await api("POST", `/campaign-topic/${id}/toggle-bulk`, { campaignId: id, monitoredTopicIds: [TOPIC], rejectAllPosts: true });
    const campaign = await stored(id);
    expect(JSON.stringify(campaign)).not.toContain("rejectAllPosts");
  });

  it.each(["campaignId", "monitoredTopicIds", "rejectAllPosts"])("toggle-bulk without %s → 400 (all three required)", async (field) => {
    const id = await create({ type: "KEYWORD" });
    const body: Body = { campaignId: id, monitoredTopicIds: [TOPIC], rejectAllPosts: false };
    delete body[field];
    expectError(await api("POST", `/campaign-topic/${id}/toggle-bulk`, body), 400, new RegExp(`${field} is required`));
  });

  it("toggle-bulk: wrong types and malformed ids → 400", async () => {
    const id = await create({ type: "KEYWORD" });
    expectError(await api("POST", `/campaign-topic/${id}/toggle-bulk`, { campaignId: id, monitoredTopicIds: ["x"], rejectAllPosts: false }), 400);
    expectError(await api("POST", `/campaign-topic/${id}/toggle-bulk`, { campaignId: id, monitoredTopicIds: [], rejectAllPosts: "no" }), 400);
    expectError(await api("POST", "/campaign-topic/nope/toggle-bulk", { campaignId: "nope", monitoredTopicIds: [], rejectAllPosts: false }), 400);
  });

  it("toggle-bulk: body campaignId must equal the path campaignId → 400", async () => {
    const id = await create({ type: "KEYWORD" });
    const other = await create({ type: "KEYWORD" });
    expectError(await api("POST", `/campaign-topic/${id}/toggle-bulk`, { campaignId: other, monitoredTopicIds: [], rejectAllPosts: false }), 400);
  });

  it("toggle-bulk: unknown campaign → 404; unknown topic → 404 and nothing changes", async () => {
    expectError(await api("POST", `/campaign-topic/${MISSING}/toggle-bulk`, { campaignId: MISSING, monitoredTopicIds: [], rejectAllPosts: false }), 404);
    const id = await create({ type: "KEYWORD" });
    expectError(await api("POST", `/campaign-topic/${id}/toggle-bulk`, { campaignId: id, monitoredTopicIds: [MISSING], rejectAllPosts: false }), 404);
    expect((await stored(id)).postActivityFilter.monitoredTopicIds).toEqual([TOPIC]);
  });
});

describe("styles", () => {
  it("POST /style requires name (min 1), userId and isLearningModeEnabled; instructions optional → 201 { id }", async () => {
    const res = await api("POST", "/style", { name: "Crisp", userId: OWNER, isLearningModeEnabled: true });
    expect(res.status).toBe(201);
    expect(res.body.data.id).toMatch(UUID);
    expectError(await api("POST", "/style", { name: "", userId: OWNER, isLearningModeEnabled: true }), 400, /name must be longer/);
    expectError(await api("POST", "/style", { name: "x", isLearningModeEnabled: true }), 400, /userId is required/);
    expectError(await api("POST", "/style", { name: "x", userId: OWNER }), 400, /isLearningModeEnabled is required/);
    expectError(await api("POST", "/style", { name: "x", userId: OWNER, isLearningModeEnabled: true, styleInstructionsForDm: 5 }), 400);
  });

  it("POST /style with a userId that is not a team member → 404", async () => {
    expectError(await api("POST", "/style", { name: "x", userId: MISSING, isLearningModeEnabled: false }), 404);
  });

  it("PATCH /style: omitted instructions keep the current text, \"\" clears it", async () => {
    const created = await api("POST", "/style", {
      name: "Crisp",
      userId: OWNER,
      isLearningModeEnabled: false,
      styleInstructionsForComments: "Be brief.",
      styleInstructionsForDm: "Be kind.",
    });
    const id = created.body.data.id as string;
    const res = await api("PATCH", `/style/${id}`, { id, name: "Crisper", isLearningModeEnabled: true, styleInstructionsForDm: "" });
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    const style = (await api("GET", `/style/${id}`)).body.data;
    expect(style).toMatchObject({ name: "Crisper", isLearningModeEnabled: true, styleInstructionsForComments: "Be brief.", styleInstructionsForDm: "", userId: OWNER });
  });

  it("PATCH /style requires id, name and isLearningModeEnabled; userId is not accepted; id mismatch → 400; unknown → 404", async () => {
    const id = STYLE;
    expectError(await api("PATCH", `/style/${id}`, { id, isLearningModeEnabled: true }), 400, /name is required/);
    expectError(await api("PATCH", `/style/${id}`, { id, name: "x" }), 400, /isLearningModeEnabled is required/);
    expectError(await api("PATCH", `/style/${id}`, { name: "x", isLearningModeEnabled: true }), 400, /id is required/);
    expectError(await api("PATCH", `/style/${id}`, { id, name: "x", isLearningModeEnabled: true, userId: OWNER }), 400, /property userId should not exist/);
    expectError(await api("PATCH", `/style/${id}`, { id: CONTEXT, name: "x", isLearningModeEnabled: true }), 400, /must equal/);
    expectError(await api("PATCH", `/style/${MISSING}`, { id: MISSING, name: "x", isLearningModeEnabled: true }), 404);
  });
});

describe("contexts", () => {
  it("POST /context requires name, userId, contextAboutCompany and contextAboutUser (empty strings accepted)", async () => {
    const ok = await api("POST", "/context", { name: "Acme", userId: OWNER, contextAboutCompany: "", contextAboutUser: "" });
    expect(ok.status).toBe(201);
    expect(ok.body.data.id).toMatch(UUID);
    expectError(await api("POST", "/context", { name: "Acme", userId: OWNER, contextAboutUser: "" }), 400, /contextAboutCompany is required/);
    expectError(await api("POST", "/context", { name: "Acme", userId: OWNER, contextAboutCompany: "" }), 400, /contextAboutUser is required/);
    expectError(await api("POST", "/context", { name: "", userId: OWNER, contextAboutCompany: "", contextAboutUser: "" }), 400);
    expectError(await api("POST", "/context", { name: "Acme", userId: MISSING, contextAboutCompany: "", contextAboutUser: "" }), 404);
  });

  it("PATCH /context: every field required, texts fully replace the previous values", async () => {
    const res = await api("PATCH", `/context/${CONTEXT}`, { id: CONTEXT, name: "Renamed", contextAboutCompany: "New company text", contextAboutUser: "" });
    expect(res.status).toBe(200);
    expect((await api("GET", `/context/${CONTEXT}`)).body.data).toMatchObject({
      name: "Renamed",
      contextAboutCompany: "New company text",
      contextAboutUser: "",
      userId: OWNER,
    });
    expectError(await api("PATCH", `/context/${CONTEXT}`, { id: CONTEXT, name: "x", contextAboutCompany: "" }), 400, /contextAboutUser is required/);
    expectError(await api("PATCH", `/context/${CONTEXT}`, { id: CONTEXT, name: "x", contextAboutCompany: "", contextAboutUser: "", userId: OWNER }), 400);
    expectError(await api("PATCH", `/context/${MISSING}`, { id: MISSING, name: "x", contextAboutCompany: "", contextAboutUser: "" }), 404);
  });
});

describe("monitored topics", () => {
  it("POST /monitored-topics requires name (min 1), description (min 1) and ownerId → 201 { id }", async () => {
    const res = await api("POST", "/monitored-topics", { name: "AI agents", description: "Posts about agents", ownerId: OWNER });
    expect(res.status).toBe(201);
    expect(res.body.data.id).toMatch(UUID);
    expectError(await api("POST", "/monitored-topics", { name: "AI", description: "", ownerId: OWNER }), 400, /description must be longer/);
    expectError(await api("POST", "/monitored-topics", { description: "d", ownerId: OWNER }), 400, /name is required/);
    expectError(await api("POST", "/monitored-topics", { name: "AI", description: "d" }), 400, /ownerId is required/);
    expectError(await api("POST", "/monitored-topics", { name: "AI", description: "d", ownerId: MISSING }), 404);
  });

  it("a created topic can be bound to a campaign", async () => {
    const t = (await api("POST", "/monitored-topics", { name: "CRM", description: "Posts about CRMs", ownerId: OWNER })).body.data.id as string;
    const id = await create(withPath(createBody(), "postActivityFilter.monitoredTopicIds", [t]));
    expect((await stored(id)).postActivityFilter.monitoredTopicIds).toEqual([t]);
  });

  it("monitored topics have no documented update endpoint → PATCH 405", async () => {
    expectError(await api("PATCH", `/monitored-topics/${TOPIC}`, { id: TOPIC, name: "x", description: "y" }), 405);
  });
});

describe("team members and fixtures", () => {
  it("GET /user/team-members returns the fixture owner with the documented user fields", async () => {
    const res = await api("GET", "/user/team-members");
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    const user = res.body.data[0];
    expect(user).toMatchObject({
      id: OWNER,
      firstName: expect.any(String),
      lastName: expect.any(String),
      name: expect.any(String),
      notifyAboutNewPosts: expect.any(Boolean),
      notifyAboutNewDms: expect.any(Boolean),
      isDmHistorySynced: expect.any(Boolean),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      linkedInProfile: { id: expect.any(String), name: expect.any(String), email: expect.any(String), avatarUrl: expect.any(String), linkedInUrl: expect.any(String) },
      selectedWorkspaceSettings: { id: expect.any(String), isCreator: true, isLinkedInProfileConnected: true, user: { id: OWNER, name: user.name } },
    });
  });

  it("registrationType filter: NEW_USER_SIGNUP → the owner; SUB_USER → []; an unknown value → 400", async () => {
    expect((await api("GET", "/user/team-members?registrationType=NEW_USER_SIGNUP")).body.data.map((u: Body) => u.id)).toEqual([OWNER]);
    expect((await api("GET", "/user/team-members?registrationType=SUB_USER")).body.data).toEqual([]);
    expect((await api("GET", "/user/team-members?registrationType=NEW_USER_WORKSPACE_INVITE_CONFIRM")).body.data).toEqual([]);
    expectError(await api("GET", "/user/team-members?registrationType=ADMIN"), 400, /registrationType/);
  });

  it("fixtures: style …002, context …003 and monitored topic …004 exist and belong to the owner", async () => {
    expect((await api("GET", `/style/${STYLE}`)).body.data).toMatchObject({ id: STYLE, userId: OWNER });
    expect((await api("GET", `/context/${CONTEXT}`)).body.data).toMatchObject({ id: CONTEXT, userId: OWNER });
    expect((await api("GET", `/monitored-topics/${TOPIC}`)).body.data).toMatchObject({ id: TOPIC, ownerId: OWNER });
  });

  it("reset reinstalls the fixtures after they were edited", async () => {
    await api("PATCH", `/style/${STYLE}`, { id: STYLE, name: "Edited", isLearningModeEnabled: true });
    await sb.reset();
    expect((await api("GET", `/style/${STYLE}`)).body.data.name).not.toBe("Edited");
  });
});

describe("simulator-only extensions (NOT part of the real API)", () => {
  it("GET /campaign lists stored campaigns, unpaginated", async () => {
    const a = await create({ name: "A" });
    const b = await create({ name: "B" });
    const res = await api("GET", "/campaign");
    expect(res.status).toBe(200);
    expect(res.body.data.map((c: Body) => c.id)).toEqual([a, b]);
  });

  it("GET /campaign/{id}: unknown → 404, malformed → 400", async () => {
    expectError(await api("GET", `/campaign/${MISSING}`), 404);
    expectError(await api("GET", "/campaign/not-a-uuid"), 400);
  });

  it("GET /style, /context and /monitored-topics list what exists", async () => {
    expect((await api("GET", "/style")).body.data.map((s: Body) => s.id)).toEqual([STYLE]);
    expect((await api("GET", "/context")).body.data.map((s: Body) => s.id)).toEqual([CONTEXT]);
    expect((await api("GET", "/monitored-topics")).body.data.map((s: Body) => s.id)).toEqual([TOPIC]);
  });

  it("/__sandbox/campaigns lists Extrovert campaigns; a forced status must be an UPPER_CASE word", async () => {
    const id = await create();
    expect((await sb.campaigns("extrovert")).map((c) => c.id)).toEqual([id]);
    await sb.forceStatus("extrovert", id, "PAUSED");
    expect((await stored(id)).status).toBe("PAUSED");
    await expect(sb.forceStatus("extrovert", id, "paused")).rejects.toThrow(/400/);
  });
});
