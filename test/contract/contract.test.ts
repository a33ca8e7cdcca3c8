/**
 * The contract suite: one cycle over EVERY registered kind, the built-in ones and the fake provider's
 * (test/fake-provider/, registered by the one line below), through the CLI in-process and the same
 * engine paths — validate → apply (create) → plan is empty → for each editable field, one at a time:
 * change it → the plan shows exactly that change → apply (the write carries it) → plan is empty; then an
 * immutable field plans a replace. The kinds come from the registry and each kind's sample is found by
 * kind name (`<Kind>.contract.yaml` under test/, see test/contract/samples/README.md): a new kind is
 * covered without editing this file, and fails here until it has a sample.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { KindCapabilities } from "../../src/core/capabilities.js";
import type { JsonObject, JsonValue } from "../../src/core/json.js";
import type { ResourcePlan, Plan } from "../../src/core/plan.js";
import { defaultApiKeyEnv, providers, registerProvider } from "../../src/providers/registry.js";
import type { KindModule, ProviderModule } from "../../src/providers/types.js";
import { isSimulated } from "../../src/sandbox/types.js";
import { TestWorkspace } from "../e2e/workspace.js";
import { useSandbox } from "../support/sandbox.js";
import { fake, fakeBackend } from "../fake-provider/index.js";

const unregister = registerProvider(fake);
afterAll(() => unregister());

const sb = useSandbox({ rateLimits: false });
beforeEach(() => fakeBackend.reset());

const TEST_DIR = join(import.meta.dirname, "..");
const KEYS = Object.fromEntries(providers().map((p) => [defaultApiKeyEnv(p.id), "sandbox"]));

interface Sample {
  /** Other objects the spec refers to (`{ ref: name }`), created with it and left alone. */
  with?: { kind: string; name: string; spec: JsonObject }[];
  spec: JsonObject;
  change: JsonObject;
  replace?: { set: JsonObject; drop?: string[] };
}

/** Every `<Kind>.contract.yaml` under test/, by kind name. */
function sampleFiles(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith(".contract.yaml")) {
        const kind = e.name.slice(0, -".contract.yaml".length);
        found.set(kind, [...(found.get(kind) ?? []), join(dir, e.name)]);
      }
    }
  };
  walk(TEST_DIR);
  return found;
}
const SAMPLES = sampleFiles();

function sampleOf(kind: string): Sample {
  const files = SAMPLES.get(kind) ?? [];
  if (files.length !== 1) {
    throw new Error(`kind ${kind}: ${files.length === 0 ? "no contract sample" : `${files.length} contract samples`} — one ${kind}.contract.yaml under test/ (see test/contract/samples/README.md)`);
  }
  return parse(readFileSync(files[0]!, "utf8")) as Sample;
}

/**
 * The top-level spec fields a new object of the kind can change in place, from its capabilities: not
 * immutable, not the status field or a lifecycle flag, and editable in the status a new object is in.
 */
function editableFields(caps: KindCapabilities, spec: JsonObject): string[] {
  const life = caps.lifecycle;
  const desired = life.statusField === undefined ? undefined : spec[life.statusField];
  const statuses = typeof desired === "string" ? (life.satisfies[desired] ?? []) : life.initialStatus === undefined ? [] : [life.initialStatus];
  return Object.keys(spec).filter((field) => {
    if (caps.immutable.includes(field) || field === life.statusField || Object.hasOwn(life.flags ?? {}, field)) return false;
    const rule = caps.fields.find((f) => f.path === field);
    return rule?.editableIn === undefined || statuses.length === 0 || statuses.some((s) => rule.editableIn!.includes(s));
  });
}

/** What the provider was asked to do, whichever backend serves it: the sandbox's request log, or the fake's call log. */
interface Backend {
  clear(): Promise<void>;
  reads(): Promise<number>;
  /** Bodies of the writes (anything but a read). */
  writes(): Promise<unknown[]>;
}

function backendOf(provider: ProviderModule): Backend {
  if (provider === fake) {
    return {
      clear: async () => fakeBackend.clearCalls(),
      reads: async () => fakeBackend.calls().filter((c) => c.op === "list" || c.op === "get").length,
      writes: async () => fakeBackend.calls().filter((c) => c.op !== "list" && c.op !== "get").map((c) => c.body ?? c.action),
    };
  }
  if (!isSimulated(provider.id)) throw new Error(`provider ${provider.id}: neither simulated by the sandbox nor the fake`);
  const id = provider.id;
  return {
    clear: () => sb.clearRequests(id),
    reads: async () => (await sb.requests(id)).filter((r) => r.method === "GET").length,
    writes: async () => (await sb.requests(id)).filter((r) => r.method !== "GET").map((r) => r.body),
  };
}

