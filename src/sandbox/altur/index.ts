/**
 * Altur API simulator (src/providers/altur/README.md): campaigns with cursor-paged listing, partial update with
 * the documented check order, lifecycle actions with their transition table, the campaign roster and
 * `Idempotency-Key` replay. Pure request → response over in-memory state; the sandbox framework owns
 * sockets, auth enforcement, the 12 requests/second limit, faults and persistence.
 */
import { timingSafeEqual } from "node:crypto";
import type { ProviderSimulator, SimRequest, SimResponse } from "../types.js";
import {
  createCampaign,
  detailOf,
  findCampaign,
  listCampaigns,
  parseAction,
  parseCampaignId,
  patchCampaign,
  runAction,
} from "./campaigns.js";
import {
  addContacts,
  deleteContact,
  findContact,
  forceContactStatus,
  listContacts,
  parseContactId,
} from "./contacts.js";
import { AlturFailure, defaultCode, errorResponse } from "./errors.js";
import { withIdempotency } from "./idempotency.js";
import { STATUSES, contactOf, storedViewOf, type CampaignStatus, type StoredCampaign, type StoredContact } from "./model.js";
import { DEFAULT_ALTUR_SETTINGS, emptyState, type AlturContext, type AlturSimulatorOptions, type AlturState, type IdempotencyRecord } from "./state.js";
import { isObject } from "./validate.js";

export type { AlturSimulatorOptions } from "./state.js";

export interface AlturSimulator extends ProviderSimulator {
  readonly provider: "altur";
  /** Plan limit behind 402 BILLING_LIMIT_REACHED (most campaigns `active` at once); null = off (default). */
  setMaxActiveCampaigns(limit: number | null): void;
  /** Test hook for roster rules (e.g. CONTACT_NOT_DELETABLE). False for an unknown campaign or contact; throws for an unknown status. */
  forceContactStatus(campaignId: string, contactId: string, status: string): boolean;
}

/** `campaignctl sandbox --data` format for this simulator. */
interface AlturSnapshot {
  format: "altur-simulator/1";
  nextCampaignId: number;
  nextContactId: number;
  campaigns: StoredCampaign[];
  contacts: StoredContact[];
  idempotency: IdempotencyRecord[];
}

const SNAPSHOT_FORMAT = "altur-simulator/1";

export function isAlturSimulator(sim: ProviderSimulator): sim is AlturSimulator {
  return sim.provider === "altur" && "setMaxActiveCampaigns" in sim && "forceContactStatus" in sim;
}

