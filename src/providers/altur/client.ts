import { sharedJson, sharedSubtrees, type JsonObject, type JsonValue } from "../../core/json.js";
import type { ProviderHttp } from "../../http/client.js";
import { ProviderApiError } from "../../http/errors.js";
import { nextTurn } from "../../http/turns.js";
import { absentKeys, answerSource, asObject, idString, pickPresent, unreadableAnswer, type AnswerSource } from "../mapping.js";
import type { LiveResource, ProviderClient, RosterClient, RosterEntry } from "../types.js";
import { ALTUR_RESPONSES as R } from "./responses.js";

/**
 * Altur's two read shapes (README.md §3): the flat list item (GET /campaigns) and the nested
 * detail (GET /campaigns/{id}, also the `campaign` of PATCH and lifecycle answers). Neither contains
 * the other, so each is mapped onto the spec's shape with what it carries, and what it lacks is
 * reported in `missing` — never read as null, never invented. The refresh merges both views.
 */

/** Top-level spec fields a response may carry under the same name (status/archived: list only). */
const TOP_FIELDS = [
  "name", "description", "timezone", "retries", "message_limit", "first_message", "template", "template_alt",
  "scheduling", "integration_type", "status", "archived",
];
const CYCLE_FIELDS = [
  "enabled", "mode", "max_iterations", "cooldown_minutes", "filter_statuses", "filter_tags", "schedule",
  "schedule_start_date", "schedule_end_date",
];

/** Flat list keys → cycles sub-field, every published revision (README.md §3.2): EN/ES-B first, then ES-A. */
const LIST_CYCLE_KEYS: readonly (readonly [string, string])[] = [
  ["cycle_enabled", "enabled"],
  ["cycle_max_iterations", "max_iterations"],
  ["cycle_cooldown_minutes", "cooldown_minutes"],
  ["cycle_cooldown", "cooldown_minutes"],
  ["cycle_filter_statuses", "filter_statuses"],
  ["cycle_status_filters", "filter_statuses"],
  ["cycle_filter_tags", "filter_tags"],
  ["cycle_tag_filters", "filter_tags"],
];

/** A weekday map with the older `endTime` spelling (list revision ES-A) read as `stopTime`. */
function normaliseWeek(v: unknown): JsonValue | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v !== "object" || Array.isArray(v)) return v as JsonValue;
  const out: JsonObject = {};
  for (const [day, raw] of Object.entries(v as Record<string, unknown>)) {
    const d = asObject(raw);
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      out[day] = raw as JsonValue;
      continue;
    }
    const copy: JsonObject = { ...(d as JsonObject) };
    if (copy.stopTime === undefined && copy.endTime !== undefined) copy.stopTime = copy.endTime;
    delete copy.endTime;
    out[day] = copy;
  }
  return out;
}

function readTop(c: Record<string, unknown>): { spec: JsonObject; missing: string[] } {
  const spec = pickPresent(c, TOP_FIELDS);
  if (spec.scheduling !== undefined) spec.scheduling = normaliseWeek(spec.scheduling) as JsonValue;
  return { spec, missing: absentKeys(c, TOP_FIELDS) };
}

function readId(c: Record<string, unknown>, from: AnswerSource): string {
  const id = c.id;
  if (typeof id === "number" || (typeof id === "string" && id !== "")) return String(id);
  throw unreadableAnswer(from, `a campaign without an id (got ${JSON.stringify(id ?? null)})`);
}

/**
 * Detail shape (GET /campaigns/{id}, PATCH and lifecycle responses) → spec shape. Here and in
 * fromListItem the spec's short subtrees (a day's hours, the cycle settings) are shared with every
 * other live view holding equal ones, frozen (sharedSubtrees: issue 30, memory at 100,000 campaigns).
 */
