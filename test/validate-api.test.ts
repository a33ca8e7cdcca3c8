import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCampaignDocument, checkCampaignText, loadWorkspace } from "../src/config/index.js";
import { REPO_ROOT, removeDir } from "./validate-support.js";

describe("loadWorkspace", () => {
  it("loads the repository's workspace: resolved paths, defaults, sorted campaigns with addresses", async () => {
    const { workspace, diagnostics } = await loadWorkspace({ cwd: REPO_ROOT });
    expect(diagnostics).toEqual([]);
    expect(workspace).toBeDefined();
    const ws = workspace!;
    expect(ws.configFile).toBe(join(REPO_ROOT, "campaignctl.yaml"));
    expect(ws.rootDir).toBe(REPO_ROOT);
    expect(ws.campaignsDir).toBe(join(REPO_ROOT, "campaigns"));
    expect(ws.stateFile).toBe(join(REPO_ROOT, "campaignctl.state.json"));
    expect(ws.safety).toEqual({ maxChangePercent: 30, minManagedForThreshold: 10 });
    expect(ws.accounts.map((a) => `${a.provider}/${a.name}/${a.apiKeyEnv}/${a.baseUrl ?? "-"}`)).toEqual([
      "extrovert/default/EXTROVERT_API_KEY/-",
      "puffle/default/PUFFLE_API_KEY/-",
      "altur/default/ALTUR_API_KEY/-",
    ]);
    expect(ws.campaigns.map((c) => c.address)).toEqual([
      "altur/default/q2-reactivation",
      "altur/default/renewals-scheduled",
      "altur/default/whatsapp-appointment-reminders",
      "extrovert/default/ai-agents-topic",
      "extrovert/default/founders-engagement",
      "extrovert/default/topic/ai-agents",
      "extrovert/default/context/example-corp",
      "extrovert/default/style/founder-voice",
      "puffle/default/email-renewal-nudge",
      "puffle/default/email-webinar-invite",
      "puffle/default/linkedin-cto-outreach",
      "puffle/default/cto-outreach-dach",
      "puffle/default/cto-outreach-nordics",
    ]);
  });

  it("gives each campaign a locate() that points at spec fields, falling back to the nearest parent", async () => {
    const { workspace } = await loadWorkspace({ cwd: REPO_ROOT });
    const decl = workspace!.campaigns.find((c) => c.name === "q2-reactivation")!;
    const file = join(REPO_ROOT, "campaigns", "altur", "q2-reactivation.yaml");
    expect(decl.source).toEqual({ file, line: 3, col: 1 });
    expect(decl.kind).toBe("AlturCampaign");
    expect(decl.spec.retries).toBe(2);
    expect(decl.locate!(["spec", "cycles", "mode"])).toEqual({ file, line: 29, col: 11 });
    expect(decl.locate!(["spec", "scheduling", "fri", "stopTime"])).toEqual({ file, line: 24, col: 42 });
    // Not written in the file: the nearest parent (the `cycles:` key).
    expect(decl.locate!(["spec", "cycles", "schedule_end_date"])).toEqual({ file, line: 27, col: 3 });
  });

  describe("defaults and --config", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "campaignctl-defaults-"));
      await writeFile(join(dir, "ws.yaml"), "apiVersion: campaignctl/v1\naccounts:\n  - provider: altur\n    apiKeyEnv: K\n");
    });
    afterAll(() => removeDir(dir));

    it("fills campaignsDir, stateFile, account name and safety defaults relative to the config file", async () => {
      await mkdir(join(dir, "campaigns"));
      const { workspace, diagnostics } = await loadWorkspace({ cwd: REPO_ROOT, configPath: join(dir, "ws.yaml") });
      expect(diagnostics).toEqual([
        {
          severity: "warning",
          code: "NO_CAMPAIGNS",
          message: `no campaign files (*.yaml, *.yml) under ${relative(REPO_ROOT, join(dir, "campaigns"))}`,
          file: join(dir, "ws.yaml"),
          line: 1,
          col: 1,
        },
      ]);
      expect(workspace).toMatchObject({
        configFile: join(dir, "ws.yaml"),
        rootDir: dir,
        campaignsDir: join(dir, "campaigns"),
        stateFile: join(dir, "campaignctl.state.json"),
        accounts: [{ provider: "altur", name: "default", apiKeyEnv: "K" }],
        safety: { maxChangePercent: 30, minManagedForThreshold: 10 },
        campaigns: [],
      });
    });
  });
});

describe("checking one already-parsed campaign (what import reuses)", () => {
  const valid = {
    apiVersion: "campaignctl/v1",
    kind: "PuffleCampaign",
    metadata: { name: "imported" },
    spec: {
      type: "linkedin",
      name: "Imported",
      sender_account_ids: ["f0000000-0000-4000-8000-000000000001"],
      sequence_nodes: [{ type: "connection_request", body: "Hi" }, { type: "end" }],
    },
  };

  it("accepts a valid in-memory document and returns its declaration", () => {
    const { decl, diagnostics } = checkCampaignDocument({ file: "campaigns/puffle/imported.yaml", value: valid });
    expect(diagnostics).toEqual([]);
    expect(decl).toMatchObject({ address: "puffle/default/imported", provider: "puffle", account: "default", kind: "PuffleCampaign" });
  });

  it("reports schema and provider problems without positions when there is no source", () => {
    const value = { ...valid, spec: { ...valid.spec, daily_limit: 50, sequence_nodes: [{ type: "message", body: "x" }] } };
    const { decl, diagnostics } = checkCampaignDocument({ file: "x.yaml", value });
    expect(decl).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["PUFFLE_CHANNEL_FIELD", undefined],
      ["PUFFLE_END_NODE", undefined],
    ]);
  });

  it("checks YAML text with positions", () => {
    const text = "apiVersion: campaignctl/v1\nkind: AlturCampaign\nmetadata:\n  name: t\nspec:\n  name: T\n  agent_id: a\n  integration_id: i\n  integration_type: whatsapp\n  first_message: hi\n";
    const { decl, diagnostics } = checkCampaignText(text, "t.yaml");
    expect(decl).toBeUndefined();
    expect(diagnostics).toEqual([
      {
        severity: "error",
        code: "ALTUR_CHANNEL_FIELD",
        message:
          "first_message applies only to phone_call campaigns, but this campaign's integration_type is whatsapp (Altur rejects it with INVALID_REQUEST); fields for whatsapp campaigns: template, template_alt",
        file: "t.yaml",
        line: 10,
        col: 3,
      },
    ]);
  });
});
