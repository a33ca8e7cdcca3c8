import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCampaignText } from "./campaign.js";
import { loadCampaignFile } from "./workspace.js";

/**
 * A declaration loaded from a file keeps neither the file's text nor slices of it (issue 30: at 100,000
 * campaigns the texts were 170 MB): a position asked for later is found in the file read again, and
 * only when the file still holds the text that was validated.
 */
const TEXT = `apiVersion: campaignctl/v1
kind: AlturCampaign
metadata:
  name: reread
spec:
  name: Re-read positions, a name longer than a slice
  agent_id: agent_demo_01
  integration_id: integ_phone_01
  integration_type: phone_call
  retries: 2
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "campaignctl-source-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe("positions of a loaded campaign", () => {
  it("are read from the file again, exactly where the positional parser puts them", async () => {
    const file = join(dir, "a.yaml");
    await writeFile(file, TEXT);
    const { decl } = await loadCampaignFile(file);
    expect(decl!.spec.name).toBe("Re-read positions, a name longer than a slice");
    expect(decl!.locate!(["spec", "retries"])).toEqual({ file, line: 10, col: 12 });
    expect(decl!.locate!(["spec", "agent_id"])).toEqual({ file, line: 7, col: 13 });
    // The same positions as a declaration that keeps its text (checked in memory, as `import` does).
    const inMemory = checkCampaignText(TEXT, file).decl!;
    expect(inMemory.locate!(["spec", "retries"])).toEqual(decl!.locate!(["spec", "retries"]));
  });

  it("fall back to the document's start when the file changed after it was validated (never a wrong line)", async () => {
    const file = join(dir, "b.yaml");
    await writeFile(file, TEXT);
    const { decl } = await loadCampaignFile(file);
    await writeFile(file, `# a comment added later\n\n${TEXT}`);
    expect(decl!.locate!(["spec", "retries"])).toEqual({ file, line: 1, col: 1 });
  });

  it("fall back to the document's start when the file is gone", async () => {
    const file = join(dir, "c.yaml");
    await writeFile(file, TEXT);
    const { decl } = await loadCampaignFile(file);
    await rm(file);
    expect(decl!.locate!(["spec", "retries"])).toEqual({ file, line: 1, col: 1 });
  });
});
