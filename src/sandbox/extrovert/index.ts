import { randomUUID, timingSafeEqual } from "node:crypto";
import type { ProviderSimulator, SimRequest, SimResponse } from "../types.js";
import { ExtrovertFailure, badRequest, failure, notFound, show, success } from "./envelope.js";
import {
  fixtureContexts,
  fixtureStyles,
  fixtureTeamMembers,
  fixtureTopics,
  type CampaignRecord,
  type ContextRecord,
  type StyleRecord,
  type TeamMember,
  type TopicRecord,
} from "./fixtures.js";
import {
  CAMPAIGN_WRITE_FIELDS,
  REGISTRATION_TYPES,
  addToProspectListShape,
  createProspectListShape,
  createCampaignShape,
  createContextShape,
  createStyleShape,
  createTopicShape,
  toggleBulkShape,
  updateCampaignShape,
  updateContextShape,
  updateStyleShape,
} from "./shapes.js";
import { isUuid, validateBody } from "./validate.js";

export { FIXTURE_IDS as EXTROVERT_FIXTURE_IDS } from "./fixtures.js";

/**
 * Simulator of the Extrovert client API v2 (src/providers/extrovert/README.md). Everything documented [D]/[K] is
 * enforced as written; where the docs are silent the [A] assumptions of the reference are implemented.
 *
 * Simulator-only extensions, NOT part of the real API (§5 [A]): GET /campaign, GET /campaign/{id},
 * GET /style[/{id}], GET /context[/{id}], GET /monitored-topics[/{id}]. They exist so tests can assert state.
 * Prospects (src/providers/extrovert/README.md §5): POST /prospect-list, POST /prospect-list/{id}/add-users-to-list and GET /prospects
 * at their documented shapes; limits and the answer fields of GET /prospects are assumptions [A] (src/sandbox/extrovert/README.md).
 * Not simulated: prospects/move, prospects/delete-selected and the legacy v1 prospect routes.
 */
export interface ExtrovertSimulatorOptions {
  /** Clock for createdAt/updatedAt (tests). */
  now?: () => Date;
  /** Active prospects one owner may hold (`totalUrlsLimit`; the number is not documented, 2000 assumed [A]). */
  totalUrlsLimit?: number;
  /** Prospects one owner may add per calendar month (`perMonthUrlsLimit`; not documented, 500 assumed [A]). */
  perMonthUrlsLimit?: number;
}

/** A prospect list inside a campaign [D]. */
interface ProspectListRecord {
  id: string;
  name: string;
  campaignId: string;
  ownerId: string;
  createdAt: string;
}

/** One prospect: a LinkedIn profile bound to a list of a campaign [D]; field names assumed [A]. */
interface ProspectRecord {
  id: string;
  linkedInUrl: string;
  listId: string;
  campaignId: string;
  ownerId: string;
  createdAt: string;
}

/**
 * How the simulator compares profile URLs [A: the docs do not say]: the `/in/<slug>` part, lower-cased, with
 * http/https, www/country subdomains, a trailing slash, query and fragment ignored. A slug outside LinkedIn's
 * custom-URL length (3–100 characters) or any other URL is a validation rejection [A].
 */