export function fromDetail(raw: unknown, from: AnswerSource): LiveResource {
  const c = asObject(raw);
  const { spec, missing } = readTop(c);
  const agent = asObject(c.agent);
  const integration = asObject(c.integration);
  if (agent.id !== undefined) spec.agent_id = agent.id as JsonValue;
  else missing.push("agent_id");
  if (integration.id !== undefined) spec.integration_id = integration.id as JsonValue;
  else if (c.integration_id !== undefined) spec.integration_id = c.integration_id as JsonValue;
  else missing.push("integration_id");
  if (c.cycles !== undefined && c.cycles !== null && typeof c.cycles === "object") {
    const cycles = pickPresent(asObject(c.cycles), CYCLE_FIELDS);
    if (cycles.schedule !== undefined) cycles.schedule = normaliseWeek(cycles.schedule) as JsonValue;
    spec.cycles = cycles;
    missing.push(...absentKeys(cycles, CYCLE_FIELDS, "cycles."));
  } else {
    missing.push(...CYCLE_FIELDS.map((k) => `cycles.${k}`));
  }
  const status = typeof c.status === "string" ? { status: c.status } : {};
  return { id: readId(c, from), ...status, spec: sharedSubtrees(spec), missing: sharedJson(missing) };
}

/** Flat list item (GET /campaigns) → spec shape; what the list lacks is reported in `missing`. */
export function fromListItem(raw: unknown, from: AnswerSource): LiveResource {
  const c = asObject(raw);
  const { spec, missing } = readTop(c);
  const agent = asObject(c.agent);
  if (agent.id !== undefined) spec.agent_id = agent.id as JsonValue;
  else missing.push("agent_id");
  const integration = asObject(c.integration);
  if (integration.id !== undefined) spec.integration_id = integration.id as JsonValue;
  else if (c.integration_id !== undefined) spec.integration_id = c.integration_id as JsonValue;
  else missing.push("integration_id");
  const cycles: JsonObject = {};
  for (const [flat, key] of LIST_CYCLE_KEYS) {
    if (c[flat] !== undefined && cycles[key] === undefined) cycles[key] = c[flat] as JsonValue;
  }
  spec.cycles = cycles;
  missing.push(...absentKeys(cycles, CYCLE_FIELDS, "cycles."));
  const status = typeof c.status === "string" ? { status: c.status } : {};
  return { id: readId(c, from), ...status, spec: sharedSubtrees(spec), missing: sharedJson(missing) };
}

/** The new campaign's id in a create answer — undocumented (README.md §4.1): `campaign.id`, then `id`, `campaign_id`, `data.id`. */
export function createdId(body: unknown): string | undefined {
  const b = asObject(body);
  for (const v of [asObject(b.campaign).id, b.id, b.campaign_id, asObject(b.data).id]) {
    if (typeof v === "number" || (typeof v === "string" && v !== "")) return String(v);
  }
  return undefined;
}

interface ListPage {
  campaigns?: unknown;
  total_count?: unknown;
  pagination?: unknown;
}

/**
 * Walk GET /campaigns (README.md §2): the request paging parameters are undocumented and two response schemes
 * are published, so the walk follows whichever pointer the answer carries — `next_cursor` (sent back as
 * `cursor`) or `next_page` (sent back as `pageIndex`) — while `has_next` (older: `has_more`) is true.
 * A listing that may be partial is an error, never a silent end: a "more" flag without a usable
 * pointer, a pointer or page seen before, no end marker at all (unless `total_count` proves the list
 * complete), or fewer campaigns than `total_count`. `stop` ends the walk early (a lookup by id): it
 * then returns only the campaign it stopped at (or nothing), keeping no other page's campaigns — a
 * lookup at page 40 of a 10,000-campaign account would otherwise hold 4,000 of them, per worker.
 */
