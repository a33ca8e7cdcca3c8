/** Puffle simulator routing: the documented paths (src/providers/puffle/README.md §4, §7, §8, §9) → handlers. */
import type { SimRequest, SimResponse } from "../types.js";
import { createCampaign, deleteCampaign, getCampaign, listCampaignsRoute, patchCampaign } from "./campaigns.js";
import { addBlocked, deleteBlockedByDomain, deleteBlockedById, listBlocked } from "./blocked.js";
import { launch, pause, resume, validateRoute } from "./lifecycle.js";
import { UUID_RE } from "./model.js";
import { addNode, deleteNode, moveNode, updateNode } from "./nodes.js";
import { addProspects, deleteProspects, listProspects, notSimulated, patchProspect } from "./prospects.js";
import { errorResponse } from "./responses.js";
import { accountUsage, campaignSenders, listAccounts, listEmailAccounts, settings } from "./senders.js";
import type { PuffleStore } from "./store.js";

export interface RouteContext {
  req: SimRequest;
  params: Record<string, string>;
}

type Handler = (ctx: RouteContext) => SimResponse;

export interface Route {
  pattern: readonly string[];
  methods: Partial<Record<string, Handler>>;
}

export function buildRoutes(s: PuffleStore): Route[] {
  const C = ["api", "campaigns", ":campaignId"];
  return [
    {
      pattern: ["api", "accounts"],
      methods: { GET: (x) => listAccounts(s, x) },
    },
    {
      pattern: ["api", "senders"],
      methods: { GET: (x) => listAccounts(s, x) },
    },
    { pattern: ["api", "email", "accounts"], methods: { GET: (x) => listEmailAccounts(s) } },
    // src/providers/puffle/README.md §14: blocked companies.
    { pattern: ["api", "blocked-companies"], methods: { GET: () => listBlocked(s), POST: (x) => addBlocked(s, x) } },
    { pattern: ["api", "blocked-companies", ":domain"], methods: { DELETE: (x) => deleteBlockedByDomain(s, x) } },
    { pattern: ["api", "blocked-companies", "by-id", ":blockedId"], methods: { DELETE: (x) => deleteBlockedById(s, x) } },
    {
      pattern: ["api", "campaigns"],
      methods: {
        GET: () => listCampaignsRoute(s),
        POST: (x) => createCampaign(s, x),
      },
    },
    {
      pattern: ["api", "campaigns", "settings"],
      methods: { GET: () => settings(s) },
    },
    {
      pattern: C,
      methods: {
        GET: (x) => getCampaign(s, x),
        PATCH: (x) => patchCampaign(s, x),
        DELETE: (x) => deleteCampaign(s, x),
      },
    },
    {
      pattern: [...C, "validate"],
      methods: { GET: (x) => validateRoute(s, x) },
    },
    { pattern: [...C, "launch"], methods: { POST: (x) => launch(s, x) } },
    { pattern: [...C, "pause"], methods: { POST: (x) => pause(s, x) } },
    { pattern: [...C, "resume"], methods: { POST: (x) => resume(s, x) } },
    {
      pattern: [...C, "senders"],
      methods: { GET: (x) => campaignSenders(s, x) },
    },
    {
      pattern: [...C, "account-usage"],
      methods: { GET: (x) => accountUsage(s, x) },
    },
    {
      pattern: [...C, "sequence", "nodes"],
      methods: {
        POST: (x) => addNode(s, x),
        PATCH: (x) => moveNode(s, x),
        DELETE: (x) => deleteNode(s, x),
      },
    },
    {
      pattern: [...C, "sequence", "nodes", ":nodeId"],
      methods: { PUT: (x) => updateNode(s, x) },
    },
    {
      pattern: [...C, "leads"],
      methods: {
        GET: (x) => listProspects(s, x),
        POST: (x) => addProspects(s, x),
        PATCH: (x) => patchProspect(s, x),
        DELETE: (x) => deleteProspects(s, x),
      },
    },
    {
      pattern: [...C, "leads", "import-from-list"],
      methods: {
        POST: (x) => notSimulated(s, x, "Importing prospects from a lead list"),
      },
    },
    {
      pattern: [...C, "leads", "confirm-csv"],
      methods: { POST: (x) => notSimulated(s, x, "CSV prospect upload") },
    },
  ];
}

export function route(routes: readonly Route[], req: SimRequest): SimResponse {
  let path = req.path || "/";
  if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
  const segments = path.split("/").slice(1);
  const method = req.method.toUpperCase();
  for (const r of routes) {
    const params = matchRoute(r.pattern, segments);
    if (!params) continue;
    const handler = r.methods[method];
    if (!handler) {
      const allow = Object.keys(r.methods).join(", ");
      return errorResponse(405, `Method ${method} is not allowed on ${path} (allowed: ${allow})`, "METHOD_NOT_ALLOWED", { Allow: allow });
    }
    for (const [name, value] of Object.entries(params)) {
      // A blocked company is deleted by its domain (any text; normalised by the handler).
      if (name === "domain") continue;
      if (!UUID_RE.test(value)) {
        const what = name === "nodeId" ? "node" : name === "blockedId" ? "blocked company" : "campaign";
        return errorResponse(400, `Invalid ${what} id "${value.slice(0, 60)}": must be a UUID`, "INVALID_ID");
      }
      params[name] = value.toLowerCase();
    }
    return handler({ req, params });
  }
  return errorResponse(404, `No route for ${method} ${path}`, "NOT_FOUND");
}

function matchRoute(pattern: readonly string[], segments: readonly string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const s = segments[i]!;
    if (p.startsWith(":")) {
      if (s === "") return null;
      params[p.slice(1)] = safeDecode(s);
    } else if (p !== s) {
      return null;
    }
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
