import { createRequire } from "node:module";
import type { Diagnostic } from "../core/diagnostics.js";
import { checkCallingHours, describeBreach, zonesOfNumber, type CallingPolicy, type ContactGroup } from "../core/guardrails/calling-hours.js";
import { isJsonObject, type JsonObject } from "../core/json.js";
import type { GuardrailsConfig, ResourceDecl } from "../core/types.js";
import { kindModuleOf } from "../providers/registry.js";
import { labelFor } from "./campaign-set.js";
import { makeDiagnostic } from "./source.js";

/**
 * `guardrails:` defaults (README.md, Guardrails): calling hours under the US federal rule at error level
 * (a call at 22:30 someone's time cannot be taken back, and the federal window is the floor that applies
 * to every US number); sender capacity at warning level (an over-booked sender under-sends — it harms the
 * campaign, not the people — and how a campaign's limit splits over its senders is an assumption,
 * src/providers/puffle/README.md §13: an assumption should inform, not block, unless a team opts into `error`);
 * no people limit (any number would be arbitrary: the plan still says how many).
 */
export const DEFAULT_GUARDRAILS: GuardrailsConfig = { callingHours: { policy: "us-tcpa", level: "error" }, senderCapacity: "warning" };

/** The workspace's guardrails, defaults filled (the schema has checked the shape). */
export function readGuardrails(config: JsonObject): GuardrailsConfig {
  const g = isJsonObject(config.guardrails) ? config.guardrails : {};
  const ch = isJsonObject(g.callingHours) ? g.callingHours : {};
  const policy = (ch.policy ?? DEFAULT_GUARDRAILS.callingHours.policy) as CallingPolicy;
  return {
    callingHours: { policy, level: ch.level === "warning" ? "warning" : "error" },
    senderCapacity: g.senderCapacity === "off" || g.senderCapacity === "error" ? g.senderCapacity : "warning",
    ...(typeof g.maxNewContacts === "number" ? { maxNewContacts: g.maxNewContacts } : {}),
  };
}

type PhoneLib = Pick<typeof import("libphonenumber-js/max"), "parsePhoneNumberFromString">;
let phoneLib: PhoneLib | undefined;
/** The country of an E.164 number outside +1 (libphonenumber, loaded on first use). */
function countryOf(e164: string): string | undefined {
  phoneLib ??= createRequire(import.meta.url)("libphonenumber-js/max") as PhoneLib;
  return phoneLib.parsePhoneNumberFromString(e164)?.country;
}

/**
 * CALLING_HOURS (docs/design.md §14): every calling window of every campaign with contacts, converted to each
 * contact's zone over the coming year from `now`, against the policy. Located at the window's line.
 */
export function callingHoursDiagnostics(decls: readonly ResourceDecl[], guardrails: GuardrailsConfig, now: Date = new Date()): Diagnostic[] {
  const { policy, level } = guardrails.callingHours;
  if (policy === "off") return [];
  const out: Diagnostic[] = [];
  for (const decl of decls) {
    const windows = kindModuleOf(decl.kind).kind.callingWindows?.(decl.spec) ?? [];
    const rows = decl.audience?.rows ?? [];
    if (windows.length === 0 || rows.length === 0) continue;
    const groups = new Map<string, ContactGroup>();
    let unknown = 0;
    for (const row of rows) {
      const where = zonesOfNumber(row.identity, row.identity.startsWith("+1") ? undefined : countryOf(row.identity));
      if (!where) {
        unknown += 1;
        continue;
      }
      const key = `${where.region ?? ""}|${where.zones.join(",")}|${where.label}`;
      const g = groups.get(key);
      if (g) g.count += 1;
      else groups.set(key, { where, count: 1 });
    }
    const at = (path: readonly (string | number)[]) => decl.locate?.(["spec", ...path]) ?? decl.source;
    for (const breach of checkCallingHours(windows, [...groups.values()], policy, now)) {
      const pos = at(breach.window.path);
      out.push(makeDiagnostic(level, "CALLING_HOURS", labelFor(decl, `${breach.window.path.join(".")}: ${describeBreach(breach)}`), pos.file, pos));
    }
    if (unknown > 0) {
      const pos = at(windows[0]!.path);
      const message = `${unknown} contact${unknown === 1 ? "" : "s"} of this phone campaign ha${unknown === 1 ? "s a number" : "ve numbers"} whose time zone campaignctl does not know (README.md, Guardrails: the zone tables); their calling hours are not checked`;
      out.push(makeDiagnostic("warning", "CALLING_HOURS_ZONE_UNKNOWN", labelFor(decl, message), pos.file, pos));
    }
  }
  return out;
}
