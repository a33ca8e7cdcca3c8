import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KindCapabilities } from "../src/core/capabilities.js";
import type { ResourceDecl, StateDocument, Workspace } from "../src/core/types.js";
import { readForAdoption } from "../src/engine/adopt.js";
import { resolveUndeclaredPending } from "../src/engine/pending.js";
import { closeSessions, openSessions, sessionForKind } from "../src/engine/session.js";
import { answerSource, asObject, idString } from "../src/providers/mapping.js";
import { puffle } from "../src/providers/puffle/index.js";
import { catalog, kindAtAddress, registerProvider } from "../src/providers/registry.js";
import type { ClientFactory, KindModule, LiveResource, ProviderModule } from "../src/providers/types.js";
import { StateStore } from "../src/state/journal.js";
import { useSandbox } from "./support/sandbox.js";

/**
 * The engine reaches every kind through that kind's own module and client, never through "the
 * provider's campaign kind". Shown with a provider registered by this test only ("probe"), whose
 * second kind is readable: sender accounts, read from the Puffle simulator over real HTTP
 * (GET /api/accounts), beside a primary kind that lists campaigns (GET /api/campaigns) and a third kind
 * that cannot be read at all.
 */
const sb = useSandbox({ rateLimits: false });

const primary = puffle.kinds[0] as KindModule;
const readonlyCaps = (readable: boolean): KindCapabilities => ({ ...primary.capabilities, readable, nameField: "email_address", noun: "sender" });

async function listSenders(http: Parameters<ClientFactory>[0]): Promise<LiveResource[]> {
  const req = { method: "GET", path: "/api/accounts", operation: "list senders", retry: "safe" } as const;
  const res = await http.request<{ accounts: unknown[] }>(req);
  return res.body.accounts.map((raw) => {
    const a = asObject(raw);
    return { id: idString(a.id, answerSource(http, req, res.status), "sender account"), spec: { email_address: typeof a.email_address === "string" ? a.email_address : null }, missing: [] };
  });
}

const refuse = () => Promise.reject(new Error("probe kinds are read-only"));
/** A kind registered at run time brings its spec schema (the generated validators know the built-in kinds only). */
const specSchema = { type: "object" };

const probe: ProviderModule = {
  id: "probe",
  displayName: "Probe",
  connection: puffle.connection,
  kinds: [
    { ...primary, kind: "ProbeCampaign", displayName: "Probe", specSchema },
    {
      kind: "ProbeSender",
      short: "sender",
      displayName: "Probe sender",
      validateSpec: () => undefined,
      specSchema,
      capabilities: readonlyCaps(true),
      loadClient: async () => (http) => ({
        list: () => listSenders(http),
        get: async (id) => (await listSenders(http)).find((s) => s.id === id),
        create: refuse,
        update: refuse,
      }),
    },
    {
      kind: "ProbeNote",
      short: "note",
      displayName: "Probe note",
      validateSpec: () => undefined,
      specSchema,
      capabilities: readonlyCaps(false),
      loadClient: async () => () => ({ create: refuse, update: refuse }),
    },
  ],
  examples: [],
};

let unregister: (() => void) | undefined;
beforeAll(() => {
  unregister = registerProvider(probe);
});
afterAll(() => unregister?.());

const KEYS = { PROBE_KEY: "sandbox" };

function workspaceAt(dir: string): Workspace {
  return {
    configFile: join(dir, "campaignctl.yaml"),
    rootDir: dir,
    campaignsDir: join(dir, "campaigns"),
    stateFile: join(dir, "campaignctl.state.json"),
    accounts: [{ provider: "probe", name: "default", apiKeyEnv: "PROBE_KEY", baseUrl: sb.urls.puffle }],
    safety: { maxChangePercent: 100, minManagedForThreshold: 1000 },
    campaigns: [],
  };
}

async function firstSender(): Promise<{ id: string; email: string }> {
  const res = await sb.request("puffle", "GET", "/api/accounts");
  const first = (res.body as { accounts: { id: string; email_address: string }[] }).accounts[0];
  if (!first) throw new Error("the Puffle simulator has no sender accounts");
  await sb.clearRequests("puffle");
  return { id: first.id, email: first.email_address };
}

