import type { ProviderHttp } from "../../http/client.js";
import { answerSource, asObject, idString } from "../mapping.js";
import { linkedinIdentity } from "../roster-cells.js";
import type { ProviderClient, RosterClient } from "../types.js";
import { EXTROVERT_RESPONSES as R } from "./responses.js";

/** Fields the create accepts but the update body does not (immutable after create). */
const CREATE_ONLY = new Set(["ownerId", "type"]);

/**
 * Extrovert documents create and a full-body update only: no read, list, delete or status calls.
 * The update body must be complete; the planner builds it from spec, state and defaults.
 */
export function createExtrovertClient(http: ProviderHttp): ProviderClient {
  return {
    roster: extrovertRoster(http),
    async create(body) {
      // No idempotency mechanism: never retried blindly; an ambiguous failure is reported with the adopt command.
      const req = { method: "POST", path: "/campaign", operation: "create campaign" } as const;
      const res = await http.request<{ data?: unknown }>({ ...req, body, retry: "never", response: R.created });
      return { id: idString(asObject(res.body.data).id, answerSource(http, req, res.status)) };
    },
    async update(id, body) {
      const wire: Record<string, unknown> = { id };
      for (const [k, v] of Object.entries(body)) if (!CREATE_ONLY.has(k)) wire[k] = v;
      await http.request({ method: "PATCH", path: `/campaign/${encodeURIComponent(id)}`, body: wire, operation: `update campaign ${id}`, retry: "safe", response: R.updated });
      // data: null — the response carries nothing to verify against.
      return undefined;
    },
    async sync(id, call, value) {
      if (call !== "toggle-bulk") throw new Error(`unknown Extrovert call ${call}`);
      // The full set of topics bound to a topic campaign, not a delta ([] removes all) [D]. rejectAllPosts
      // is a one-off rejection of posts awaiting approval, never wanted here.
      const body = { campaignId: id, monitoredTopicIds: value, rejectAllPosts: false };
      await http.request({ method: "POST", path: `/campaign-topic/${encodeURIComponent(id)}/toggle-bulk`, body, operation: `bind topics of campaign ${id}`, retry: "safe", response: R.updated });
    },
  };
}

/** What a prospect-list answer carries [D names, README.md §5]. */
interface ProspectsAnswer {
  listId?: unknown;
  submittedUrls: string[];
  validationRejectedUrls: string[];
  existedUrlsMap: Record<string, string[]>;
  outOfLimitUrls: string[];
}

/**
 * A TARGET_USER campaign's prospects live in prospect lists (README.md §5): the first upload creates one
 * (`POST /prospect-list`), later uploads add to it (`…/add-users-to-list`); state records its id. Reads go through
 * `GET /prospects?listId=` (documented filter; the answer's field names and paging are assumptions [A]).
 */
function extrovertRoster(http: ProviderHttp): RosterClient {
  const readList = async (list: string) => {
    const req = { method: "GET", path: "/prospects", operation: `list prospects of list ${list}` } as const;
    const res = await http.request<{ data: { id: unknown; linkedInUrl: string; listId?: unknown }[] }>({ ...req, query: { listId: list }, retry: "safe", response: R.prospects });
    // Only this list's prospects count, whatever else a server might return.
    return res.body.data
      .filter((p) => p.listId === undefined || p.listId === null || String(p.listId) === list)
      .map((p) => ({ id: idString(p.id, answerSource(http, req, res.status), "prospect"), identity: linkedinIdentity(p.linkedInUrl) }));
  };
  return {
    async count(_id, _live, ctx) {
      // No list recorded: campaignctl has uploaded nobody to this campaign yet (no request).
      if (ctx?.list === undefined) return 0;
      return new Set((await readList(ctx.list)).map((e) => e.identity)).size;
    },
    async list(_id, _identityColumn, ctx) {
      return ctx?.list === undefined ? [] : readList(ctx.list);
    },
    async add(id, rows, opts) {
      const userUrls = rows.map((r) => String(r.linkedin_url));
      let res;
      if (opts.list === undefined) {
        // Creates a list: never retried blindly (a repeat would create a second one); a failure leaves nobody recorded.
        const body = { listName: `campaignctl ${id}`, campaignId: id, userUrls, moveOwnDuplicated: false };
        res = await http.request<{ data: ProspectsAnswer }>({ method: "POST", path: "/prospect-list", body, operation: `create the prospect list of campaign ${id} with ${rows.length} prospects`, retry: "never", response: R.prospectsAdded });
      } else {
        // Duplicates inside one list are skipped silently [D]: a repeated batch adds nobody twice, so retries are safe.
        const body = { listId: opts.list, userUrls, moveOwnDuplicated: false, campaignId: id };
        res = await http.request<{ data: ProspectsAnswer }>({ method: "POST", path: `/prospect-list/${encodeURIComponent(opts.list)}/add-users-to-list`, body, operation: `add ${rows.length} prospects to list ${opts.list} of campaign ${id}`, retry: "safe", response: R.prospectsAdded });
      }
      const data = res.body.data;
      const list = opts.list ?? (data.listId === undefined ? undefined : idString(data.listId, answerSource(http, { method: "POST", path: "/prospect-list", operation: "create prospect list" }, res.status), "prospect list"));
      // The answer names URLs, not rows: matched back to the rows sent by canonical form (the server may echo another form).
      const index = new Map<string, number>();
      userUrls.forEach((u, i) => { if (!index.has(linkedinIdentity(u))) index.set(linkedinIdentity(u), i); });
      const rejected: { index: number; code: string }[] = [];
      const reject = (url: string, code: string) => rejected.push({ index: index.get(linkedinIdentity(url)) ?? -1, code: index.has(linkedinIdentity(url)) ? code : `${code} (${url})` });
      for (const url of data.validationRejectedUrls) reject(url, "rejected by Extrovert's URL validation (validationRejectedUrls)");
      for (const url of data.outOfLimitUrls) reject(url, "over the account's prospect limit (outOfLimitUrls), not added");
      // moveOwnDuplicated is false: a person already in another campaign's list stays there and is not in this campaign.
      for (const [campaign, urls] of Object.entries(data.existedUrlsMap)) for (const url of urls) reject(url, `already a prospect of campaign ${campaign} (existedUrlsMap), not added`);
      const added = data.submittedUrls.length;
      // What no collection names was already in this list (skipped silently [D]).
      const duplicates = Math.max(0, rows.length - added - rejected.length);
      return { added, duplicates, rejected, ...(list === undefined ? {} : { list }) };
    },
    async remove() {
      throw new Error("Extrovert prospects are not removed by campaignctl (audience.mode exact is blocked)");
    },
  };
}