function profileKey(url: string): string | undefined {
  const m = /^(?:https?:\/\/)?(?:[a-z]{2,3}\.|www\.)?linkedin\.com\/in\/([^/?#\s]+)\/?(?:[?#].*)?$/i.exec(url.trim());
  if (!m) return undefined;
  let slug = m[1]!;
  try {
    slug = decodeURIComponent(slug);
  } catch {
    // kept as written
  }
  if (slug.length < 3 || slug.length > 100) return undefined;
  return slug.toLowerCase();
}

interface State {
  members: TeamMember[];
  campaigns: Map<string, CampaignRecord>;
  styles: Map<string, StyleRecord>;
  contexts: Map<string, ContextRecord>;
  topics: Map<string, TopicRecord>;
  lists: Map<string, ProspectListRecord>;
  prospects: Map<string, ProspectRecord>;
}

interface Snapshot {
  version: 1;
  campaigns: CampaignRecord[];
  styles: StyleRecord[];
  contexts: ContextRecord[];
  topics: TopicRecord[];
  lists?: ProspectListRecord[];
  prospects?: ProspectRecord[];
}

type Handler = (req: SimRequest, params: readonly string[]) => SimResponse;

interface Route {
  pattern: RegExp;
  methods: Readonly<Record<string, Handler>>;
}

const byId = <T extends { id: string }>(items: readonly T[]): Map<string, T> => new Map(items.map((i) => [i.id, i]));

function freshState(): State {
  return {
    members: fixtureTeamMembers(),
    campaigns: new Map(),
    styles: byId(fixtureStyles()),
    contexts: byId(fixtureContexts()),
    topics: byId(fixtureTopics()),
    lists: new Map(),
    prospects: new Map(),
  };
}

function keyMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function pathId(raw: string, what: string): string {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw badRequest(`${what} must be a UUID (got ${show(raw)})`);
  }
  if (!isUuid(id)) throw badRequest(`${what} must be a UUID (got ${show(id)})`);
  return id;
}

function recordsOf(data: Record<string, unknown>, key: string): { id: string }[] {
  const list = data[key];
  if (list === undefined) return [];
  if (!Array.isArray(list) || !list.every((r) => typeof r === "object" && r !== null && typeof (r as { id?: unknown }).id === "string")) {
    throw new Error(`extrovert snapshot: "${key}" must be a list of records with a string id`);
  }
  return list as { id: string }[];
}

export function createExtrovertSimulator(options: ExtrovertSimulatorOptions = {}): ProviderSimulator {
  const now = (): string => (options.now ?? (() => new Date()))().toISOString();
  let state = freshState();

  const requireMember = (id: string, field: string): void => {
    if (!state.members.some((m) => m.id === id)) throw notFound(`${field}: team member ${id} not found`);
  };
  const requireStyle = (id: string): void => {
    if (!state.styles.has(id)) throw notFound(`userStyleId: style ${id} not found`);
  };
  const requireContext = (id: string): void => {
    if (!state.contexts.has(id)) throw notFound(`userContextId: context ${id} not found`);
  };
  const requireTopics = (ids: readonly string[], field: string): void => {
    const missing = ids.filter((id) => !state.topics.has(id));
    if (missing.length > 0) throw notFound(`${field}: monitored topic ${missing.join(", ")} not found`);
  };
  const requireCampaign = (id: string): CampaignRecord => {
    const campaign = state.campaigns.get(id);
    if (campaign === undefined) throw notFound(`campaign ${id} not found`);
    return campaign;
  };
  /** References inside a campaign body: style, context, monitored topics → 404 when unknown [A]. */
  const checkCampaignRefs = (body: Record<string, unknown>): void => {
    requireStyle(body.userStyleId as string);
    requireContext(body.userContextId as string);
    const filter = body.postActivityFilter as { monitoredTopicIds: string[] };
    requireTopics(filter.monitoredTopicIds, "postActivityFilter.monitoredTopicIds");
  };
  /** The writable fields of a body, in canonical order, deep-copied. */
  const writeFields = (body: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const key of CAMPAIGN_WRITE_FIELDS) if (body[key] !== undefined) out[key] = structuredClone(body[key]);
    return out;
  };

  const createCampaign: Handler = (req) => {
    const body = validateBody(req.body, createCampaignShape);
    requireMember(body.ownerId as string, "ownerId");
    checkCampaignRefs(body);
    const at = now();
    const id = randomUUID();
    const record: CampaignRecord = {
      id,
      ownerId: body.ownerId as string,
      type: body.type as string,
      ...writeFields(body),
      status: "ACTIVE",
      createdAt: at,
      updatedAt: at,
    };
    state.campaigns.set(id, record);
    return success(201, { id });
  };

  /** Full replacement [K]: every required field, body id = path id [D/A], ownerId/type refused [D/K]. */
  const updateCampaign: Handler = (req, [rawId = ""]) => {
    const id = pathId(rawId, "id");
    const body = validateBody(req.body, updateCampaignShape);
    if (body.id !== id) throw badRequest(`id in the body (${show(body.id)}) must equal the id in the path (${show(id)})`);
    const current = requireCampaign(id);
    checkCampaignRefs(body);
    const { id: keptId, ownerId, type, status, createdAt } = current;
    state.campaigns.set(id, { id: keptId, ownerId, type, ...writeFields(body), status, createdAt, updatedAt: now() });
    return success(200, null);
  };

  /** Replaces the whole set of monitored topics (not a delta) [D]; one set shared with postActivityFilter [A, src/providers/extrovert/README.md §9.8]. */
  const toggleBulk: Handler = (req, [rawId = ""]) => {
    const id = pathId(rawId, "campaignId");
    const body = validateBody(req.body, toggleBulkShape);
    if (body.campaignId !== id) {
      throw badRequest(`campaignId in the body (${show(body.campaignId)}) must equal the campaignId in the path (${show(id)})`);
    }
    const current = requireCampaign(id);
    const topicIds = body.monitoredTopicIds as string[];
    requireTopics(topicIds, "monitoredTopicIds");
    // rejectAllPosts is a one-off action on posts awaiting approval, not stored state [D].
    const filter = { ...(current.postActivityFilter as Record<string, unknown>), monitoredTopicIds: [...topicIds] };
    state.campaigns.set(id, { ...current, postActivityFilter: filter, updatedAt: now() });
    return success(200, null);
  };

  const getCampaign: Handler = (_req, [rawId = ""]) => success(200, structuredClone(requireCampaign(pathId(rawId, "id"))));
  const listCampaigns: Handler = () => success(200, structuredClone([...state.campaigns.values()]));

  const createStyle: Handler = (req) => {
    const body = validateBody(req.body, createStyleShape);
    requireMember(body.userId as string, "userId");
    const at = now();
    const record: StyleRecord = {
      id: randomUUID(),
      userId: body.userId as string,
      name: body.name as string,
      isLearningModeEnabled: body.isLearningModeEnabled as boolean,
      createdAt: at,
      updatedAt: at,
    };
    if (typeof body.styleInstructionsForComments === "string") record.styleInstructionsForComments = body.styleInstructionsForComments;
    if (typeof body.styleInstructionsForDm === "string") record.styleInstructionsForDm = body.styleInstructionsForDm;
    state.styles.set(record.id, record);
    return success(201, { id: record.id });
  };

  /** Instructions: omitted = keep current, "" = clear [D]. */
  const updateStyle: Handler = (req, [rawId = ""]) => {
    const id = pathId(rawId, "id");
    const body = validateBody(req.body, updateStyleShape);
    if (body.id !== id) throw badRequest(`id in the body (${show(body.id)}) must equal the id in the path (${show(id)})`);
    const current = state.styles.get(id);
    if (current === undefined) throw notFound(`style ${id} not found`);
    const next: StyleRecord = {
      ...current,
      name: body.name as string,
      isLearningModeEnabled: body.isLearningModeEnabled as boolean,
      updatedAt: now(),
    };
    if (typeof body.styleInstructionsForComments === "string") next.styleInstructionsForComments = body.styleInstructionsForComments;
    if (typeof body.styleInstructionsForDm === "string") next.styleInstructionsForDm = body.styleInstructionsForDm;
    state.styles.set(id, next);
    return success(200, null);
  };

  const createContext: Handler = (req) => {
    const body = validateBody(req.body, createContextShape);
    requireMember(body.userId as string, "userId");
    const at = now();
    const record: ContextRecord = {
      id: randomUUID(),
      userId: body.userId as string,
      name: body.name as string,
      contextAboutCompany: body.contextAboutCompany as string,
      contextAboutUser: body.contextAboutUser as string,
      createdAt: at,
      updatedAt: at,
    };
    state.contexts.set(record.id, record);
    return success(201, { id: record.id });
  };

  /** Texts fully replace the previous values [D]. */
  const updateContext: Handler = (req, [rawId = ""]) => {
    const id = pathId(rawId, "id");
    const body = validateBody(req.body, updateContextShape);
    if (body.id !== id) throw badRequest(`id in the body (${show(body.id)}) must equal the id in the path (${show(id)})`);
    const current = state.contexts.get(id);
    if (current === undefined) throw notFound(`context ${id} not found`);
    state.contexts.set(id, {
      ...current,
      name: body.name as string,
      contextAboutCompany: body.contextAboutCompany as string,
      contextAboutUser: body.contextAboutUser as string,
      updatedAt: now(),
    });
    return success(200, null);
  };

  const createTopic: Handler = (req) => {
    const body = validateBody(req.body, createTopicShape);
    requireMember(body.ownerId as string, "ownerId");
    const at = now();
    const record: TopicRecord = {
      id: randomUUID(),
      ownerId: body.ownerId as string,
      name: body.name as string,
      description: body.description as string,
      createdAt: at,
      updatedAt: at,
    };
    state.topics.set(record.id, record);
    return success(201, { id: record.id });
  };

  const getFrom =
    <T>(map: () => Map<string, T>, what: string): Handler =>
    (_req, [rawId = ""]) => {
      const id = pathId(rawId, "id");
      const item = map().get(id);
      if (item === undefined) throw notFound(`${what} ${id} not found`);
      return success(200, structuredClone(item));
    };
  const listFrom =
    <T>(map: () => Map<string, T>): Handler =>
    () =>
      success(200, structuredClone([...map().values()]));

  const teamMembers: Handler = (req) => {
    const filter = req.query.get("registrationType");
    if (filter !== null && !(REGISTRATION_TYPES as readonly string[]).includes(filter)) {
      throw badRequest(`registrationType must be one of the following values: ${REGISTRATION_TYPES.join(", ")} (got ${show(filter)})`);
    }
    const members = state.members.filter((m) => filter === null || m.registrationType === filter);
    return success(200, structuredClone(members));
  };

  const totalLimit = options.totalUrlsLimit ?? 2000;
  const monthLimit = options.perMonthUrlsLimit ?? 500;

  /**
   * The documented duplicate rules [D]: duplicates inside the same list are skipped silently; an own duplicate in
   * another active list is moved when moveOwnDuplicated, else reported in existedUrlsMap (keyed by the campaign
   * holding it); a teammate's duplicate is reported, never moved. Over the owner's total or monthly limit →
   * outOfLimitUrls [D names, A numbers]. URLs are answered as sent.
   */
  const addUrls = (list: ProspectListRecord, urls: readonly string[], moveOwn: boolean) => {
    const submittedUrls: string[] = [];
    const validationRejectedUrls: string[] = [];
    const outOfLimitUrls: string[] = [];
    const existedUrlsMap: Record<string, string[]> = {};
    const month = now().slice(0, 7);
    const owned = () => [...state.prospects.values()].filter((p) => p.ownerId === list.ownerId);
    for (const url of urls) {
      const key = profileKey(url);
      if (key === undefined) {
        validationRejectedUrls.push(url);
        continue;
      }
      const existing = [...state.prospects.values()].filter((p) => profileKey(p.linkedInUrl) === key);
      if (existing.some((p) => p.listId === list.id)) continue; // same list: skipped silently [D]
      const own = existing.find((p) => p.ownerId === list.ownerId);
      const teammate = existing.find((p) => p.ownerId !== list.ownerId);
      if (own && moveOwn) {
        state.prospects.set(own.id, { ...own, listId: list.id, campaignId: list.campaignId });
        submittedUrls.push(url);
        continue;
      }
      const dup = own ?? teammate;
      if (dup) {
        (existedUrlsMap[dup.campaignId] ??= []).push(url);
        continue;
      }
      const mine = owned();
      if (mine.length >= totalLimit || mine.filter((p) => p.createdAt.slice(0, 7) === month).length >= monthLimit) {
        outOfLimitUrls.push(url);
        continue;
      }
      const id = randomUUID();
      state.prospects.set(id, { id, linkedInUrl: url, listId: list.id, campaignId: list.campaignId, ownerId: list.ownerId, createdAt: now() });
      submittedUrls.push(url);
    }
    return { listId: list.id, submittedUrls, validationRejectedUrls, existedUrlsMap, outOfLimitUrls, totalUrlsLimit: totalLimit, perMonthUrlsLimit: monthLimit };
  };

  /** A list lives in a Prospects campaign [D]; a topic campaign has none [A]. */
  const prospectsCampaign = (id: string): CampaignRecord => {
    const campaign = requireCampaign(id);
    if (campaign.type !== "TARGET_USER") throw badRequest(`campaign ${id} is a ${String(campaign.type)} campaign: prospect lists belong to TARGET_USER campaigns`);
    return campaign;
  };

  const createProspectList: Handler = (req) => {
    const body = validateBody(req.body, createProspectListShape);
    const urls = body.userUrls as string[];
    if (urls.length === 0) throw badRequest("userUrls must contain at least 1 element");
    const campaign = prospectsCampaign(body.campaignId as string);
    const list: ProspectListRecord = { id: randomUUID(), name: body.listName as string, campaignId: campaign.id, ownerId: campaign.ownerId as string, createdAt: now() };
    state.lists.set(list.id, list);
    return success(201, addUrls(list, urls, body.moveOwnDuplicated as boolean));
  };

  const addToProspectList: Handler = (req, [rawId = ""]) => {
    const id = pathId(rawId, "id");
    const body = validateBody(req.body, addToProspectListShape);
    if (body.listId !== id) throw badRequest(`listId in the body (${show(body.listId)}) must equal the id in the path (${show(id)})`);
    const urls = body.userUrls as string[];
    if (urls.length === 0) throw badRequest("userUrls must contain at least 1 element");
    const list = state.lists.get(id);
    if (list === undefined) throw notFound(`prospect list ${id} not found`);
    if (body.campaignId !== list.campaignId) throw badRequest(`campaignId ${show(body.campaignId)} is not the campaign of list ${id}`);
    return success(200, addUrls(list, urls, body.moveOwnDuplicated as boolean));
  };

  /** Visible prospects with their campaign/list bindings [D]; `listId` and `campaignIds` filters (name of the latter [A]); unpaged [A]. */
  const listProspects: Handler = (req) => {
    const listId = req.query.get("listId");
    if (listId !== null && !isUuid(listId)) throw badRequest(`listId must be a UUID (got ${show(listId)})`);
    const campaignIds = req.query.getAll("campaignIds").flatMap((v) => v.split(",")).filter((v) => v !== "");
    const items = [...state.prospects.values()].filter((p) => (listId === null || p.listId === listId) && (campaignIds.length === 0 || campaignIds.includes(p.campaignId)));
    return success(200, structuredClone(items));
  };

  const routes: readonly Route[] = [
    { pattern: /^\/prospect-list$/, methods: { POST: createProspectList } },
    { pattern: /^\/prospect-list\/([^/]+)\/add-users-to-list$/, methods: { POST: addToProspectList } },
    { pattern: /^\/prospects$/, methods: { GET: listProspects } },
    { pattern: /^\/campaign$/, methods: { POST: createCampaign, GET: listCampaigns } },
    { pattern: /^\/campaign\/([^/]+)$/, methods: { PATCH: updateCampaign, GET: getCampaign } },
    { pattern: /^\/campaign-topic\/([^/]+)\/toggle-bulk$/, methods: { POST: toggleBulk } },
    { pattern: /^\/style$/, methods: { POST: createStyle, GET: listFrom(() => state.styles) } },
    { pattern: /^\/style\/([^/]+)$/, methods: { PATCH: updateStyle, GET: getFrom(() => state.styles, "style") } },
    { pattern: /^\/context$/, methods: { POST: createContext, GET: listFrom(() => state.contexts) } },
    { pattern: /^\/context\/([^/]+)$/, methods: { PATCH: updateContext, GET: getFrom(() => state.contexts, "context") } },
    { pattern: /^\/monitored-topics$/, methods: { POST: createTopic, GET: listFrom(() => state.topics) } },
    { pattern: /^\/monitored-topics\/([^/]+)$/, methods: { GET: getFrom(() => state.topics, "monitored topic") } },
    { pattern: /^\/user\/team-members$/, methods: { GET: teamMembers } },
  ];

  const route = (req: SimRequest): SimResponse => {
    // Express-style non-strict routing: one trailing slash is ignored.
    const path = req.path.length > 1 && req.path.endsWith("/") ? req.path.slice(0, -1) : req.path;
    for (const { pattern, methods } of routes) {
      const match = pattern.exec(path);
      if (match === null) continue;
      const handler = methods[req.method.toUpperCase()];
      if (handler === undefined) {
        const allow = Object.keys(methods).join(", ");
        return failure(405, `Method ${req.method.toUpperCase()} is not allowed on ${path} (allowed: ${allow})`, { Allow: allow });
      }
      return handler(req, match.slice(1));
    }
    return failure(404, `Cannot ${req.method.toUpperCase()} ${path}`);
  };

  return {
    provider: "extrovert",
    basePaths: ["/webgateway/api/client/v2", "/api/client/v2", "/client/v2"],
    publicBasePath: "/webgateway/api/client/v2",
    defaultRequestsPerSecond: 10,

    /** `X-API-Key: <key>` [D]; header names arrive lower-cased. */
    authenticate: (headers, apiKey) => keyMatches(headers["x-api-key"], apiKey),

    error: (status, message) => failure(status, message),

    handle(req) {
      try {
        return route(req);
      } catch (err) {
        if (err instanceof ExtrovertFailure) return err.toResponse();
        throw err;
      }
    },

    listCampaigns: () => structuredClone([...state.campaigns.values()]),

    /**
     * Extrovert documents no campaign statuses (the API stores ACTIVE and never changes it [A]); the
     * control endpoint may force any UPPER_CASE word, e.g. PAUSED, to simulate a dashboard action.
     */
    forceStatus(id, status) {
      const campaign = state.campaigns.get(id);
      if (campaign === undefined) return false;
      if (!/^[A-Z][A-Z_]{0,31}$/.test(status)) {
        throw new Error(`Extrovert has no documented campaign statuses; use an UPPER_CASE word such as ACTIVE or PAUSED (got ${show(status)})`);
      }
      state.campaigns.set(id, { ...campaign, status, updatedAt: now() });
      return true;
    },

    reset() {
      state = freshState();
    },

    snapshot(): Snapshot {
      return structuredClone({
        version: 1,
        campaigns: [...state.campaigns.values()],
        styles: [...state.styles.values()],
        contexts: [...state.contexts.values()],
        topics: [...state.topics.values()],
        lists: [...state.lists.values()],
        prospects: [...state.prospects.values()],
      });
    },

    restore(data) {
      if (typeof data !== "object" || data === null || Array.isArray(data)) throw new Error("extrovert snapshot must be an object");
      const snap = data as Record<string, unknown>;
      if (snap.version !== 1) throw new Error(`extrovert snapshot: unsupported version ${show(snap.version)}`);
      const next = freshState();
      // Fixtures stay; stored records (including edited fixtures) overlay them.
      for (const r of recordsOf(snap, "campaigns")) next.campaigns.set(r.id, structuredClone(r) as CampaignRecord);
      for (const r of recordsOf(snap, "styles")) next.styles.set(r.id, structuredClone(r) as StyleRecord);
      for (const r of recordsOf(snap, "contexts")) next.contexts.set(r.id, structuredClone(r) as ContextRecord);
      for (const r of recordsOf(snap, "topics")) next.topics.set(r.id, structuredClone(r) as TopicRecord);
      for (const r of recordsOf(snap, "lists")) next.lists.set(r.id, structuredClone(r) as ProspectListRecord);
      for (const r of recordsOf(snap, "prospects")) next.prospects.set(r.id, structuredClone(r) as ProspectRecord);
      state = next;
    },
  };
}
