/**
 * The Puffle API simulator (src/providers/puffle/README.md): pure request → response over in-memory state.
 * Time comes from an injected clock; `launching → active` happens on the first request (or
 * listCampaigns/snapshot) at or after `launchDelayMs` past the launch — no timers.
 *
 * | file | what |
 * |---|---|
 * | `index.ts` | the ProviderSimulator contract: auth, errors, snapshot/restore, test hooks |
 * | `routes.ts` | documented paths → handlers, id checks, 404/405 |
 * | `store.ts` | stored records, lookups, the documented views (campaign object, sender summary) |
 * | `model.ts` | record types, constants, fixtures |
 * | `validation.ts` | type/range checks that name the field, node content rules |
 * | `campaigns.ts` | create, list, get, PATCH, delete |
 * | `lifecycle.ts` | validate, launch, pause, resume, background `launching → active` |
 * | `nodes.ts`, `prospects.ts`, `senders.ts` | sequence node endpoints, roster, sender accounts/settings |
 */
import { timingSafeEqual } from "node:crypto";
import type { ProviderSimulator, SimRequest, SimResponse } from "../types.js";
import { settleLaunches } from "./lifecycle.js";
import { CAMPAIGN_STATUSES, emptyState, PROSPECT_STATUSES, type CampaignStatus, type ProspectStatus, type PuffleState } from "./model.js";
import { errorResponse } from "./responses.js";
import { buildRoutes, route } from "./routes.js";
import { PuffleStore, checkSnapshot, type PuffleSimulatorOptions } from "./store.js";
import { ApiError } from "./validation.js";

export type { PuffleSimulatorOptions } from "./store.js";
export { FIXTURE_SENDER_IDS } from "./model.js";

/**
 * The Puffle API simulator (src/providers/puffle/README.md). Options exist for tests: an injected clock and the
 * time a launch spends in `launching` (default 0 ms: the next read already shows `active`).
 */
/** Test hooks beyond the ProviderSimulator contract. */
export interface PuffleTestHooks {
  /** Set one prospect's status (found by its email or LinkedIn URL); false when not found. */
  forceProspectStatus(campaignId: string, identity: string, status: string): boolean;
}

export function isPuffleSimulator(sim: ProviderSimulator): sim is ProviderSimulator & PuffleTestHooks {
  return sim.provider === "puffle" && "forceProspectStatus" in sim;
}

export function createPuffleSimulator(options: PuffleSimulatorOptions = {}): ProviderSimulator & PuffleTestHooks {
  const db = new PuffleStore(options);
  const routes = buildRoutes(db);
  return {
    provider: "puffle",
    basePaths: [""],
    publicBasePath: "",
    defaultRequestsPerSecond: 10,

    /** `Authorization: Bearer <key>` [D]; the header name is case-insensitive, the prefix is required. */
    authenticate(headers, apiKey) {
      let value = headers["authorization"];
      if (value === undefined) {
        for (const [name, v] of Object.entries(headers)) if (name.toLowerCase() === "authorization") value = v;
      }
      if (typeof value !== "string") return false;
      const match = /^Bearer (.+)$/.exec(value.trim());
      if (!match?.[1]) return false;
      const given = Buffer.from(match[1]);
      const expected = Buffer.from(apiKey);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },

    error(status, message, code) {
      // The rate-limit answer is `{ "error": "Too many requests" }` whatever the framework calls it [A].
      if (status === 429) return errorResponse(429, "Too many requests", code ?? "RATE_LIMITED");
      return errorResponse(status, message, code);
    },

    handle(req: SimRequest): SimResponse {
      try {
        settleLaunches(db);
        return route(routes, req);
      } catch (err) {
        if (err instanceof ApiError) return errorResponse(err.status, err.message, err.code);
        return errorResponse(500, "Internal server error", "INTERNAL_ERROR");
      }
    },

    listCampaigns() {
      settleLaunches(db);
      return db.sortedCampaigns().map((c) => ({
        ...db.campaignView(c),
        sequence_nodes: db.nodeViews(c.id),
      }));
    },

    forceStatus(id, status) {
      if (!(CAMPAIGN_STATUSES as readonly string[]).includes(status)) {
        throw new Error(`unknown Puffle status "${status}" (expected one of ${CAMPAIGN_STATUSES.join(", ")})`);
      }
      settleLaunches(db);
      const c = db.campaigns.get(id.toLowerCase());
      if (!c) return false;
      c.status = status as CampaignStatus;
      db.launching.delete(c.id);
      // A forced `launching` is a launch that started now and never finishes on its own.
      c.launch = status === "launching" ? { run_id: db.newId(), started_at: db.now(), completes_at: null } : null;
      c.updated_at = db.iso();
      return true;
    },

    /** Test hook: set one prospect's status (as sending would), e.g. to test what a new version carries over. */
    forceProspectStatus(campaignId: string, email: string, status: string): boolean {
      if (!(PROSPECT_STATUSES as readonly string[]).includes(status)) throw new Error(`unknown Puffle prospect status "${status}"`);
      const c = db.campaigns.get(campaignId.toLowerCase());
      const p = c ? db.prospectsOf(c).find((x) => x.email === email || x.linkedin_url === email) : undefined;
      if (!p) return false;
      p.status = status as ProspectStatus;
      return true;
    },

    reset() {
      db.load(emptyState());
      db.settings = { ...db.initialSettings };
    },

    settings: {
      get: () => ({ ...db.settings }),
      update(patch) {
        if (typeof patch !== "object" || patch === null || Array.isArray(patch)) throw new Error('expected an object such as {"launchDelayMs": 300}');
        const next = { ...db.settings };
        for (const [key, value] of Object.entries(patch)) {
          if (key === "launchDelayMs") {
            if (typeof value !== "number" || !Number.isInteger(value) || value < 0) throw new Error("launchDelayMs must be whole milliseconds >= 0");
            next.launchDelayMs = value;
          } else if (key === "launchOutcome") {
            if (value !== "active" && value !== "rollback") throw new Error('launchOutcome must be "active" or "rollback"');
            next.launchOutcome = value;
          } else {
            throw new Error(`unknown setting ${JSON.stringify(key)}; known: launchDelayMs, launchOutcome`);
          }
        }
        db.settings = next;
        return { ...next };
      },
    },

    snapshot(): PuffleState {
      settleLaunches(db);
      return db.snapshot();
    },

    restore(data) {
      if (data === undefined || data === null) {
        db.load(emptyState());
        return;
      }
      db.load(checkSnapshot(data));
    },
  };
}