/**
 * Whether `body` carries `value` at the dotted `path`, starting at any depth (a provider may wrap the
 * body); objects: at least the wanted keys; arrays: the same members in any order.
 */
function carries(body: unknown, path: string, value: JsonValue): boolean {
  if (Array.isArray(body)) return body.some((b) => carries(b, path, value));
  if (body === null || typeof body !== "object") return false;
  let at: unknown = body;
  for (const key of path.split(".")) at = at !== null && typeof at === "object" && !Array.isArray(at) ? (at as Record<string, unknown>)[key] : undefined;
  if (at !== undefined && covers(at, value)) return true;
  return Object.values(body as Record<string, unknown>).some((v) => carries(v, path, value));
}

function covers(actual: unknown, wanted: JsonValue): boolean {
  if (Array.isArray(wanted)) {
    if (!Array.isArray(actual) || actual.length !== wanted.length) return false;
    return wanted.every((w) => actual.some((a) => covers(a, w)));
  }
  if (wanted !== null && typeof wanted === "object") {
    if (actual === null || typeof actual !== "object") return false;
    return Object.entries(wanted).every(([k, v]) => covers((actual as Record<string, unknown>)[k], v as JsonValue));
  }
  return actual === wanted;
}

const KINDS = providers().flatMap((provider) => provider.kinds.map((kind) => ({ provider, kind, name: kind.kind })));

function workspaceConfig(): Record<string, unknown> {
  return {
    accounts: providers().map((p) => ({
      provider: p.id,
      apiKeyEnv: defaultApiKeyEnv(p.id),
      // The sandbox runs without rate limits here: no client-side pacing either, so the suite takes seconds.
      requestsPerSecond: 1000,
      ...(isSimulated(p.id) ? { baseUrl: sb.urls[p.id] } : {}),
    })),
  };
}

describe("the contract suite covers every registered kind", () => {
  it("finds the built-in kinds and the fake provider's, each with exactly one sample naming only its own fields", () => {
    expect(KINDS.map((k) => k.name)).toEqual(expect.arrayContaining(["ExtrovertCampaign", "PuffleCampaign", "AlturCampaign", "FakeWidget", "FakeNote"]));
    for (const { name } of KINDS) expect(SAMPLES.get(name), name).toHaveLength(1);
    // No sample for a kind nobody registered (a renamed kind would leave its sample behind).
    expect([...SAMPLES.keys()].filter((k) => !KINDS.some((x) => x.name === k))).toEqual([]);
    // The workspace config's provider list (an edited schema, not generated) names exactly the built-in providers.
    const config = JSON.parse(readFileSync(join(TEST_DIR, "..", "schemas", "campaignctl.schema.json"), "utf8"));
    expect(config.$defs.Account.properties.provider.enum).toEqual(providers().filter((p) => p !== fake).map((p) => p.id));
  });
});