async function walkList(
  http: ProviderHttp,
  filters: Record<string, string>,
  stop?: (c: LiveResource) => boolean,
  onTotal?: (total: number) => void,
  /** With `stop`: the ids it is asked about; the other campaigns of a page are not read (mapped) at all. */
  wants?: (id: string) => boolean,
): Promise<LiveResource[]> {
  const req = { method: "GET", path: "/campaigns", operation: "list campaigns" } as const;
  let from = answerSource(http, req);
  const fail = (why: string) => unreadableAnswer(from, `${why}; refusing to go on with a listing that may be partial`);
  const out: LiveResource[] = [];
  const seenIds = new Set<string>();
  const seenPointers = new Set<string>();
  const read = (pointer: PagePointer) => http.request<ListPage>({ ...req, query: { ...filters, pageSize: 100, ...pointer }, retry: "safe", response: R.listCampaigns });
  let pending = read({});
  let total: number | undefined;
  /** A whole walk's campaigns of the page before (and the answer they came in), read once the next page has come (see below). */
  let unread: { items: unknown[]; from: AnswerSource } = { items: [], from };
  const readUnread = async () => {
    if (unread.items.length === 0) return;
    await nextTurn();
    for (const item of unread.items) out.push(fromListItem(item, unread.from));
  };
  for (let page = 1; ; page += 1) {
    const res = await pending;
    from = answerSource(http, req, res.status);
    const body = asObject(res.body) as ListPage;
    if (!Array.isArray(body.campaigns)) throw fail(`page ${page} has no \`campaigns\` list`);
    if (typeof body.total_count === "number") {
      total = body.total_count;
      onTotal?.(total);
    }
    // Everything that can fail the walk is checked from the ids and the pagination, before the next page is
    // asked for: a walk that fails leaves no request of its own behind.
    const fresh: unknown[] = [];
    const freshIds: string[] = [];
    for (const item of body.campaigns) {
      const id = readId(asObject(item), from);
      if (seenIds.has(id)) continue;
      seenIds.add(id);
      fresh.push(item);
      freshIds.push(id);
    }
    if (body.campaigns.length > 0 && fresh.length === 0) throw fail(`page ${page} repeats campaigns already listed`);
    const p = asObject(body.pagination);
    const more = moreFlag(p);
    if (more === undefined && !(total !== undefined && seenIds.size >= total)) throw fail(`page ${page} carries no end marker (no pagination.has_next or has_more)`);
    if (more === false && total !== undefined && seenIds.size < total) throw fail(`the listing ended after ${seenIds.size} campaigns but total_count says ${total}`);
    let next: PagePointer | undefined;
    if (more === true) {
      const pointer = nextPage(p, {}, false);
      if (!pointer) throw fail(`page ${page} says there are more campaigns but gives no next_cursor or next_page`);
      if (seenPointers.has(pointer.key)) throw fail(`page ${page} points back to a page already read (${pointer.key})`);
      seenPointers.add(pointer.key);
      next = pointer.pointer;
    }
    if (!stop) {
      // A whole walk: the next page is asked for before any campaign is read, and a page's campaigns are
      // read only once the page after it has come (or the walk has ended), a turn later: with 60 accounts
      // walking at once, every account's first answer is checked and its next page asked for before any
      // account's 100 campaigns are read, instead of the reading of those already in filling the time the
      // other first answers waited (issue 30). At most two pages are held unread.
      if (next) {
        pending = read(next);
        // Awaited below, after the turns the reading waits for: a failure meanwhile is not an unhandled rejection.
        pending.catch(() => {});
      }
      await readUnread();
      unread = { items: fresh, from };
      if (next) continue;
      await readUnread();
      return out;
    }
    for (let i = 0; i < fresh.length; i++) {
      if (wants && !wants(freshIds[i] as string)) continue;
      const live = fromListItem(fresh[i], from);
      if (stop(live)) return [live];
    }
    if (!next) return out;
    // A lookup reads on only when the campaign it looks for was not on this page.
    pending = read(next);
  }
}

/** A page's "more" flag: `has_next`, or `has_more` in the older revision (README.md §2); undefined when it has neither. */
function moreFlag(p: Record<string, unknown>): boolean | undefined {
  return typeof p.has_next === "boolean" ? p.has_next : typeof p.has_more === "boolean" ? p.has_more : undefined;
}

type PagePointer = Record<string, string | number>;

/**
 * The next page of an Altur listing (README.md §2): `next_cursor` (sent back as `cursor`) or `next_page` (sent
 * back as `pageIndex`); with `indexFallback` (the contacts listing's index revision), the next index when the
 * answer gives neither. `key` names the page, so a walk can refuse to read one twice; undefined when there is no
 * usable pointer.
 */
