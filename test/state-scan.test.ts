import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { catalog } from "../src/providers/registry.js";
import { parseState, readStateFile } from "../src/state/state-file.js";

/**
 * readStateFile reads a one-file state campaign by campaign from its bytes (issue 30); whatever it
 * reads, the result or the error is parseState's on the whole text.
 */
const dir = mkdtempSync(join(tmpdir(), "campaignctl-state-scan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (id: string, extra = ""): string =>
  `{"provider":"puffle","account":"default","kind":"PuffleCampaign","id":"${id}","appliedAt":"2026-01-01T00:00:00.000Z","applied":{"name":"N ${id} é \\" \\\\ {[","type":"email","nodes":[{"a":1},{"b":[true,null,-0.5e3]}]}${extra}}`;
const state = (campaigns: string, rest = ""): string => `{"version":1,"serial":3,"lineage":"l-1","campaigns":{${campaigns}}${rest}}`;

const texts: Record<string, string> = {
  valid: state(`"puffle/default/a":${entry("1")},"puffle/default/b":${entry("2", ',"observed":{"status":"active"}')}`),
  "valid, spaced and indented": ` \n${state(` "puffle/default/a" :\t${entry("1")} ,\r\n "puffle/default/b": ${entry("2")} `, ` , "pending" : { } `)}\n`,
  "no campaigns": state(""),
  "a key twice": state(`"puffle/default/a":${entry("1")},"puffle/default/a":${entry("2")}`),
  "a top key twice": `{"version":1,"serial":1,"serial":2,"campaigns":{}}`,
  "__proto__ as an address": state(`"__proto__":${entry("1")}`),
  "a missing comma": state(`"puffle/default/a":${entry("1")} "puffle/default/b":${entry("2")}`),
  "trailing text": `${state("")} x`,
  "a byte order mark": `\uFEFF${state("")}`,
  "an unterminated string": `{"version":1,"campaigns":{"puffle/default/a`,
  "a bad entry before bad JSON": state(`"puffle/default/a":{"provider":"nope"},"puffle/default/b":{"id":1,}`),
  "a bad entry": state(`"puffle/default/a":${entry("1")},"puffle/default/b":{"provider":"puffle","account":"default","kind":"PuffleCampaign","id":""}`),
  "a wrong address": state(`"puffle/other/a":${entry("1")}`),
  "version 2 without parts": `{"version":2,"campaigns":{}}`,
  "a number that is not JSON": state(`"puffle/default/a":${entry("1").replace('"nodes":[', '"nodes":[01,')}`),
  "not an object": `[1,2]`,
  empty: ``,
};

describe("readStateFile reads a one-file state entry by entry, with parseState's result or error", () => {
  for (const [name, text] of Object.entries(texts)) {
    it(name, async () => {
      const file = join(dir, `${name.replace(/\W+/g, "-")}.json`);
      writeFileSync(file, text);
      let expected: unknown;
      try {
        expected = { doc: parseState(file, text, catalog) };
      } catch (err) {
        expected = { error: (err as Error).message };
      }
      let got: unknown;
      try {
        got = { doc: await readStateFile(file, catalog) };
      } catch (err) {
        got = { error: (err as Error).message };
      }
      expect(got).toEqual(expected);
      expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
    });
  }

  it("the valid states read as expected (the check above compares like with like)", async () => {
    const file = join(dir, "plain.json");
    writeFileSync(file, texts.valid as string);
    const doc = await readStateFile(file, catalog);
    expect(Object.keys(doc.campaigns)).toEqual(["puffle/default/a", "puffle/default/b"]);
    expect(doc.campaigns["puffle/default/a"]?.applied).toEqual({ name: 'N 1 é " \\ {[', type: "email", nodes: [{ a: 1 }, { b: [true, null, -500] }] });
    expect(doc.campaigns["puffle/default/b"]?.observed).toEqual({ status: "active" });
    expect(doc.serial).toBe(3);
  });
});