describe.each(KINDS)("contract: $name", ({ provider, kind, name }: { provider: ProviderModule; kind: KindModule; name: string }) => {
  it("create → plan empty → each editable field: plan shows exactly it → apply → plan empty; an immutable field plans a replace", async () => {
    const sample = sampleOf(name);
    const caps = kind.capabilities;
    const editable = editableFields(caps, sample.spec);
    // The sample changes exactly the fields the capabilities call editable.
    expect(Object.keys(sample.change).sort(), `${name}: sample.change vs editable fields`).toEqual([...editable].sort());

    const backend = backendOf(provider);
    const ws = await TestWorkspace.create(sb, workspaceConfig());
    const objectName = `contract-${name.toLowerCase()}`;
    const address = kind.short === undefined ? `${provider.id}/default/${objectName}` : `${provider.id}/default/${kind.short}/${objectName}`;
    const run = async (args: string[]) => ws.run(args, KEYS);
    let created = false;
    const others: string[] = [];
    const planJson = async (): Promise<{ code: number; plan: Plan; mine: ResourcePlan }> => {
      const res = await run(["plan", "--detailed-exitcode", "--format", "json"]);
      expect([0, 2, 3], res.stderr).toContain(res.code);
      const plan = JSON.parse(res.stdout) as Plan;
      const mine = plan.campaigns.find((c) => c.address === address);
      expect(mine, res.stdout).toBeDefined();
      // The objects the sample refers to come with the first apply and stay unchanged.
      if (created) expect(plan.campaigns.filter((c) => c !== mine).map((c) => `${c.address} ${c.action}`).sort()).toEqual(others.map((o) => `${o} noop`).sort());
      return { code: res.code, plan, mine: mine! };
    };
    const expectEmptyPlan = async (what: string) => {
      await backend.clear();
      const { code, mine } = await planJson();
      expect({ what, code, action: mine.action, changes: mine.changes, blocked: mine.blocked }).toEqual({ what, code: 0, action: "noop", changes: [], blocked: [] });
      // A readable kind is read; an unreadable one is compared with state, and nothing is asked of the provider.
      if (caps.readable) expect(await backend.reads(), `${what}: reads`).toBeGreaterThan(0);
      else {
        expect(await backend.reads(), `${what}: reads`).toBe(0);
        expect(mine.notes.map((n) => n.code)).toContain("no-read-api");
      }
      expect(await backend.writes(), `${what}: a plan writes nothing`).toEqual([]);
    };

        try {
      for (const other of sample.with ?? []) {
        await ws.write(other.name, other.kind, other.spec);
        const found = providers().flatMap((p) => p.kinds.map((k) => ({ p, k }))).find((x) => x.k.kind === other.kind);
        others.push(found!.k.short === undefined ? `${found!.p.id}/default/${other.name}` : `${found!.p.id}/default/${found!.k.short}/${other.name}`);
      }
      let spec: JsonObject = structuredClone(sample.spec);
      await ws.write(objectName, name, spec);
      const valid = await run(["validate"]);
      expect(valid.code, valid.stdout + valid.stderr).toBe(0);

      // Create.
      const first = await planJson();
      expect(first.mine.action).toBe("create");
      await backend.clear();
      const apply = await run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      expect((await backend.writes()).length).toBeGreaterThan(0);
      created = true;
      await expectEmptyPlan("after create");

      // Each editable field, one at a time.
      for (const field of editable) {
        spec = { ...spec, [field]: structuredClone(sample.change[field]!) };
        await ws.write(objectName, name, spec);
        const { code, mine } = await planJson();
        const outside = mine.changes.filter((c) => c.path !== field && !c.path.startsWith(`${field}.`));
        expect({ field, code, action: mine.action, outside, blocked: mine.blocked }).toEqual({ field, code: 2, action: "update", outside: [], blocked: [] });
        expect(mine.changes.length, `${field}: changes`).toBeGreaterThan(0);
        expect(mine.changes.every((c) => c.class === "editable"), field).toBe(true);

        await backend.clear();
        const res = await run(["apply", "--auto-approve"]);
        expect(res.code, `${field}: ${res.stdout}${res.stderr}`).toBe(0);
        // Every planned change went out in a write (a patch may carry only the changed keys of a merged object).
        const writes = await backend.writes();
        for (const c of mine.changes) expect(writes.some((body) => carries(body, c.path, c.after)), `${c.path}: a write carries ${JSON.stringify(c.after)}: ${JSON.stringify(writes)}`).toBe(true);
        await expectEmptyPlan(`after changing ${field}`);
      }

      // An immutable field plans a replace (not applied: how the old object is retired is the kind's own).
      if (sample.replace) {
        const fields = Object.keys(sample.replace.set).filter((f) => caps.immutable.includes(f));
        expect(fields.length, `${name}: replace.set names an immutable field`).toBeGreaterThan(0);
        const next: JsonObject = { ...spec, ...structuredClone(sample.replace.set) };
        for (const f of sample.replace.drop ?? []) delete next[f];
        await ws.write(objectName, name, next);
        await backend.clear();
        const { code, mine } = await planJson();
        expect({ code, action: mine.action }).toEqual({ code: 3, action: "replace" });
        expect(mine.replaceFields).toEqual(expect.arrayContaining(fields));
        expect(mine.replaceFields?.every((f) => caps.immutable.includes(f))).toBe(true);
        expect(await backend.writes()).toEqual([]);
      } else {
        expect(caps.immutable.filter((f) => !f.includes(".") && Object.hasOwn(sample.spec, f)), `${name}: immutable fields in the sample need a replace`).toEqual([]);
      }
    } finally {
      await ws.dispose();
    }
  });
});

