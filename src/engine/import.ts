import { readFileSync } from "node:fs";
import { yamlLib } from "../config/yaml-lib.js";
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "../core/json.js";
import type { ObjectKind, ProviderId } from "../core/types.js";
import type { ImportRules, KindModule, LiveResource } from "../providers/types.js";

/**
 * `campaignctl import`: turn a live campaign (already mapped onto the spec's shape by the provider's
 * client) into the spec a user would write — only the fields the campaign schema lets a user manage,
 * without nulls, empty values and provider defaults — and render it as a campaign file.
 *
 * What each provider fills in by itself and how its live statuses map onto a desired `status` is
 * data: `importRules` of the kind's module (src/providers/<provider>/import-rules.ts).
 */

// ---------------------------------------------------------------------------------------------
// The campaign schema: which spec fields a user can manage.

type SchemaNode = Record<string, unknown>;

let schemaRoot: SchemaNode | undefined;

/** schemas/campaign.schema.json of this package (src/engine and dist/engine both sit two levels below it). */
export const PACKAGE_CAMPAIGN_SCHEMA = new URL("../../schemas/campaign.schema.json", import.meta.url);

function root(): SchemaNode {
  schemaRoot ??= JSON.parse(readFileSync(PACKAGE_CAMPAIGN_SCHEMA, "utf8")) as SchemaNode;
  return schemaRoot;
}

function resolveRef(node: SchemaNode): SchemaNode {
  let cur = node;
  for (let i = 0; i < 16 && typeof cur.$ref === "string"; i += 1) {
    const ref = cur.$ref as string;
    if (!ref.startsWith("#/")) break;
    let target: unknown = root();
    for (const part of ref.slice(2).split("/")) target = isJsonObject(target) ? (target as SchemaNode)[part] : undefined;
    if (!isJsonObject(target)) break;
    cur = target as SchemaNode;
  }
  return cur;
}

/** The schema of `spec` for one kind (the `then` branch of the envelope's allOf). */
export function specSchema(kind: ObjectKind): SchemaNode {
  const branches = Array.isArray(root().allOf) ? (root().allOf as SchemaNode[]) : [];
  for (const branch of branches) {
    const cond = (branch.if as SchemaNode | undefined)?.properties as Record<string, SchemaNode> | undefined;
    if (cond?.kind?.const !== kind) continue;
    const spec = ((branch.then as SchemaNode | undefined)?.properties as Record<string, SchemaNode> | undefined)?.spec;
    if (spec) return resolveRef(spec);
  }
  throw new Error(`schemas/campaign.schema.json has no spec schema for ${kind}`);
}