function nextPage(p: Record<string, unknown>, current: PagePointer, indexFallback: boolean): { pointer: PagePointer; key: string } | undefined {
  if (typeof p.next_cursor === "string" && p.next_cursor !== "") return { pointer: { cursor: p.next_cursor }, key: `cursor:${p.next_cursor}` };
  if (typeof p.next_page === "number" && Number.isInteger(p.next_page)) return { pointer: { pageIndex: p.next_page }, key: `page:${p.next_page}` };
  if (indexFallback && typeof current.pageIndex === "number" && current.pageIndex < MAX_PAGE_INDEX) {
    return { pointer: { pageIndex: current.pageIndex + 1 }, key: `page:${current.pageIndex + 1}` };
  }
  return undefined;
}

/**
 * The campaigns of `wanted` (ids) as the list shows them under `filters`: one walk that maps only those and
 * stops once it has seen all of them (an id not listed is absent from the result).
 */
async function findListed(
  http: ProviderHttp,
  filters: Record<string, string>,
  wanted: { has(id: string): boolean; readonly size: number },
  onTotal?: (total: number) => void,
): Promise<Map<string, LiveResource>> {
  const found = new Map<string, LiveResource>();
  await walkList(
    http,
    filters,
    (c) => {
      found.set(c.id, c);
      return found.size === wanted.size;
    },
    onTotal,
    (id) => wanted.has(id),
  );
  return found;
}

/** One key per set of list filters, whatever their order: lookups with equal filters share a walk. */
function filtersKey(filters: Record<string, string>): string {
  return JSON.stringify(Object.entries(filters).sort(([a], [b]) => a.localeCompare(b)));
}

type Waiter = { resolve: (c: LiveResource | undefined) => void; reject: (err: unknown) => void };

/**
 * Lookups by id share list walks: each read-back walking the list to its own campaign's page made
 * apply's list reads (and the garbage they leave) grow with the square of the account's campaigns —
 * 45 pages per walk at 4,500. A lookup joins the next walk with its filters that has not started yet,
 * never one already under way (that one may have read the page before the write the lookup checks);
 * one walk serves every lookup that joined it and stops once it has seen all of them.
 */
function sharedWalks(http: ProviderHttp): (filters: Record<string, string>, id: string) => Promise<LiveResource | undefined> {
  const queued = new Map<string, { filters: Record<string, string>; waiting: Map<string, Waiter[]> }>();
  const tail = new Map<string, Promise<void>>();
  const run = async (key: string): Promise<void> => {
    const batch = queued.get(key);
    queued.delete(key); // lookups asked from now on wait for the next walk
    if (!batch) return;
    let found: Map<string, LiveResource>;
    try {
      found = await findListed(http, batch.filters, batch.waiting);
    } catch (err) {
      for (const waiters of batch.waiting.values()) for (const w of waiters) w.reject(err);
      return;
    }
    for (const [id, waiters] of batch.waiting) for (const w of waiters) w.resolve(found.get(id));
  };
  return (filters, id) =>
    new Promise((resolve, reject) => {
      const key = filtersKey(filters);
      let batch = queued.get(key);
      if (!batch) {
        batch = { filters, waiting: new Map() };
        queued.set(key, batch);
        const next = (tail.get(key) ?? Promise.resolve()).then(() => run(key));
        tail.set(key, next);
        void next.finally(() => tail.get(key) === next && tail.delete(key));
      }
      const waiters = batch.waiting.get(id) ?? [];
      waiters.push({ resolve, reject });
      batch.waiting.set(id, waiters);
    });
}

/** The list filters a lookup tries first (README.md §3.4): the expected status and the agent, where known. */
function firstFilters(hint: { status?: string; spec?: JsonObject }): Record<string, string> {
  const agentId: Record<string, string> = typeof hint.spec?.agent_id === "string" ? { agentId: hint.spec.agent_id } : {};
  return hint.status !== undefined ? { ...agentId, status: hint.status } : agentId;
}