export function createAlturSimulator(options: AlturSimulatorOptions = {}): AlturSimulator {
  const clock = options.now ?? Date.now;
  const ctx: AlturContext = {
    state: emptyState(),
    nowMs: () => clock(),
    // Second precision, as in the documented examples ("2023-11-07T05:31:56Z").
    nowIso: () => new Date(clock()).toISOString().replace(/\.\d{3}Z$/, "Z"),
    options: { maxActiveCampaigns: options.maxActiveCampaigns ?? null },
    settings: { ...DEFAULT_ALTUR_SETTINGS },
  };

  /** Something may have changed a campaign: the list items built so far are not reused (AlturState.listItems). */
  function campaignsMayHaveChanged(): void {
    ctx.state.listItems = new WeakMap();
  }

  function methodNotAllowed(allow: string): SimResponse {
    return errorResponse(405, "METHOD_NOT_ALLOWED", `method not allowed here; allowed: ${allow}`, {}, { Allow: allow });
  }

  function route(req: SimRequest): SimResponse {
    const method = req.method.toUpperCase();
    const segments = req.path.split("/").filter((s) => s !== "");
    const path = `/${segments.join("/")}`;
    if (segments[0] !== "campaigns" || segments.length > 4) {
      return errorResponse(404, "NOT_FOUND", `no route for ${path}`);
    }
    const [, idText, third, fourth] = segments;

    if (idText === undefined) {
      if (method === "GET") return { status: 200, ...listCampaigns(ctx, req.query) };
      if (method === "POST") {
        return withIdempotency(ctx, req, path, () => ({
          status: 201,
          body: { success: true, campaign: detailOf(createCampaign(ctx, req.body)) },
        }));
      }
      return methodNotAllowed("GET, POST");
    }

    if (third === undefined) {
      if (method !== "GET" && method !== "PATCH") return methodNotAllowed("GET, PATCH");
      const campaign = findCampaign(ctx, parseCampaignId(idText));
      if (method === "PATCH") patchCampaign(ctx, campaign, req.body);
      return { status: 200, body: { success: true, campaign: detailOf(campaign) } };
    }

    if (third === "contacts") {
      if (fourth === undefined) {
        if (method === "GET") {
          const campaign = findCampaign(ctx, parseCampaignId(idText));
          return { status: 200, body: listContacts(ctx, campaign, req.query) };
        }
        if (method === "POST") {
          return withIdempotency(ctx, req, path, () => {
            const campaign = findCampaign(ctx, parseCampaignId(idText));
            return { status: 200, body: addContacts(ctx, campaign, req.body) };
          });
        }
        return methodNotAllowed("GET, POST");
      }
      if (method !== "GET" && method !== "DELETE") return methodNotAllowed("GET, DELETE");
      const campaign = findCampaign(ctx, parseCampaignId(idText));
      const contactId = parseContactId(fourth);
      if (method === "GET") return { status: 200, body: { success: true, contact: contactOf(findContact(ctx, campaign, contactId)) } };
      deleteContact(ctx, campaign, contactId);
      return { status: 200, body: { success: true, id: contactId } };
    }

    if (fourth !== undefined) return errorResponse(404, "NOT_FOUND", `no route for ${path}`);
    if (method !== "POST") return methodNotAllowed("POST");
    const action = parseAction(third);
    const campaign = findCampaign(ctx, parseCampaignId(idText));
    runAction(ctx, campaign, action);
    return { status: 200, body: { success: true, campaign: detailOf(campaign) } };
  }

  function reset(): void {
    ctx.state = emptyState();
    ctx.settings = { ...DEFAULT_ALTUR_SETTINGS };
  }

  return {
    provider: "altur",
    basePaths: ["/api/v1.0"],
    publicBasePath: "/api/v1.0",
    defaultRequestsPerSecond: 12,

    /** `Authorization: api-key <key>` [D]: the literal prefix "api-key", one space, the key. */
    authenticate(headers, apiKey) {
      const given = headers["authorization"];
      if (given === undefined) return false;
      const a = Buffer.from(given, "utf8");
      const b = Buffer.from(`api-key ${apiKey}`, "utf8");
      return a.length === b.length && timingSafeEqual(a, b);
    },

    error(status, message, code) {
      // [A] 429 body; the framework adds Retry-After.
      if (status === 429) return errorResponse(429, "RATE_LIMITED", "Too many requests");
      return errorResponse(status, code ?? defaultCode(status), message);
    },

    handle(req) {
      if (req.method.toUpperCase() !== "GET") campaignsMayHaveChanged();
      try {
        return route(req);
      } catch (err) {
        if (err instanceof AlturFailure) return err.toResponse();
        const detail = err instanceof Error ? err.message : String(err);
        return errorResponse(500, "SERVER_ERROR", `internal simulator error: ${detail}`);
      }
    },

    listCampaigns() {
      // Test-only view (GET /__sandbox/campaigns): every stored value, not an Altur response shape.
      return [...ctx.state.campaigns.values()].map(storedViewOf);
    },

    forceStatus(id, status) {
      const target = STATUSES.find((s) => s === status);
      if (target === undefined) {
        throw new Error(`unknown Altur status ${JSON.stringify(status)}; expected one of ${STATUSES.join(", ")}`);
      }
      if (!/^\d{1,15}$/.test(id)) return false;
      const campaign = ctx.state.campaigns.get(Number(id));
      if (!campaign) return false;
      setStatus(campaign, target);
      return true;
    },

    forceContactStatus(campaignId, contactId, status) {
      if (!/^\d{1,15}$/.test(campaignId) || !/^\d{1,15}$/.test(contactId)) return false;
      const campaign = ctx.state.campaigns.get(Number(campaignId));
      if (!campaign) return false;
      try {
        campaignsMayHaveChanged();
        forceContactStatus(ctx, campaign, Number(contactId), status);
        return true;
      } catch (err) {
        if (err instanceof AlturFailure && err.status === 404) return false;
        throw new Error(`unknown Altur contact status ${JSON.stringify(status)}`);
      }
    },

    setMaxActiveCampaigns(limit) {
      ctx.options.maxActiveCampaigns = limit;
    },

    reset,

    settings: {
      get: () => ({ ...ctx.settings }),
      update(patch) {
        if (typeof patch !== "object" || patch === null || Array.isArray(patch)) throw new Error('expected an object such as {"contactsPaging": "cursor"}');
        const next = { ...ctx.settings };
        for (const [key, value] of Object.entries(patch)) {
          if (key === "contactsPaging") {
            if (value !== "both" && value !== "cursor") throw new Error('contactsPaging must be "both" or "cursor"');
            next.contactsPaging = value;
          } else if (key === "agentIdFilter") {
            if (value !== "string" && value !== "uuid4") throw new Error('agentIdFilter must be "string" or "uuid4"');
            next.agentIdFilter = value;
          } else {
            throw new Error(`unknown setting ${JSON.stringify(key)}; known: contactsPaging, agentIdFilter`);
          }
        }
        ctx.settings = next;
        return { ...next };
      },
    },

    snapshot(): AlturSnapshot {
      const { state } = ctx;
      return structuredClone({
        format: SNAPSHOT_FORMAT,
        nextCampaignId: state.nextCampaignId,
        nextContactId: state.nextContactId,
        campaigns: [...state.campaigns.values()],
        contacts: [...state.contacts.values()].flat(),
        idempotency: [...state.idempotency.values()],
      });
    },

    restore(data) {
      if (data === undefined || data === null) {
        reset();
        return;
      }
      ctx.state = parseSnapshot(data);
    },
  };

  function setStatus(campaign: StoredCampaign, status: CampaignStatus): void {
    if (campaign.status === status) return;
    campaignsMayHaveChanged();
    campaign.status = status;
    campaign.updated_at = ctx.nowIso();
  }
}

