/**
 * The CLI surface of issue 11, end to end against the sandbox: show, --version, bare help, JSON
 * results of apply/import/state list, --target globs and --exclude, state mv and rename detection.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, extrovertTarget, puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

describe("version and help", () => {
  it("--version and -V print the package version; -v stays verbose", async () => {
    for (const flag of ["--version", "-V"]) {
      const r = await ws.run([flag]);
      expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    }
    await ws.write("q2", "AlturCampaign", alturPhone);
    const verbose = await ws.run(["-v", "plan"]);
    expect(verbose.code).toBe(0);
    expect(verbose.stderr).toMatch(/altur\/default GET \/campaigns.* → 200/);
  });

  it("a bare campaignctl prints help on stdout and exits 0", async () => {
    const r = await ws.run([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: campaignctl [options] [command]");
    expect(r.stdout).toContain("show [options] <planfile>");
    for (const args of [["--no-color"], ["--config", "campaignctl.yaml", "-q"]]) {
      const g = await ws.run(args);
      expect(g.code).toBe(0);
      expect(g.stdout).toContain("Usage: campaignctl [options] [command]");
    }
    const unknown = await ws.run(["plna"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown command 'plna'/);
  });
});

describe("campaignctl show PLANFILE", () => {
  it("renders a saved plan in text, markdown and JSON without any request", async () => {
    await ws.write("q2", "AlturCampaign", alturPhone);
    await ws.write("nurture", "PuffleCampaign", puffleEmail);
    expect((await ws.run(["plan", "--out", "plan.json"])).code).toBe(0);
    const saved = await readFile(join(ws.dir, "plan.json"), "utf8");
    const planText = (await ws.run(["plan"])).stdout;
    await clearLogs(sb);
    // A workspace is not even needed: keys absent, config unreachable.
    const text = await ws.run(["show", "plan.json"], { ALTUR_API_KEY: undefined, PUFFLE_API_KEY: undefined, EXTROVERT_API_KEY: undefined });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(planText);
    expect(text.stdout).toContain('+ first_message: "Hola, te llamo de parte de Acme."');
    const md = await ws.run(["show", "plan.json", "--format", "markdown"]);
    expect(md.stdout).toContain("<details>");
    expect(md.stdout).toContain("+     [2] email {");
    const json = await ws.run(["show", "plan.json", "--format", "json"]);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(saved));
    for (const p of ["extrovert", "puffle", "altur"] as const) expect(await sb.requests(p)).toEqual([]);
  });

  it("refuses a file that is not a plan", async () => {
    const r = await ws.run(["show", "campaignctl.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot read plan file campaignctl\.yaml/);
  });
});

describe("--target globs and --exclude", () => {
  beforeEach(async () => {
    await ws.write("q2", "AlturCampaign", alturPhone);
    await ws.write("q3", "AlturCampaign", { ...alturPhone, name: "Q3 Reactivation" });
    await ws.write("email-nurture", "PuffleCampaign", puffleEmail);
    await ws.write("email-second", "PuffleCampaign", { ...puffleEmail, name: "Second nurture" });
  });
  const planned = async (args: string[]) => {
    const r = await ws.run(["plan", "--format", "json", ...args]);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout).campaigns as { address: string }[]).map((c) => c.address);
  };

  it("select by glob, subtract with --exclude (repeatable), and read only the accounts in scope", async () => {
    expect(await planned(["--target", "altur/*/*"])).toEqual(["altur/default/q2", "altur/default/q3"]);
    expect(await planned(["--target", "puffle/default/email-*"])).toEqual(["puffle/default/email-nurture", "puffle/default/email-second"]);
    expect(await planned(["--exclude", "altur/**", "--exclude", "puffle/default/email-second"])).toEqual(["puffle/default/email-nurture"]);
    expect(await planned(["--target", "altur/**", "--target", "puffle/default/email-nurture", "--exclude", "altur/default/q3"])).toEqual([
      "altur/default/q2",
      "puffle/default/email-nurture",
    ]);
    await clearLogs(sb);
    await planned(["--target", "puffle/**"]);
    expect(await sb.requests("altur")).toEqual([]);
  });

  it("shell semantics ([!x], {a,b}) and prefix targets (provider, provider/account, provider/*)", async () => {
    expect(await planned(["--target", "puffle/default/email-[!s]*"])).toEqual(["puffle/default/email-nurture"]);
    expect(await planned(["--target", "altur/default/q[!2]"])).toEqual(["altur/default/q3"]);
    expect(await planned(["--target", "{altur/default/q2,puffle/*/email-s*}"])).toEqual(["altur/default/q2", "puffle/default/email-second"]);
    for (const prefix of ["altur", "altur/default", "altur/*"]) expect(await planned(["--target", prefix]), prefix).toEqual(["altur/default/q2", "altur/default/q3"]);
    expect(await planned(["--exclude", "puffle"])).toEqual(["altur/default/q2", "altur/default/q3"]);
    const bad = await ws.run(["plan", "--target", "altur/default/[z-a]*"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: --target altur\/default\/\[z-a\]\* is not a valid pattern: character 16: the range z-a in \[z-a\] is reversed \(write a-z\)/);
    expect(bad.stderr).not.toContain("unexpected failure");
  });

  it("apply honours the selection", async () => {
    const r = await ws.run(["apply", "--auto-approve", "--target", "altur/**", "--exclude", "altur/default/q3"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(Object.keys((await ws.state()).campaigns)).toEqual(["altur/default/q2"]);
  });

  it("an unknown address or a glob matching nothing is an error with 'did you mean'", async () => {
    const typo = await ws.run(["plan", "--target", "altur/defualt/q2"]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/unknown --target altur\/defualt\/q2; did you mean altur\/default\/q2\b/);
    const none = await ws.run(["plan", "--target", "puffle/default/sms-*"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/--target puffle\/default\/sms-\* matches no campaign/);
    const empty = await ws.run(["plan", "--exclude", "**"]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/--target\/--exclude leave no campaign to work on/);
  });
});

describe("JSON results", () => {
  it("apply --format json: per-campaign outcome, id, verified fields, blocked reasons; nothing else on stdout", async () => {
    await ws.write("q2", "AlturCampaign", alturPhone);
    await ws.write("founders", "ExtrovertCampaign", extrovertTarget);
    const r = await ws.run(["apply", "--auto-approve", "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    const state = await ws.state();
    expect(doc).toMatchObject({ formatVersion: 2, exitCode: 0, summary: { applied: 2, failed: 0, blocked: 0, skipped: 0, manual: 0 } });
    const q2 = doc.campaigns.find((c: { address: string }) => c.address === "altur/default/q2");
    expect(q2).toMatchObject({ status: "applied", id: state.campaigns["altur/default/q2"]?.id });
    expect(q2.done[0]).toMatch(/^created id /);

    // An update: the fields read back and found as sent.
    await ws.write("q2", "AlturCampaign", { ...alturPhone, retries: 2, first_message: "Hola de nuevo." });
    const upd = await ws.run(["apply", "--auto-approve", "--format", "json"]);
    expect(upd.code, upd.stderr).toBe(0);
    const u = JSON.parse(upd.stdout);
    expect(u.campaigns).toEqual([
      {
        address: "altur/default/q2",
        status: "applied",
        id: state.campaigns["altur/default/q2"]?.id,
        done: ["updated first_message, retries"],
        verified: ["first_message", "retries"],
        blocked: [],
        warnings: [],
      },
    ]);
    // The plan went to stderr, stdout is the document alone.
    expect(upd.stderr).toContain("~ retries: 1 → 2");

    // A draft-only Puffle field on an active campaign: blocked, with the reason.
    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "draft" });
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns["puffle/default/nurture"]?.id as string;
    await sb.forceStatus("puffle", id, "active");
    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "active", stop_on_reply: false, daily_limit: 41 });
    const blocked = await ws.run(["apply", "--auto-approve", "--format", "json", "--target", "puffle/**"]);
    expect(blocked.code, blocked.stderr).toBe(3);
    const b = JSON.parse(blocked.stdout);
    expect(b.exitCode).toBe(3);
    expect(b.campaigns[0]).toMatchObject({ address: "puffle/default/nurture", status: "blocked", id, verified: ["daily_limit"] });
    expect(b.campaigns[0].blocked[0]).toMatchObject({ code: "field-blocked", field: "stop_on_reply", what: "stop_on_reply", reason: expect.stringMatching(/silently ignores/) });
  });

  it("state list --format json is a versioned document", async () => {
    await ws.write("q2", "AlturCampaign", alturPhone);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const r = await ws.run(["state", "list", "--format", "json"]);
    const e = (await ws.state()).campaigns["altur/default/q2"];
    expect(JSON.parse(r.stdout)).toEqual({
      formatVersion: 1,
      campaigns: [{ address: "altur/default/q2", provider: "altur", account: "default", kind: "AlturCampaign", id: e?.id, appliedAt: (e as { appliedAt?: string }).appliedAt }],
    });
  });
});