describe("the fake provider is validated by its own schema and rules, with located diagnostics", () => {
  it("a bad widget file: schema errors and a rule error, each with its line; a typo of its kind and of its provider suggests the registered name", async () => {
    const ws = await TestWorkspace.create(sb, workspaceConfig());
    try {
      await ws.write("bad", "FakeWidget", { name: "w", serial: "nope", size: 0, tags: ["a", "a"], colour: "red" });
      await ws.write("typo", "FakeWidgt", { name: "w", serial: "AB-123" });
      const res = await run(ws, ["validate", "--format", "json"]);
      expect(res.code).toBe(1);
      const found = (JSON.parse(res.stdout) as { diagnostics: { file: string; line: number | null; code: string; message: string }[] }).diagnostics.map(
        (d) => `${d.file}:${d.line} ${d.code} ${d.message}`,
      );
      expect(found).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^campaigns\/bad\.yaml:\d+ SCHEMA_FORMAT spec\.serial must be two capital letters, - and three digits, such as AB-123, got "nope"$/),
          expect.stringMatching(/^campaigns\/bad\.yaml:\d+ SCHEMA_RANGE spec\.size must be/),
          expect.stringMatching(/^campaigns\/bad\.yaml:\d+ SCHEMA_UNKNOWN_FIELD unknown field "colour" in spec; did you mean "color"\?/),
          expect.stringMatching(/^campaigns\/bad\.yaml:\d+ FAKE_TAG_REPEATED tag "a" is listed twice/),
          expect.stringMatching(/^campaigns\/typo\.yaml:\d+ SCHEMA_ENUM kind must be .*did you mean "FakeWidget"\?/),
        ]),
      );
      expect(found.every((f) => !/:null /.test(f)), found.join("\n")).toBe(true);

      await ws.remove("bad");
      await ws.remove("typo");
      const config = workspaceConfig() as { accounts: { provider: string }[] };
      const typo = await TestWorkspace.create(sb, { accounts: config.accounts.map((a) => (a.provider === "fake" ? { ...a, provider: "fkae" } : a)) });
      try {
        const bad = await run(typo, ["validate"]);
        expect(bad.code).toBe(1);
        expect(bad.stdout + bad.stderr).toMatch(/campaignctl\.yaml:\d+:\d+: .*accounts\[\d\]\.provider must be one of .*"fake".*did you mean "fake"\?/);
      } finally {
        await typo.dispose();
      }
    } finally {
      await ws.dispose();
    }
  });
});

async function run(ws: TestWorkspace, args: string[]) {
  return ws.run(args, KEYS);
}

describe("a provider is one folder plus one registry line", () => {
  const FOLDER = join(TEST_DIR, "fake-provider");
  const ROOT = join(TEST_DIR, "..");
  const filesUnder = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));

  it("the fake provider's files are one folder, which imports only itself and src/; nothing in src/ or schemas/ names it; one line registers it", () => {
    const files = filesUnder(FOLDER).map((f) => f.slice(FOLDER.length + 1)).sort();
    expect(files).toEqual([
      "FakeNote.contract.yaml", "FakeWidget.contract.yaml", "README.md", "backend.ts", "index.ts", "kinds.ts",
      "schema/FakeNote.schema.json", "schema/FakeWidget.schema.json",
    ]);
    // Its modules import the folder's own files and production code, nothing else of the tests.
    for (const file of files.filter((f) => f.endsWith(".ts"))) {
      const specifiers = [...readFileSync(join(FOLDER, file), "utf8").matchAll(/from "([^"]+)"/g)].map((m) => m[1]!);
      expect(specifiers.filter((s) => !s.startsWith("./") && !s.startsWith("../../src/") && !s.startsWith("node:")), file).toEqual([]);
    }
    // Production code, the schemas and the generator do not know it.
    const names = [`"${fake.id}"`, `'${fake.id}'`, `${fake.id}/`, ...fake.kinds.map((k) => k.kind), "fake-provider", "fakeBackend"];
    const mentions = ["src", "schemas", "scripts"].flatMap((d) => filesUnder(join(ROOT, d))).filter((f) => {
      const text = readFileSync(f, "utf8");
      return names.some((n) => text.includes(n));
    });
    expect(mentions.map((f) => f.slice(ROOT.length + 1))).toEqual([]);
    // The one registration: this file's `registerProvider(fake)`.
    const registrations = filesUnder(TEST_DIR).filter((f) => f.endsWith(".ts")).flatMap((f) => (readFileSync(f, "utf8").match(/^.*\bregisterProvider\(fake\);$/gm) ?? []).map(() => f));
    expect(registrations.map((f) => f.slice(TEST_DIR.length + 1))).toEqual(["contract/contract.test.ts"]);
  });
});
