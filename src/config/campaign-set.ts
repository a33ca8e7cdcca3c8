import type { Diagnostic } from "../core/diagnostics.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../core/json.js";
import type { ResourceDecl } from "../core/types.js";
import type { AudienceReference } from "./audience.js";
import { checkCampaignDocument } from "./campaign.js";
import { explainSchemaErrors } from "./schema-errors.js";
import { validateCampaignSetSchema } from "./schemas.js";
import { makeDiagnostic, type DocPath, type Position, type Target, type YamlSource } from "./source.js";

/**
 * CampaignSet (docs/design.md §13): one file that expands, offline and before validation, into many
 * campaign documents. Substitution only — no expressions, no code:
 * - `${var}` inside a string is replaced by the variable's text;
 * - a string that is exactly `"${var}"` becomes the variable's value, type kept (number, list, map …);
 * - `$${` writes a literal `${`.
 * Every problem is returned with the path in the set file it points at, so the loader can locate it.
 */
export const CAMPAIGN_SET_KIND = "CampaignSet";

/** metadata.name of a campaign (src/config/schema/envelope.schema.json): the expanded name must match it. */
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_NAME = 63;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SetIssue {
  code: string;
  message: string;
  /** Where in the set file. */
  path: DocPath;
  target: Target;
}

export interface ExpandedInstance {
  /** The set's metadata.name. */
  set: string;
  /** The instance's name (instances: its `name`; matrix: the values joined by "-"). */
  instance: string;
  /** A whole campaign document: apiVersion, kind, metadata (name = `<set>-<instance>`), spec, audience. */
  document: JsonObject;
  /** Where the instance is declared in the set file (instances: its entry; matrix: the matrix). */
  declaredAt: DocPath;
}

export interface SetExpansion {
  instances: ExpandedInstance[];
  /** Problems of the set itself and of substitution, each naming the instance where there is one. */
  issues: SetIssue[];
}

/** Whether a parsed document is a CampaignSet (the loader's switch). */
export function isCampaignSet(value: unknown): value is JsonObject {
  return isJsonObject(value) && value.kind === CAMPAIGN_SET_KIND;
}

/**
 * The set-file path a path of an expanded document comes from: `metadata.name` from the set's own
 * name, `apiVersion` from the set's, everything else from the template.
 */
export function setPathOf(path: DocPath): DocPath {
  if (path.length === 0) return ["spec", "template"];
  if (path[0] === "apiVersion") return ["apiVersion"];
  if (path[0] === "metadata" && path[1] === "name") return ["metadata", "name"];
  return ["spec", "template", ...path];
}

/** "cto-outreach[dach]: " — the prefix every diagnostic of an expanded campaign carries. */
export function instanceLabel(set: string, instance: string): string {
  return `${set}[${instance}]`;
}

/**
 * Expands a CampaignSet whose envelope the schema accepted (src/config/schema/campaign-set.schema.json):
 * the instances in the order written (matrix: the first variable varies slowest).
 */
