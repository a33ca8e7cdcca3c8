import { describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import { ALTUR_RESPONSES } from "../src/providers/altur/responses.js";
import { EXTROVERT_RESPONSES } from "../src/providers/extrovert/responses.js";
import { PUFFLE_RESPONSES } from "../src/providers/puffle/responses.js";
import { responseSchema } from "../src/http/response-schema.js";

// The run-time compiler skips the meta-schema check (src/http/response-schema.ts): this is where every
// provider's response schemas are held to draft 2020-12 instead.
const providers = { altur: ALTUR_RESPONSES, extrovert: EXTROVERT_RESPONSES, puffle: PUFFLE_RESPONSES };
const meta = new Ajv2020({ strict: false, logger: false });

describe("provider response schemas", () => {
  for (const [provider, checks] of Object.entries(providers)) {
    for (const [name, check] of Object.entries(checks)) {
      it(`${provider}.${name} is a valid draft 2020-12 schema`, () => {
        expect(meta.validateSchema(check.schema as object), meta.errorsText(meta.errors)).toBe(true);
        expect(() => check.prepare()).not.toThrow();
      });
    }
  }

  it("the meta-schema check here catches a schema the run-time compiler would not", () => {
    const bad = responseSchema({ type: "list" });
    expect(meta.validateSchema(bad.schema as object)).toBe(false);
    expect(meta.errorsText(meta.errors)).toMatch(/type/);
  });

  it("prepare compiles once; check then uses that compile", () => {
    const check = responseSchema({ type: "object", required: ["id"] });
    check.prepare();
    check.prepare();
    expect(check.check({ id: 1 })).toBeUndefined();
    expect(check.check({})).toMatch(/id/);
  });
});