describe("a provider registered by a test", () => {
  it("is known to the registry and the state catalog; a clash is refused", () => {
    expect(kindAtAddress("probe/default/sender/x")?.kind.kind).toBe("ProbeSender");
    expect(kindAtAddress("probe/default/x")?.kind.kind).toBe("ProbeCampaign");
    expect(catalog.providers()).toContain("probe");
    expect(catalog.kindsOf("probe")).toEqual([{ kind: "ProbeCampaign" }, { kind: "ProbeSender", short: "sender" }, { kind: "ProbeNote", short: "note" }]);
    expect(() => registerProvider({ ...probe, kinds: [] })).toThrow(/id probe is already registered/);
    expect(() => registerProvider({ ...probe, id: "probe-two" })).toThrow(/kind ProbeCampaign is already offered by probe/);
    expect(() => registerProvider({ ...probe, id: "probe-three", kinds: [{ ...primary, kind: "ProbeBare" }] })).toThrow(/carry their spec schema .*ProbeBare/);
  });
});

describe("pending creates are resolved with the pending object's own kind", () => {
  it("lists the pending kind's objects (not campaigns), records the one with the name, and leaves an unreadable kind to the user", async () => {
    const sender = await firstSender();
    const dir = await mkdtemp(join(tmpdir(), "campaignctl-kinds-"));
    try {
      const at = "2026-01-01T00:00:00.000Z";
      const pendingOf = (kind: string, name: string) => ({ provider: "probe", account: "default", kind, name, digest: "d".repeat(32), idempotencyKey: "k", at });
      const doc: StateDocument = {
        version: 1,
        serial: 1,
        lineage: "kinds-test",
        campaigns: {},
        pending: {
          "probe/default/sender/mine": pendingOf("ProbeSender", sender.email),
          "probe/default/note/gone": pendingOf("ProbeNote", "gone"),
        },
      };
      const workspace = workspaceAt(dir);
      await writeFile(workspace.stateFile, JSON.stringify(doc));
      const store = await StateStore.open(workspace.stateFile, catalog);
      const sessions = await openSessions(workspace, ["probe/default"], { readOnly: false, env: KEYS });
      try {
        const notes = await resolveUndeclaredPending(workspace, store, sessions);
        expect(store.doc.campaigns["probe/default/sender/mine"]).toMatchObject({ kind: "ProbeSender", id: sender.id });
        expect(notes.some((n) => n.text.startsWith("probe/default/sender/mine: recorded") && n.text.includes(sender.id))).toBe(true);
        // The unreadable kind is not looked up anywhere: the user is told how to bind it.
        expect(notes.some((n) => n.text.startsWith("probe/default/note/gone is no longer declared") && n.text.includes("state adopt"))).toBe(true);
        expect(store.doc.pending?.["probe/default/note/gone"]).toBeDefined();
        const sent = (await sb.requests("puffle")).map((r) => `${r.method} ${r.path}`);
        expect(sent).toEqual(["GET /api/accounts"]);
      } finally {
        closeSessions(sessions);
        store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("state adopt reads the addressed object with its own kind's client", () => {
  const declOf = (kind: string, address: string, spec: Record<string, string>): ResourceDecl => ({
    address,
    provider: "probe",
    account: "default",
    kind,
    name: address.split("/").at(-1) as string,
    spec,
    source: { file: "probe.yaml", line: 1, col: 1 },
  });

  it("reads a sender by id through the sender kind (no campaign GET), and a kind without reads sends nothing", async () => {
    const sender = await firstSender();
    const dir = await mkdtemp(join(tmpdir(), "campaignctl-kinds-"));
    const sessions = await openSessions(workspaceAt(dir), ["probe/default"], { readOnly: true, env: KEYS });
    try {
      const account = sessions.get("probe/default");
      if (!account) throw new Error("no session");
      const decl = declOf("ProbeSender", "probe/default/sender/mine", { email_address: sender.email });
      const adoption = await readForAdoption(sessionForKind(account, decl.kind), decl, sender.id);
      expect(adoption).toEqual({ id: sender.id, applied: { email_address: sender.email }, missing: [], assumed: [] });
      expect(await readForAdoption(sessionForKind(account, decl.kind), decl, "no-such-id")).toBeUndefined();
      const note = declOf("ProbeNote", "probe/default/note/n", { email_address: "x" });
      expect(await readForAdoption(sessionForKind(account, note.kind), note, "7")).toBe("unreadable");
      const sent = (await sb.requests("puffle")).map((r) => `${r.method} ${r.path}`);
      expect(sent).toEqual(["GET /api/accounts", "GET /api/accounts"]);
    } finally {
      closeSessions(sessions);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
