import { readFileSync } from "node:fs";
import type { KindCapabilities } from "../../src/core/capabilities.js";
import type { JsonObject } from "../../src/core/json.js";
import type { KindModule, SpecValidator } from "../../src/providers/types.js";
import { memoryClient } from "./backend.js";

const schema = (kind: string): JsonObject => JSON.parse(readFileSync(new URL(`./schema/${kind}.schema.json`, import.meta.url), "utf8")) as JsonObject;

/** FakeWidget: readable, patched field by field, a draft → live lifecycle, one immutable field, a set and a merged object. */
const widgetCapabilities: KindCapabilities = {
  noun: "widget",
  readable: true,
  updateMode: "patch",
  mergePaths: ["settings"],
  opaquePaths: [],
  immutable: ["serial"],
  readOnlyStatuses: {},
  fields: [],
  lifecycle: {
    statusField: "status",
    satisfies: { draft: ["draft"], live: ["live"] },
    actions: [
      { name: "publish", from: ["draft"], to: "live", phase: "after-edit" },
      { name: "unpublish", from: ["live"], to: "draft", phase: "before-edit" },
    ],
    initialStatus: "draft",
  },
  createFields: ["name", "serial", "color", "size", "tags", "settings"],
  createRequired: ["name", "serial"],
  defaults: {},
  unorderedPaths: ["tags"],
  writeOnlyFields: [],
  nameField: "name",
  retire: { action: "delete", order: "before-create", describe: "the old widget is deleted before the new one is created" },
};

/** FakeNote: no read API (live = last applied, from state), every update sends the whole body, like Extrovert. */
const noteCapabilities: KindCapabilities = {
  noun: "note",
  readable: false,
  updateMode: "full-body",
  mergePaths: [],
  opaquePaths: [],
  immutable: ["author"],
  readOnlyStatuses: {},
  fields: [],
  lifecycle: { satisfies: {}, actions: [] },
  createFields: ["title", "author", "text", "pinned"],
  createRequired: ["title", "author", "text"],
  defaults: { pinned: false },
  unorderedPaths: [],
  writeOnlyFields: [],
  nameField: "title",
  retire: { manual: "the fake provider cannot delete a note" },
};

/** A rule the schema cannot state: tags do not repeat. */
const widgetRules: SpecValidator = (spec, ctx) => {
  const tags = Array.isArray(spec.tags) ? spec.tags : [];
  tags.forEach((t, i) => {
    if (tags.indexOf(t) !== i) ctx.report(["tags", i], "FAKE_TAG_REPEATED", `tag ${JSON.stringify(t)} is listed twice`);
  });
};

export const FAKE_KINDS: readonly KindModule[] = [
  {
    kind: "FakeWidget",
    displayName: "Fake",
    validateSpec: widgetRules,
    capabilities: widgetCapabilities,
    specSchema: schema("FakeWidget"),
    loadClient: async () => () => memoryClient({ kind: "FakeWidget", initialStatus: "draft", mergePaths: ["settings"], actions: { publish: "live", unpublish: "draft" }, readable: true }),
  },
  {
    kind: "FakeNote",
    short: "note",
    displayName: "Fake note",
    validateSpec: () => undefined,
    capabilities: noteCapabilities,
    specSchema: schema("FakeNote"),
    loadClient: async () => () => memoryClient({ kind: "FakeNote", mergePaths: [], actions: {}, readable: false }),
  },
];