export function expandCampaignSet(value: JsonObject): SetExpansion {
  const issues: SetIssue[] = [];
  const metadata = value.metadata as JsonObject;
  const set = metadata.name as string;
  const spec = value.spec as JsonObject;
  const template = spec.template as JsonObject;
  const rows = isJsonObject(spec.matrix) ? matrixRows(spec.matrix, issues) : instanceRows(spec.instances as JsonValue[], issues);

  const instances: ExpandedInstance[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    const { name, vars, at } = row;
    const label = instanceLabel(set, name);
    const nameAt: DocPath = row.nameAt;
    if (!NAME.test(name)) {
      issues.push({ code: "SET_INSTANCE_NAME", message: `${label}: instance name ${JSON.stringify(name)} is not a valid name segment (lower-case letters, digits and "-", starting and ending with a letter or digit)`, path: nameAt, target: "value" });
      continue;
    }
    const full = `${set}-${name}`;
    if (full.length > MAX_NAME) {
      issues.push({ code: "SET_NAME_TOO_LONG", message: `${label}: the expanded name "${full}" has ${full.length} characters; metadata.name allows at most ${MAX_NAME}: shorten the set or the instance name`, path: nameAt, target: "value" });
      continue;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      issues.push({ code: "SET_DUPLICATE_INSTANCE", message: `${label}: instance name "${name}" is used twice (first by instance ${first + 1}); instance names must be unique in a set`, path: nameAt, target: "value" });
      continue;
    }
    seen.set(name, instances.length);
    const before = issues.length;
    const body = substitute(template, vars, ["spec", "template"], (code, message, path) => issues.push({ code, message: `${label}: ${message}`, path, target: "value" })) as JsonObject;
    if (issues.length > before) continue;
    const { metadata: tMeta, ...rest } = body;
    const document: JsonObject = {
      apiVersion: value.apiVersion as JsonValue,
      ...("kind" in rest ? { kind: rest.kind as JsonValue } : {}),
      metadata: { ...(isJsonObject(tMeta) ? tMeta : {}), name: full },
      ...Object.fromEntries(Object.entries(rest).filter(([k]) => k !== "kind")),
    };
    instances.push({ set, instance: name, document, declaredAt: at });
  }
  return { instances, issues };
}

interface Row {
  name: string;
  vars: Record<string, JsonValue>;
  at: DocPath;
  nameAt: DocPath;
}

function instanceRows(list: JsonValue[], issues: SetIssue[]): Row[] {
  const rows: Row[] = [];
  list.forEach((entry, i) => {
    const at: DocPath = ["spec", "instances", i];
    if (!isJsonObject(entry) || typeof entry.name !== "string") {
      issues.push({ code: "SET_INSTANCE_NAME", message: `instance ${i + 1} has no name: every instance needs a unique \`name\``, path: at, target: "value" });
      return;
    }
    rows.push({ name: entry.name, vars: { ...entry }, at, nameAt: [...at, "name"] });
  });
  return rows;
}

/** Every combination of the matrix's values; `name` = the values joined by "-". */
function matrixRows(matrix: JsonObject, issues: SetIssue[]): Row[] {
  const keys = Object.keys(matrix);
  if (keys.includes("name")) {
    issues.push({ code: "SET_MATRIX_NAME", message: "a matrix variable cannot be called `name`: the instance name is the values joined by \"-\"", path: ["spec", "matrix", "name"], target: "key" });
    return [];
  }
  let rows: { vars: Record<string, JsonValue>; parts: string[] }[] = [{ vars: {}, parts: [] }];
  for (const key of keys) {
    const values = matrix[key] as JsonValue[];
    const next: typeof rows = [];
    for (const row of rows) for (const v of values) next.push({ vars: { ...row.vars, [key]: v }, parts: [...row.parts, String(v)] });
    rows = next;
  }
  return rows.map(({ vars, parts }) => {
    const name = parts.join("-");
    return { name, vars: { ...vars, name }, at: ["spec", "matrix"], nameAt: ["spec", "matrix"] };
  });
}

type Report = (code: string, message: string, path: DocPath) => void;

/** The template with every string substituted; paths are the set file's. */
function substitute(node: JsonValue, vars: Record<string, JsonValue>, path: DocPath, report: Report): JsonValue {
  if (typeof node === "string") return substituteString(node, vars, path, report);
  if (Array.isArray(node)) return node.map((v, i) => substitute(v, vars, [...path, i], report));
  if (isJsonObject(node)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(node)) out[k] = substitute(v, vars, [...path, k], report);
    return out;
  }
  return node;
}

const WHOLE = /^\$\{([^}]*)\}$/;