/** Keep only what the schema describes: object keys listed in `properties` (in schema order), recursively. */
export function projectOnSchema(value: JsonValue, node: SchemaNode): JsonValue {
  const schema = resolveRef(node);
  const props = schema.properties as Record<string, SchemaNode> | undefined;
  if (isJsonObject(value) && props && schema.additionalProperties === false) {
    const out: JsonObject = {};
    for (const [key, sub] of Object.entries(props)) {
      const v = value[key];
      if (v !== undefined) out[key] = projectOnSchema(v, sub);
    }
    return out;
  }
  if (Array.isArray(value) && isJsonObject(schema.items)) {
    return value.map((item) => projectOnSchema(item, schema.items as SchemaNode));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Cleaning: nulls, empty values and provider defaults.

function matches(pattern: readonly string[], path: readonly (string | number)[]): boolean {
  return pattern.length === path.length && pattern.every((p, i) => p === "*" || p === String(path[i]));
}

function isEmpty(v: JsonValue): boolean {
  return v === "" || (Array.isArray(v) && v.length === 0) || (isJsonObject(v) && Object.keys(v).length === 0);
}

/** Drop nulls, empty strings/lists/objects and values equal to a provider default, bottom-up. */
export function withoutDefaults(value: JsonValue, defaults: ImportRules["defaults"], path: (string | number)[] = []): JsonValue | undefined {
  if (value === null) return undefined;
  let out: JsonValue = value;
  if (isJsonObject(value)) {
    const obj: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const cleaned = withoutDefaults(v, defaults, [...path, k]);
      if (cleaned !== undefined) obj[k] = cleaned;
    }
    out = obj;
  } else if (Array.isArray(value)) {
    // List items keep their place (a list is compared item by item); only their insides are cleaned.
    out = value.map((item, i) => (isJsonObject(item) ? (withoutDefaults(item, defaults, [...path, i]) ?? {}) : item));
  }
  if (isEmpty(out)) return undefined;
  if (defaults.some((d) => matches(d.path.split("."), path) && jsonEqual(d.value, out))) return undefined;
  return out;
}

export interface ImportedSpec {
  spec: JsonObject;
  /** Comments for the top of the file. */
  notes: string[];
}

/**
 * The spec a user would write for this live campaign: the schema's fields only, without nulls,
 * empty values and provider defaults, with the desired status derived from the live one.
 */
export function importedSpec(module: KindModule, live: LiveResource, rules: ImportRules): ImportedSpec {
  const caps = module.capabilities;
  const lifecycle = new Set([...(caps.lifecycle.statusField ? [caps.lifecycle.statusField] : []), ...Object.keys(caps.lifecycle.flags ?? {})]);
  const projected = projectOnSchema(live.spec, specSchema(module.kind)) as JsonObject;
  const cleaned = (withoutDefaults(projected, rules.defaults) ?? {}) as JsonObject;
  const notes: string[] = [];
  if (rules.complete) {
    notes.push(...rules.complete(cleaned));
    // Keep the schema's field order for what was filled in.
    const ordered = projectOnSchema(cleaned, specSchema(module.kind)) as JsonObject;
    for (const k of Object.keys(cleaned)) delete cleaned[k];
    Object.assign(cleaned, ordered);
  }

  // Desired status from the live one.
  const statusField = caps.lifecycle.statusField;
  const lifecycleValues: JsonObject = {};
  if (statusField) {
    const liveStatus = live.status ?? (typeof live.spec[statusField] === "string" ? (live.spec[statusField] as string) : undefined);
    const mapped = liveStatus === undefined ? undefined : rules.status[liveStatus];
    if (mapped?.to !== undefined) lifecycleValues[statusField] = mapped.to;
    else if (mapped?.note) notes.push(mapped.note);
    else if (liveStatus !== undefined) notes.push(`status: not imported — campaignctl does not know the live status "${liveStatus}".`);
  }
  for (const flag of Object.keys(caps.lifecycle.flags ?? {})) {
    if (cleaned[flag] !== undefined) lifecycleValues[flag] = cleaned[flag] as JsonValue;
  }

  // Field order: the schema's, with the lifecycle fields right after the display name.
  const spec: JsonObject = {};
  for (const [k, v] of Object.entries(cleaned)) {
    if (lifecycle.has(k)) continue;
    spec[k] = v;
    if (k === caps.nameField) Object.assign(spec, lifecycleValues);
  }
  if (spec[caps.nameField] === undefined) Object.assign(spec, lifecycleValues);
  notes.push(...(rules.notes?.(spec) ?? []));
  return { spec, notes };
}

// ---------------------------------------------------------------------------------------------
// Names.

export const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_NAME = 63;

/** A metadata.name from a display name: lowercase ASCII letters and digits joined by single dashes, ≤ 63 characters. */
export function slugify(text: string, max = MAX_NAME): string {
  const ascii = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return ascii.slice(0, max).replace(/-+$/g, "");
}

/** `base`, or `base-2`, `base-3`, … (shortened to stay within 63 characters) — the first one `taken` rejects not. */
export function uniqueName(base: string, taken: (name: string) => boolean): string {
  for (let n = 1; n < 100_000; n += 1) {
    const suffix = n === 1 ? "" : `-${n}`;
    const stem = base.slice(0, MAX_NAME - suffix.length).replace(/-+$/g, "");
    const candidate = `${stem}${suffix}`;
    if (NAME_PATTERN.test(candidate) && !taken(candidate)) return candidate;
  }
  throw new Error(`no free name for ${base}`);
}

/** The metadata.name for a live campaign: a slug of its display name, or `<provider>-<id>` when that is empty. */
export function baseName(displayName: unknown, provider: ProviderId, id: string): string {
  const fromName = typeof displayName === "string" ? slugify(displayName) : "";
  return fromName !== "" ? fromName : slugify(`${provider}-${id}`) || provider;
}

// ---------------------------------------------------------------------------------------------
// The file.

export interface ResourceFileInput {
  /** `$schema` reference, relative to the written file. */
  schemaRef: string;
  /** Comment lines (without `#`) written after the schema line. */
  comments: readonly string[];
  kind: ObjectKind;
  name: string;
  account: string;
  spec: JsonObject;
}

/** Strings YAML 1.1 readers would take for something else (times as sexagesimal numbers, yes/no). */
const AMBIGUOUS = /^(\d{1,2}(:\d{2})+|y|n|yes|no|on|off|true|false|null|~)$/i;

/** Campaign YAML in the style of the examples: block structure, short records and short lists inline. */
export function renderResourceFile(input: ResourceFileInput): string {
  const metadata: JsonObject = { name: input.name, account: input.account };
  const { Document, isPair, isScalar, Scalar, visit } = yamlLib();
  const doc = new Document({ apiVersion: "campaignctl/v1", kind: input.kind, metadata, spec: input.spec });
  visit(doc, {
    Map(_, node, path) {
      // Records below the spec's own fields (a weekday window, an ai_node): `mon: { startTime: "09:00", … }`.
      if (path.length >= 7 && isPair(path[path.length - 1]) && node.items.length > 0 && node.items.length <= 3 && node.items.every((p) => isScalar(p.value))) {
        node.flow = true;
      }
    },
    Seq(_, node) {
      if (node.items.length > 0 && node.items.length <= 6 && node.items.every((i) => isScalar(i) && typeof i.value === "string" && i.value.length <= 24)) {
        node.flow = true;
      }
    },
    Scalar(_, node) {
      if (typeof node.value === "string" && AMBIGUOUS.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  const header = [`# yaml-language-server: $schema=${input.schemaRef}`, ...input.comments.map((c) => `# ${c}`)].join("\n");
  return `${header}\n${doc.toString({ lineWidth: 0 })}`;
}
