import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { checkCallingHours, reachIn, ruleFor, zonesOfNumber, type CallingWindow } from "../src/core/guardrails/calling-hours.js";
import { runCli } from "./validate-support.js";

// docs/design.md §14, issue 25: calling hours in the called person's zone, offline, in validate.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "campaignctl-calling-hours-"));
  await mkdir(join(dir, "campaigns"), { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function workspace(opts: { mon: [string, string]; timezone?: string; numbers: string[]; guardrails?: object }): Promise<void> {
  await writeFile(
    join(dir, "campaignctl.yaml"),
    stringify({ apiVersion: "campaignctl/v1", accounts: [{ provider: "altur", apiKeyEnv: "A" }], ...(opts.guardrails ? { guardrails: opts.guardrails } : {}) }),
  );
  await writeFile(join(dir, "contacts.csv"), `contact,name\n${opts.numbers.map((n, i) => `${n},Person ${i}`).join("\n")}\n`);
  // The mon window is on line 12 of this file.
  await writeFile(
    join(dir, "campaigns", "calls.yaml"),
    [
      "apiVersion: campaignctl/v1",
      "kind: AlturCampaign",
      "metadata:",
      "  name: calls",
      "spec:",
      "  name: Calls",
      "  agent_id: agent_demo_01",
      "  integration_id: integ_phone_01",
      "  integration_type: phone_call",
      `  timezone: ${opts.timezone ?? "America/Mexico_City"}`,
      "  scheduling:",
      `    mon: { startTime: "${opts.mon[0]}", stopTime: "${opts.mon[1]}", active: true }`,
      '    tue: { startTime: "09:00", stopTime: "17:00", active: true }',
      "audience:",
      "  files: [../contacts.csv]",
      "",
    ].join("\n"),
  );
}

const DC = ["+12025550101", "+12025550102", "+12025550103"];

describe("calling hours in validate", () => {
  it("07:00–20:30 Mexico City to +1 202 numbers fails with CALLING_HOURS located at the window's line", async () => {
    await workspace({ mon: ["07:00", "20:30"], numbers: DC });
    const r = await runCli(["validate"], dir);
    expect(r.code).toBe(1);
    const line = r.stdout.split("\n").find((l) => l.includes("CALLING_HOURS")) ?? "";
    expect(line).toMatch(/^campaigns\/calls\.yaml:12:\d+: error CALLING_HOURS /);
    expect(line).toContain("3 contacts in America/New_York (+1 202 (DC))");
    // 20:30 in Mexico City is 21:30 EST and 22:30 EDT: the worst case over the year is the summer one.
    expect(line).toContain("until 22:30");
    expect(line).toContain("allowed there: 08:00–21:00");
    expect(r.stdout.match(/CALLING_HOURS/g)).toHaveLength(1);
  });

  it("09:00–17:00 passes", async () => {
    await workspace({ mon: ["09:00", "17:00"], numbers: DC });
    const r = await runCli(["validate"], dir);
    expect(r.stdout + r.stderr).not.toContain("CALLING_HOURS");
    expect(r.code).toBe(0);
  });

  it("a Florida number (+1 305) is held to 08:00–20:00, a New York one (+1 212) to 21:00", async () => {
    await workspace({ mon: ["09:00", "20:30"], timezone: "America/New_York", numbers: ["+13055550101", "+12125550101"] });
    const r = await runCli(["validate", "--format", "json"], dir);
    expect(r.code).toBe(1);
    const diags = JSON.parse(r.stdout).diagnostics.filter((d: { code: string }) => d.code === "CALLING_HOURS");
    expect(diags).toHaveLength(1);
    expect(diags[0].message).toContain("1 contact in America/New_York (+1 305 (FL)) until 20:30");
    expect(diags[0].message).toContain("Fla. Stat. 501.059");
    expect(diags[0].line).toBe(12);
  });

  it("level warning reports without failing; policy off checks nothing; a custom window applies to everyone", async () => {
    await workspace({ mon: ["07:00", "20:30"], numbers: DC, guardrails: { callingHours: { policy: "us-tcpa", level: "warning" } } });
    let r = await runCli(["validate"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/warning CALLING_HOURS/);
    await workspace({ mon: ["07:00", "20:30"], numbers: DC, guardrails: { callingHours: { policy: "off" } } });
    r = await runCli(["validate"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("CALLING_HOURS");
    await workspace({ mon: ["09:00", "17:00"], numbers: DC, guardrails: { callingHours: { policy: { start: "09:00", end: "18:00" } } } });
    r = await runCli(["validate"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("until 19:00");
    expect(r.stdout).toContain("allowed there: 09:00–18:00 (guardrails.callingHours.policy)");
  });

  it("a bad policy is a located schema error", async () => {
    await workspace({ mon: ["09:00", "17:00"], numbers: DC, guardrails: { callingHours: { policy: "uk-ofcom" } } });
    const r = await runCli(["validate"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/campaignctl\.yaml:\d+:\d+: error/);
  });
});

describe("calling hours: zones and daylight saving", () => {
  const NOW = new Date("2026-12-07T12:00:00Z");
  const window = (day: CallingWindow["day"], start: string, end: string, timezone: string): CallingWindow => ({ path: ["scheduling", day], day, start, end, timezone });

  it("reads the zone from the number: +1 by area code (split codes list both zones), other countries by country", () => {
    expect(zonesOfNumber("+12025550101", undefined)).toMatchObject({ zones: ["America/New_York"], region: "DC" });
    expect(zonesOfNumber("+18505550101", undefined)?.zones).toEqual(["America/New_York", "America/Chicago"]);
    // Mexico City's area code pins the zone; another Mexican number is checked in every Mexican zone.
    expect(zonesOfNumber("+525512345678", "MX")).toEqual({ zones: ["America/Mexico_City"], label: "MX +5255" });
    expect(zonesOfNumber("+526641234567", "MX")?.zones).toContain("America/Tijuana");
    expect(zonesOfNumber("+19995550101", undefined)).toBeUndefined();
    expect(ruleFor("us-tcpa", "FL")).toMatchObject({ start: "08:00", end: "20:00" });
    expect(ruleFor("us-tcpa", "NY")).toMatchObject({ start: "08:00", end: "21:00" });
  });

  it("a window in a zone without daylight saving moves an hour later for an Eastern contact on the day DST starts", () => {
    // Phoenix never changes; New York springs forward on Sunday 2027-03-14.
    const sun = reachIn(window("sun", "06:00", "18:30", "America/Phoenix"), "America/New_York", NOW);
    expect(sun).toMatchObject({ earliest: 8 * 60, latest: 21 * 60 + 30, latestOn: "2027-03-14" });
    const sat = reachIn(window("sat", "06:00", "18:30", "America/Phoenix"), "America/New_York", NOW);
    expect(sat?.latestOn).toBe("2027-03-20");
    const where = zonesOfNumber("+12125550101", undefined)!;
    // 18:00 Phoenix is 21:00 EDT: exactly the limit, allowed; 18:30 is not.
    expect(checkCallingHours([window("sun", "06:00", "18:00", "America/Phoenix")], [{ where, count: 1 }], "us-tcpa", NOW)).toEqual([]);
    expect(checkCallingHours([window("sun", "06:00", "18:30", "America/Phoenix")], [{ where, count: 1 }], "us-tcpa", NOW)).toHaveLength(1);
  });

  it("one window's breaches in one zone under one rule are one finding: contacts summed, places listed", () => {
    const groups = ["+12025550101", "+12125550101", "+12125550102"].map((n) => ({ where: zonesOfNumber(n, undefined)!, count: 1 }));
    const breaches = checkCallingHours([window("mon", "07:00", "20:30", "America/Mexico_City")], groups, "us-tcpa", NOW);
    expect(breaches).toHaveLength(1);
    expect(breaches[0]).toMatchObject({ zone: "America/New_York", contacts: 3, where: { label: "+1 202 (DC), +1 212 (NY)" } });
  });

  it("a two-zone area code takes the stricter zone (+1 850: the Central part of the Florida panhandle)", () => {
    const where = zonesOfNumber("+18505550101", undefined)!;
    const [b] = checkCallingHours([window("mon", "08:30", "19:00", "America/New_York")], [{ where, count: 2 }], "us-tcpa", NOW);
    expect(b).toMatchObject({ zone: "America/Chicago", contacts: 2 });
    expect(b?.reach.earliest).toBe(7 * 60 + 30);
  });
});