function substituteString(text: string, vars: Record<string, JsonValue>, path: DocPath, report: Report): JsonValue {
  const where = path.slice(2).join(".") || "template";
  const known = () => Object.keys(vars).sort().join(", ");
  const lookup = (name: string): { value: JsonValue } | undefined => {
    if (!VARIABLE.test(name)) {
      report("SET_BAD_SUBSTITUTION", `\${${name}} in ${where} is not a variable reference (a name of letters, digits and "_"); write $\${ for a literal "\${"`, path);
      return undefined;
    }
    if (!Object.hasOwn(vars, name)) {
      report("SET_UNKNOWN_VARIABLE", `unknown variable \${${name}} in ${where}; this instance defines: ${known()}`, path);
      return undefined;
    }
    return { value: vars[name]! };
  };
  const whole = WHOLE.exec(text);
  if (whole) {
    const found = lookup(whole[1]!);
    return found ? found.value : text;
  }
  if (!text.includes("$")) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i)) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.startsWith("${", i)) {
      const end = text.indexOf("}", i + 2);
      if (end < 0) {
        report("SET_BAD_SUBSTITUTION", `unclosed "\${" in ${where}; write $\${ for a literal "\${"`, path);
        return text;
      }
      const found = lookup(text.slice(i + 2, end));
      if (!found) return text;
      const value = found.value;
      if (value !== null && typeof value === "object") {
        report("SET_VARIABLE_NOT_TEXT", `\${${text.slice(i + 2, end)}} in ${where} is a ${Array.isArray(value) ? "list" : "map"} inside text; only a value that is exactly "\${${text.slice(i + 2, end)}}" takes a list or map`, path);
        return text;
      }
      out += String(value);
      i = end + 1;
      continue;
    }
    out += text[i];
    i += 1;
  }
  return out;
}

/** One expanded campaign, checked like a campaign file (schema + provider rules), located in the set file. */
export interface CheckedInstance {
  decl?: ResourceDecl;
  audience?: AudienceReference;
  diagnostics: Diagnostic[];
}

/**
 * Checks a parsed CampaignSet file: its envelope (schema), the expansion (names, variables), then each
 * expanded campaign as a campaign document whose positions are the set file's, every message naming
 * the instance ("cto-outreach[dach]: …").
 */
export function checkCampaignSet(value: JsonObject, file: string, source: YamlSource | undefined): { instances: CheckedInstance[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const at = (path: DocPath, target: Target = "value"): Position | undefined => source?.locate(path, target);
  const issues = explainSchemaErrors(validateCampaignSetSchema(value), value);
  for (const issue of issues) diagnostics.push(makeDiagnostic("error", issue.code, issue.message, file, at(issue.path, issue.target)));
  const spec = isJsonObject(value.spec) ? value.spec : undefined;
  if (spec && issues.length === 0 && (spec.instances === undefined) === (spec.matrix === undefined)) {
    const both = spec.instances !== undefined;
    diagnostics.push(makeDiagnostic("error", "SET_INSTANCES_OR_MATRIX", `a CampaignSet has ${both ? "both `instances` and `matrix`: keep one" : "neither `instances` nor `matrix`: add one"}`, file, at(both ? ["spec", "matrix"] : ["spec"], "key")));
  }
  if (diagnostics.length > 0) return { instances: [], diagnostics };

  const expansion = expandCampaignSet(value);
  for (const issue of expansion.issues) diagnostics.push(makeDiagnostic("error", issue.code, issue.message, file, at(issue.path, issue.target)));
  const instances: CheckedInstance[] = [];
  for (const { set, instance, document, declaredAt } of expansion.instances) {
    const label = `${instanceLabel(set, instance)}: `;
    const mapped = source && {
      locate: (path: DocPath, target: Target = "value") => source.locate(setPathOf(path), target),
      start: () => source.locate(declaredAt),
    };
    const checked = checkCampaignDocument({ file, value: document, ...(mapped ? { source: mapped } : {}) });
    const labelled = checked.diagnostics.map((d) => ({ ...d, message: label + d.message }));
    instances.push({
      ...(checked.decl ? { decl: { ...checked.decl, set: { name: set, instance } } } : {}),
      ...(checked.audience ? { audience: checked.audience } : {}),
      diagnostics: labelled,
    });
  }
  return { instances, diagnostics };
}

/** A message about an expanded campaign names its set and instance. */
export function labelFor(decl: ResourceDecl, message: string): string {
  return decl.set ? `${instanceLabel(decl.set.name, decl.set.instance)}: ${message}` : message;
}