describe("state mv and rename detection", () => {
  it("state mv re-keys the entry; the next plan shows no changes", async () => {
    await ws.write("q2", "AlturCampaign", alturPhone);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns["altur/default/q2"]?.id;
    await ws.remove("q2");
    await ws.write("q2-reactivation", "AlturCampaign", alturPhone);
    const mv = await ws.run(["state", "mv", "altur/default/q2", "altur/default/q2-reactivation"]);
    expect(mv.code, mv.stderr).toBe(0);
    expect(mv.stdout).toContain(`Moved altur/default/q2 to altur/default/q2-reactivation (Altur id ${id})`);
    expect(Object.keys((await ws.state()).campaigns)).toEqual(["altur/default/q2-reactivation"]);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);

    const bad = await ws.run(["state", "mv", "altur/default/q2-reactivation", "puffle/default/x"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/state mv keeps the provider and account/);
    const unknown = await ws.run(["state", "mv", "altur/default/q2-reactivaton", "altur/default/x"]);
    expect(unknown.stderr).toMatch(/did you mean altur\/default\/q2-reactivation/);
  });
});

describe("import --format json", () => {
  it("lists what was imported (address, id, file) and what was skipped, as a versioned document", async () => {
    const made = await sb.request("puffle", "POST", "/api/campaigns", { type: "email", name: "Imported nurture", sender_account_ids: ["f0000000-0000-4000-8000-000000000002"] });
    expect(made.status).toBeLessThan(300);
    const id = String((made.body as { campaign: { id: string } }).campaign.id);
    const r = await ws.run(["import", "--provider", "puffle", "--all", "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      formatVersion: 1,
      provider: "puffle",
      account: "default",
      exitCode: 0,
      imported: [{ address: "puffle/default/imported-nurture", id, file: "campaigns/imported-nurture.yaml", name: "Imported nurture" }],
      skipped: [],
      failed: [],
    });
    const again = await ws.run(["import", "--provider", "puffle", "--all", "--format", "json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ imported: [], skipped: [{ id, name: "Imported nurture", reason: expect.stringMatching(/^already managed as puffle\/default\/imported-nurture/) }] });
  });
});

describe("rename detection", () => {
  it("a changed metadata.name is planned as a move of the same campaign, not a create plus an orphan", async () => {
    await ws.write("q2", "AlturCampaign", alturPhone);
    await ws.write("nurture", "PuffleCampaign", puffleEmail);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const before = (await ws.state()).campaigns;
    await ws.remove("q2");
    await ws.write("q2-reactivation", "AlturCampaign", { ...alturPhone, retries: 2 });
    await ws.remove("nurture");
    await ws.write("email-nurture", "PuffleCampaign", puffleEmail);

    const plan = await ws.run(["plan", "--detailed-exitcode", "--format", "json"]);
    expect(plan.code, plan.stderr).toBe(2);
    const doc = JSON.parse(plan.stdout);
    expect(doc.campaigns.map((c: { address: string; action: string; movedFrom?: string; id?: string }) => [c.address, c.action, c.movedFrom, c.id])).toEqual([
      ["altur/default/q2-reactivation", "update", "altur/default/q2", before["altur/default/q2"]?.id],
      ["puffle/default/email-nurture", "noop", "puffle/default/nurture", before["puffle/default/nurture"]?.id],
    ]);
    const text = await ws.run(["plan"]);
    expect(text.stdout).toContain("# altur/default/q2-reactivation (id");
    expect(text.stdout).toContain("moves from altur/default/q2 (same campaign, state re-keyed) and will be updated in place");
    expect(text.stdout).toContain("~ retries: 1 → 2");
    expect(text.stdout).not.toContain("no longer in Git");

    await clearLogs(sb);
    const applied = await ws.run(["apply", "--auto-approve", "--prune"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    // Nothing created, nothing retired: one PATCH for the edited field.
    expect((await sb.requests("altur")).filter((r) => r.method !== "GET").map((r) => r.method)).toEqual(["PATCH"]);
    expect((await sb.requests("puffle")).filter((r) => r.method !== "GET")).toEqual([]);
    const after = (await ws.state()).campaigns;
    expect(Object.keys(after).sort()).toEqual(["altur/default/q2-reactivation", "puffle/default/email-nurture"]);
    expect(after["altur/default/q2-reactivation"]?.id).toBe(before["altur/default/q2"]?.id);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });
});

describe("rename detection without a read API", () => {
  it("an Extrovert rename is matched by the last applied name and re-keyed, never created twice", async () => {
    await ws.write("founders", "ExtrovertCampaign", extrovertTarget);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns["extrovert/default/founders"]?.id;
    await ws.remove("founders");
    await ws.write("founders-engagement", "ExtrovertCampaign", extrovertTarget);
    const plan = await ws.run(["plan", "--detailed-exitcode"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(2);
    expect(plan.stdout).toContain("moves from extrovert/default/founders (same campaign, state re-keyed) and is in sync");
    await clearLogs(sb);
    const applied = await ws.run(["apply", "--auto-approve"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(await sb.requests("extrovert")).toEqual([]);
    expect(Object.keys((await ws.state()).campaigns)).toEqual(["extrovert/default/founders-engagement"]);
    expect((await ws.state()).campaigns["extrovert/default/founders-engagement"]?.id).toBe(id);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });
});

describe("provider errors say what to fix", () => {
  it("a 401 names the environment variable that held the key", async () => {
    await ws.write("q2", "AlturCampaign", alturPhone);
    const r = await ws.run(["plan"], { ALTUR_API_KEY: "not-the-key" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: altur: .*401.* — Altur refused the API key read from ALTUR_API_KEY \(account altur\/default\): check that ALTUR_API_KEY holds a valid Altur key\n$/);
    expect(r.stderr).not.toContain("not-the-key");
  });

  it("a URL pointing at another provider's API says so from the shape of the answer", async () => {
    const wrong = await TestWorkspace.create(sb, {
      accounts: [
        { provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY", baseUrl: sb.urls.altur },
        { provider: "altur", apiKeyEnv: "ALTUR_API_KEY", baseUrl: sb.urls.puffle },
      ],
    });
    try {
      await wrong.write("q2", "AlturCampaign", alturPhone);
      const a = await wrong.run(["plan", "--target", "altur/default/q2"]);
      expect(a.code).toBe(1);
      expect(a.stderr).toContain(`the answer has the shape of Puffle's API, not Altur's: is baseUrl of account altur/default (${sb.urls.puffle}) pointing at Puffle?`);
      await wrong.remove("q2");
      await wrong.write("nurture", "PuffleCampaign", puffleEmail);
      const p = await wrong.run(["plan"]);
      expect(p.code).toBe(1);
      expect(p.stderr).toContain("the answer has the shape of Altur's API, not Puffle's");
    } finally {
      await wrong.dispose();
    }
  });
});

describe("renames inside a selection or a saved plan", () => {
  it("--target NEW also takes in the orphan it was renamed from; apply PLANFILE of a rename is not stale", async () => {
    await ws.write("q2", "AlturCampaign", alturPhone);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    await ws.remove("q2");
    await ws.write("q2-reactivation", "AlturCampaign", alturPhone);
    const plan = await ws.run(["plan", "--format", "json", "--target", "altur/default/q2-reactivation", "--out", "plan.json"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).campaigns).toMatchObject([{ address: "altur/default/q2-reactivation", action: "noop", movedFrom: "altur/default/q2" }]);
    await clearLogs(sb);
    const applied = await ws.run(["apply", "plan.json"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect((await sb.requests("altur")).filter((r) => r.method !== "GET")).toEqual([]);
    expect(Object.keys((await ws.state()).campaigns)).toEqual(["altur/default/q2-reactivation"]);
  });
});

describe("an Extrovert orphan", () => {
  it("is a note telling the exact state forget to run, even with --prune; apply sends nothing", async () => {
    await ws.write("founders", "ExtrovertCampaign", extrovertTarget);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    await ws.remove("founders");
    const plan = await ws.run(["plan", "--detailed-exitcode"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain("then run `campaignctl state forget extrovert/default/founders`");
    await clearLogs(sb);
    const applied = await ws.run(["apply", "--auto-approve", "--prune"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stderr).toContain("Nothing to apply.");
    expect(await sb.requests("extrovert")).toEqual([]);
    const forget = await ws.run(["state", "forget", "extrovert/default/founders"]);
    expect(forget.code).toBe(0);
    expect((await ws.state()).campaigns).toEqual({});
  });
});