function parseSnapshot(data: unknown): AlturState {
  const bad = (why: string) => new Error(`Altur sandbox data is not usable: ${why}`);
  if (!isObject(data) || data.format !== SNAPSHOT_FORMAT) throw bad(`expected format "${SNAPSHOT_FORMAT}"`);
  const { nextCampaignId, nextContactId, campaigns, contacts, idempotency } = data;
  if (typeof nextCampaignId !== "number" || typeof nextContactId !== "number") throw bad("missing id counters");
  if (!Array.isArray(campaigns) || !Array.isArray(contacts) || !Array.isArray(idempotency)) throw bad("missing lists");
  const state = emptyState();
  state.nextCampaignId = nextCampaignId;
  state.nextContactId = nextContactId;
  for (const c of structuredClone(campaigns) as unknown[]) {
    if (!isObject(c) || typeof c.id !== "number") throw bad("a campaign without an integer id");
    state.campaigns.set(c.id, c as unknown as StoredCampaign);
  }
  for (const c of structuredClone(contacts) as unknown[]) {
    if (!isObject(c) || typeof c.campaign_id !== "number") throw bad("a contact without a campaign_id");
    const roster = state.contacts.get(c.campaign_id) ?? [];
    roster.push(c as unknown as StoredContact);
    state.contacts.set(c.campaign_id, roster);
  }
  for (const r of structuredClone(idempotency) as unknown[]) {
    if (!isObject(r) || typeof r.key !== "string") throw bad("an idempotency record without a key");
    state.idempotency.set(r.key, r as unknown as IdempotencyRecord);
  }
  return state;
}
