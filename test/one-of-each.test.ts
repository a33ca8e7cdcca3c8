import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { KindCapabilities } from "../src/core/capabilities.js";
import { adoptableByName, adoptionCandidates, statusSatisfies } from "../src/core/lifecycle.js";
import type { StateDocument, Workspace } from "../src/core/types.js";
import { resolveUndeclaredPending } from "../src/engine/pending.js";
import { closeSessions, openSessions } from "../src/engine/session.js";
import { altur } from "../src/providers/altur/index.js";
import { puffle } from "../src/providers/puffle/index.js";
import { catalog } from "../src/providers/registry.js";
import { StateStore } from "../src/state/journal.js";
import { useSandbox } from "./support/sandbox.js";

/**
 * The shared implementations of issue 21's "one of each": each rule is written once and every
 * layer asks it (src/core/lifecycle.ts, ...). Real capabilities, real sandbox where a layer reads.
 */

const alturCaps = altur.kinds[0]?.capabilities as KindCapabilities;
const puffleCaps = puffle.kinds[0]?.capabilities as KindCapabilities;

describe("statusSatisfies: one rule for planner, drift and apply", () => {
  it.each([
    ["altur active by active", alturCaps, "active", "active", true],
    ["altur active by cooldown", alturCaps, "active", "cooldown", true],
    ["altur inactive by pending", alturCaps, "inactive", "pending", true],
    ["altur active not by inactive", alturCaps, "active", "inactive", false],
    ["altur active not by finished", alturCaps, "active", "finished", false],
    ["puffle active by launching", puffleCaps, "active", "launching", true],
    ["puffle paused not by active", puffleCaps, "paused", "active", false],
    ["unknown live status", puffleCaps, "active", undefined, false],
  ] as const)("%s", (_, caps, desired, status, expected) => {
    expect(statusSatisfies(caps.lifecycle, desired, status)).toBe(expected);
  });

  it("a status always satisfies itself, listed or not (the rule apply used; planner and drift fell back to [desired] only when unlisted)", () => {
    const lifecycle = { satisfies: { running: ["warming"] } };
    expect(statusSatisfies(lifecycle, "running", "running")).toBe(true);
    expect(statusSatisfies(lifecycle, "running", "warming")).toBe(true);
    expect(statusSatisfies(lifecycle, "stopped", "stopped")).toBe(true);
    expect(statusSatisfies(lifecycle, "stopped", "running")).toBe(false);
  });
});

describe("adoption by name: one rule driven by the kind's lifecycle flags", () => {
  const live = (id: string, name: string, archived?: boolean) => ({ id, spec: { name, ...(archived === undefined ? {} : { archived }) } });

  it("takes the exact name only; an archived object only when the declaration asks for archived: true", () => {
    expect(adoptableByName(alturCaps, { name: "Q1" }, live("1", "Q1", false))).toBe(true);
    expect(adoptableByName(alturCaps, { name: "Q1" }, live("1", "q1", false))).toBe(false);
    expect(adoptableByName(alturCaps, { name: "Q1" }, live("1", "Q1", true))).toBe(false);
    expect(adoptableByName(alturCaps, { name: "Q1", archived: false }, live("1", "Q1", true))).toBe(false);
    expect(adoptableByName(alturCaps, { name: "Q1", archived: true }, live("1", "Q1", true))).toBe(true);
    expect(adoptableByName(alturCaps, { name: "Q1", archived: true }, live("1", "Q1", false))).toBe(true);
    expect(adoptableByName(alturCaps, {}, live("1", "Q1"))).toBe(false);
  });

  it("a kind without flags adopts whatever carries the name (a field named like another kind's flag means nothing)", () => {
    expect(puffleCaps.lifecycle.flags).toBeUndefined();
    expect(adoptableByName(puffleCaps, { name: "Q1" }, live("1", "Q1", true))).toBe(true);
  });

  it("candidates leave out ids state already binds, and keep the listing's order", () => {
    const listed = [live("3", "Q1"), live("1", "Q1", true), live("2", "Q1", false), live("4", "Q2")];
    expect(adoptionCandidates(alturCaps, { name: "Q1" }, listed, new Set(["2"])).map((c) => c.id)).toEqual(["3"]);
    expect(adoptionCandidates(alturCaps, { name: "Q1", archived: true }, listed, new Set()).map((c) => c.id)).toEqual(["3", "1", "2"]);
  });
});

describe("adoption by name at the engine's layers (Altur simulator over HTTP)", () => {
  const sb = useSandbox({ rateLimits: false });
  const PHONE = { agent_id: "agent_demo_01", integration_id: "integ_phone_01", integration_type: "phone_call" };

  function workspaceAt(dir: string): Workspace {
    return {
      configFile: join(dir, "campaignctl.yaml"),
      rootDir: dir,
      campaignsDir: join(dir, "campaigns"),
      stateFile: join(dir, "campaignctl.state.json"),
      accounts: [{ provider: "altur", name: "default", apiKeyEnv: "ALTUR_KEY", baseUrl: sb.urls.altur }],
      safety: { maxChangePercent: 100, minManagedForThreshold: 1000 },
      campaigns: [],
    };
  }

  // Deliberate unification: engine/pending.ts used to take any unclaimed campaign with the name, archived
  // ones included. A create sets no flag, so an archived namesake (the campaign a replace retired) is
  // not what the interrupted create made: the pending create is now forgotten instead of recording it.
  it("an undeclared pending create is not resolved to an archived namesake; a live one is recorded", async () => {
    const make = async (name: string) => ((await sb.request("altur", "POST", "/campaigns", { name, ...PHONE })).body as { campaign: { id: number } }).campaign.id;
    const retired = await make("Retired");
    expect((await sb.request("altur", "POST", `/campaigns/${retired}/archive`)).status).toBeLessThan(300);
    const fresh = await make("Fresh");
    await sb.clearRequests("altur");
    const dir = await mkdtemp(join(tmpdir(), "campaignctl-oneof-"));
    try {
      const pendingOf = (name: string) => ({ provider: "altur", account: "default", kind: "AlturCampaign", name, digest: "d".repeat(32), idempotencyKey: "k", at: "2026-01-01T00:00:00.000Z" });
      const doc: StateDocument = {
        version: 1,
        serial: 1,
        lineage: "oneof-test",
        campaigns: {},
        pending: { "altur/default/retired": pendingOf("Retired"), "altur/default/fresh": pendingOf("Fresh") },
      };
      const workspace = workspaceAt(dir);
      await writeFile(workspace.stateFile, JSON.stringify(doc));
      const store = await StateStore.open(workspace.stateFile, catalog);
      const sessions = openSessions(workspace, ["altur/default"], { readOnly: false, env: { ALTUR_KEY: sb.apiKey } });
      try {
        const notes = await resolveUndeclaredPending(workspace, store, sessions);
        expect(store.doc.campaigns["altur/default/retired"]).toBeUndefined();
        expect(store.doc.pending?.["altur/default/retired"]).toBeUndefined();
        expect(notes.map((n) => n.text)).toContain('altur/default/retired: an interrupted create left no campaign named "Retired"; forgotten');
        expect(store.doc.campaigns["altur/default/fresh"]).toMatchObject({ kind: "AlturCampaign", id: String(fresh) });
        // Each pending create lists the account once; nothing is written.
        expect((await sb.requests("altur")).map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual(["GET /api/v1.0/campaigns", "GET /api/v1.0/campaigns"]);
      } finally {
        closeSessions(sessions);
        store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