export function createAlturClient(http: ProviderHttp): ProviderClient {
  const lookupIn = sharedWalks(http);
  /** The account's campaign count from the last unfiltered listing (`total_count`), for choosing a batch's walks. */
  let accountTotal: number | undefined;
  const noteTotal = (n: number) => (accountTotal = n);
  const client: ProviderClient = {
    list() {
      return walkList(http, {}, undefined, noteTotal);
    },
    async get(id) {
      const req = { method: "GET", path: `/campaigns/${encodeURIComponent(id)}`, operation: `read campaign ${id}` } as const;
      const res = await http.request<{ campaign?: unknown }>({ ...req, retry: "safe", expectStatus: [404], response: R.detail });
      return res.status === 404 ? undefined : fromDetail({ id, ...asObject(asObject(res.body).campaign) }, answerSource(http, req, res.status));
    },
    async lookup(id, hint) {
      // Status and archived live only in the list item (README.md §3.4): find the campaign there, narrowed by the
      // documented filters — the expected status first, then the agent alone.
      const agentId: Record<string, string> = typeof hint.spec?.agent_id === "string" ? { agentId: hint.spec.agent_id } : {};
      const tries: Record<string, string>[] = [];
      if (hint.status !== undefined) tries.push({ ...agentId, status: hint.status });
      tries.push(agentId);
      if (agentId.agentId !== undefined) tries.push({});
      let listed: LiveResource | undefined;
      let agentRefused = false;
      for (const filters of tries) {
        if (agentRefused && filters.agentId !== undefined) continue;
        try {
          listed = await lookupIn(filters, id);
        } catch (err) {
          // One revision types `agentId` as uuid4 while agent ids are plain strings (README.md §11): a server
          // enforcing it answers 400 — go on to the tries without the agent (the last one is unfiltered, paged).
          if (filters.agentId !== undefined && err instanceof ProviderApiError && err.status === 400) {
            agentRefused = true;
            continue;
          }
          throw err;
        }
        if (listed) break;
      }
      return listed;
    },
    async lookupMany(items) {
      // One unfiltered walk finds every campaign of the batch in ⌈campaigns/100⌉ pages at most; the filtered
      // walks take one page at least per distinct filter. Take the unfiltered walk when it costs no more
      // (the account's size is known from the refresh's listing); otherwise each lookup narrows as usual,
      // lookups with the same filters sharing one walk.
      const groups = new Set(items.map((i) => filtersKey(firstFilters(i.hint))));
      if (accountTotal === undefined || Math.ceil(accountTotal / 100) > groups.size) {
        const found = await Promise.all(items.map((i) => client.lookup!(i.id, i.hint)));
        return new Map(items.map((i, k) => [i.id, found[k]]));
      }
      const found = await findListed(http, {}, new Set(items.map((i) => i.id)), noteTotal);
      return new Map(items.map((i) => [i.id, found.get(i.id)]));
    },
    async create(body, { idempotencyKey }) {
      // The Idempotency-Key makes a retried create return the original campaign: safe to retry.
      const req = { method: "POST", path: "/campaigns", operation: "create campaign" } as const;
      const res = await http.request<unknown>({ ...req, body, headers: { "Idempotency-Key": idempotencyKey }, retry: "safe", response: R.created });
      // The create answer is undocumented (README.md §4.1): take the id wherever it is; without one, apply finds
      // the campaign by its exact name instead.
      const id = createdId(res.body);
      if (id === undefined) return {};
      const campaign = asObject(res.body).campaign;
      const live = campaign !== undefined && asObject(campaign).id !== undefined ? fromDetail(campaign, answerSource(http, req, res.status)) : undefined;
      return { id, ...(live ? { live } : {}) };
    },
    async update(id, body) {
      const req = { method: "PATCH", path: `/campaigns/${encodeURIComponent(id)}`, operation: `update campaign ${id}` } as const;
      const res = await http.request<{ campaign?: unknown }>({ ...req, body, retry: "safe", response: R.written });
      const campaign = asObject(res.body).campaign;
      return campaign === undefined ? undefined : fromDetail({ id, ...asObject(campaign) }, answerSource(http, req, res.status));
    },
    async action(id, action) {
      const req = { method: "POST", path: `/campaigns/${encodeURIComponent(id)}/${action}`, operation: `${action} campaign ${id}` } as const;
      const res = await http.request<{ campaign?: unknown }>({ ...req, retry: "safe", response: R.written });
      const campaign = asObject(res.body).campaign;
      return campaign === undefined ? undefined : fromDetail({ id, ...asObject(campaign) }, answerSource(http, req, res.status));
    },
    roster: alturRoster(http),
  };
  return client;
}

/** Contacts pages: `pageSize` at most 100 in both revisions [D]. */
const CONTACTS_PAGE = 100;
/** The index revision's highest `pageIndex` [D]: 25,000 pages of 100. */
const MAX_PAGE_INDEX = 25_000;
/** Contact fields `if_duplicate: update` overwrites [D]: what a row edit compares. */
const CONTACT_FIELDS = ["name", "context", "f_id", "extracted_data"] as const;

/**
 * Walk GET /campaigns/{id}/contacts over both documented revisions (README.md §2, §4.6): the first request
 * asks for `pageIndex=0`; then the walk follows whichever pointer the answer carries — `next_cursor` (sent
 * back as `cursor`, the older revision, which ignores `pageIndex`) or `next_page` (sent back as
 * `pageIndex`), and in the index revision without `next_page` the next index — while `has_next` (older:
 * `has_more`) is true. It never reads a page twice: a pointer seen before, or a page holding only
 * contacts already listed, is an error, as is a listing shorter than `total_count` (the plan would
 * upload, update or remove from a partial roster).
 */
async function walkContacts(http: ProviderHttp, id: string, onItem: (c: Record<string, unknown>, from: AnswerSource) => void): Promise<number> {
  const req = { method: "GET", path: `/campaigns/${encodeURIComponent(id)}/contacts`, operation: `list contacts of campaign ${id}` } as const;
  let from = answerSource(http, req);
  const fail = (why: string) => unreadableAnswer(from, `${why}; refusing to go on with a contacts listing that may be partial`);
  const seenIds = new Set<string>();
  const seenPointers = new Set<string>(["page:0"]);
  let pointer: PagePointer = { pageIndex: 0 };
  let total: number | undefined;
  for (let page = 1; ; page += 1) {
    const res = await http.request<{ contacts?: unknown[]; total_count?: unknown; pagination?: unknown }>({ ...req, query: { pageSize: CONTACTS_PAGE, ...pointer }, retry: "safe", response: R.listContacts });
    from = answerSource(http, req, res.status);
    const items = res.body.contacts ?? [];
    if (total === undefined && typeof res.body.total_count === "number") total = res.body.total_count;
    let fresh = 0;
    for (const raw of items) {
      const c = asObject(raw);
      const key = idString(c.id, from, "contact");
      if (seenIds.has(key)) continue;
      seenIds.add(key);
      fresh += 1;
      onItem(c, from);
    }
    if (items.length > 0 && fresh === 0) throw fail(`page ${page} repeats contacts already listed`);
    const p = asObject(res.body.pagination);
    const more = moreFlag(p) ?? items.length === CONTACTS_PAGE;
    if (!more || items.length === 0) {
      if (total !== undefined && seenIds.size < total) throw fail(`the listing ended after ${seenIds.size} contacts but total_count says ${total}`);
      return page;
    }
    const next = nextPage(p, pointer, true);
    if (!next) throw fail(`page ${page} says there are more contacts but gives no next_cursor or next_page`);
    if (seenPointers.has(next.key)) throw fail(`page ${page} points back to a page already read (${next.key})`);
    seenPointers.add(next.key);
    pointer = next.pointer;
  }
}

/**
 * Judge add-contacts rows (README.md §4.6): a row failed when it carries a non-empty error code or a
 * `failed` outcome — never by `error !== null` (an empty `error` is no error). Failures the summary counts
 * that no row names are reported as well (index -1), so none passes silently.
 */
function judgeRows(body: { summary?: unknown; results?: unknown[] }): { summary: Record<string, unknown>; rejected: { index: number; code: string }[] } {
  const summary = asObject(body.summary);
  const rejected: { index: number; code: string }[] = [];
  for (const raw of body.results ?? []) {
    const r = asObject(raw);
    if (typeof r.index !== "number") continue;
    const code = typeof r.error === "number" ? String(r.error) : typeof r.error === "string" ? r.error.trim() : "";
    const outcome = typeof r.outcome === "string" ? r.outcome : typeof r.status === "string" ? r.status : undefined;
    if (code !== "") rejected.push({ index: r.index, code });
    else if (outcome === "failed") rejected.push({ index: r.index, code: "FAILED" });
  }
  const failed = typeof summary.failed === "number" ? summary.failed : 0;
  if (failed > rejected.length) rejected.push({ index: -1, code: `${failed - rejected.length} more failed (counted by the summary, not named by the results)` });
  return { summary, rejected };
}

/** README.md §4.6: `/campaigns/{id}/contacts`. */
function alturRoster(http: ProviderHttp): RosterClient {
  const path = (id: string) => `/campaigns/${encodeURIComponent(id)}/contacts`;
  const num = (v: unknown) => (typeof v === "number" ? v : 0);
  const post = (id: string, rows: readonly JsonObject[], ifDuplicate: "skip" | "update", idempotencyKey: string, what: string) =>
    http.request<{ summary?: Record<string, unknown>; results?: unknown[] }>({
      method: "POST",
      path: path(id),
      body: { contacts: rows as JsonObject[], if_duplicate: ifDuplicate },
      headers: { "Idempotency-Key": idempotencyKey },
      operation: `${what} ${rows.length} contacts ${what === "add" ? "to" : "of"} campaign ${id}`,
      retry: "safe",
      response: R.addContacts,
    });
  return {
    async count(id) {
      // `total_count` is computed on the first page [D]: one request of one contact.
      const res = await http.request<{ total_count?: unknown }>({ method: "GET", path: path(id), query: { pageIndex: 0, pageSize: 1 }, operation: `count contacts of campaign ${id}`, retry: "safe", response: R.countContacts });
      return typeof res.body.total_count === "number" ? res.body.total_count : undefined;
    },
    async list(id) {
      const out: RosterEntry[] = [];
      await walkContacts(http, id, (c, from) => {
        if (typeof c.contact !== "string") return;
        // The attributes `if_duplicate: update` writes, for comparing with the files' rows (never stored).
        const fields: Record<string, unknown> = {};
        for (const f of CONTACT_FIELDS) if (c[f] !== undefined) fields[f] = c[f];
        out.push({ id: idString(c.id, from, "contact"), identity: c.contact, ...(typeof c.status === "string" ? { status: c.status } : {}), fields });
      });
      return out;
    },
    async add(id, rows, { idempotencyKey }) {
      // Idempotency-Key: a replayed batch returns the original answer; if_duplicate skip: a phone already there is skipped [D].
      const res = await post(id, rows, "skip", idempotencyKey, "add");
      const { summary, rejected } = judgeRows(res.body);
      return { added: num(summary.created), duplicates: num(summary.skipped_duplicate) + num(summary.updated), rejected };
    },
    async update(id, items, { idempotencyKey }) {
      // `if_duplicate: update` overwrites name, context, extracted_data and f_id of the contact with this phone [D].
      // A contact deleted since the plan is created again (summary.created): the file lists it, so that is wanted.
      const res = await post(id, items.map((i) => i.row), "update", idempotencyKey, "update");
      const { summary, rejected } = judgeRows(res.body);
      return { updated: num(summary.updated) + num(summary.created), rejected };
    },
    async remove(id, entries) {
      let removed = 0;
      for (const e of entries) {
        await http.request({ method: "DELETE", path: `${path(id)}/${encodeURIComponent(e.id)}`, operation: `delete contact ${e.id} of campaign ${id}`, retry: "safe", expectStatus: [404], response: R.deletedContact });
        removed += 1;
      }
      return removed;
    },
  };
}
