import { COUNTRY_PREFIX_ZONES, COUNTRY_ZONES, NANP_AREA_CODES, REGION_ZONE, SPLIT_AREA_CODES, STATE_RULES, US_TCPA } from "./zones-data.js";

/**
 * Calling hours in the called person's time zone (docs/design.md §14; README.md, Guardrails): pure, offline.
 * Time zone arithmetic uses the tz database that ships with Node's ICU (Intl.DateTimeFormat), daylight
 * saving included; no time-zone library.
 */

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One calling window of a campaign, as its provider module reads it from the spec (KindModule.callingWindows). */
export interface CallingWindow {
  /** Path inside `spec` of the window (its day object), for locating the finding. */
  path: readonly (string | number)[];
  day: Weekday;
  /** "HH:MM" wall-clock times in `timezone`. */
  start: string;
  end: string;
  /** IANA zone the provider reads the window in. */
  timezone: string;
}

export type CallingPolicy = "off" | "us-tcpa" | { start: string; end: string };

export interface LocalRule {
  start: string;
  end: string;
  source: string;
}

/** Where a number rings: the zones to check (all of them, strictest wins) and the region (state) whose rules apply. */
export interface NumberZones {
  zones: readonly string[];
  /** NANP region code (US state, province, country) for +1 numbers. */
  region?: string;
  /** How the zone was found, for messages: "+1 202 (DC)", "MX". */
  label: string;
}

let areaIndex: Map<string, string> | undefined;
function regionOfArea(area: string): string | undefined {
  areaIndex ??= new Map(Object.entries(NANP_AREA_CODES).flatMap(([region, codes]) => codes.split(" ").map((c) => [c, region] as const)));
  return areaIndex.get(area);
}

/**
 * The zones of an E.164 number: +1 by area code (shipped table), other numbers by `country` (ISO alpha-2,
 * from libphonenumber at the caller). Undefined when not known.
 */
export function zonesOfNumber(e164: string, country: string | undefined): NumberZones | undefined {
  if (e164.startsWith("+1") && e164.length >= 5) {
    const area = e164.slice(2, 5);
    const region = regionOfArea(area);
    if (region === undefined) return undefined;
    const zones = SPLIT_AREA_CODES[area] ?? [REGION_ZONE[region]!];
    return { zones, region, label: `+1 ${area} (${region})` };
  }
  if (country === undefined) return undefined;
  const prefixes = COUNTRY_PREFIX_ZONES[country];
  const prefix = Object.keys(prefixes ?? {}).find((p) => e164.startsWith(p));
  if (prefixes && prefix) return { zones: prefixes[prefix]!, label: `${country} ${prefix}` };
  const zones = COUNTRY_ZONES[country];
  return zones ? { zones, label: country } : undefined;
}

/** The window a contact may be called in under `policy`, or undefined when the policy is off. */
export function ruleFor(policy: CallingPolicy, region: string | undefined): LocalRule | undefined {
  if (policy === "off") return undefined;
  if (policy !== "us-tcpa") return { start: policy.start, end: policy.end, source: "guardrails.callingHours.policy" };
  const state = region === undefined ? undefined : STATE_RULES[region];
  if (!state) return { ...US_TCPA };
  return {
    start: state.start > US_TCPA.start ? state.start : US_TCPA.start,
    end: state.end < US_TCPA.end ? state.end : US_TCPA.end,
    source: `${state.source}, stricter than ${US_TCPA.source}`,
  };
}

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};
const hhmm = (min: number): string => {
  const day = Math.floor(min / 1440);
  const m = ((min % 1440) + 1440) % 1440;
  const s = `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  return day > 0 ? `${s} (+${day} day)` : day < 0 ? `${s} (previous day)` : s;
};

const formats = new Map<string, Intl.DateTimeFormat>();
function format(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
    formats.set(zone, f);
  }
  return f;
}

/** Wall-clock fields of `instant` (ms) in `zone`. */
function wall(instant: number, zone: string): { y: number; mo: number; d: number; h: number; mi: number } {
  const p: Record<string, number> = {};
  for (const part of format(zone).formatToParts(instant)) if (part.type !== "literal") p[part.type] = Number(part.value);
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour! % 24, mi: p.minute! };
}

const offsetMs = (instant: number, zone: string): number => {
  const w = wall(instant, zone);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi) - Math.floor(instant / 60_000) * 60_000;
};

/** The instant a wall-clock time in `zone` happens (the later offset for a time daylight saving skips). */
function instantOf(y: number, mo: number, d: number, min: number, zone: string): number {
  const guess = Date.UTC(y, mo - 1, d, 0, min);
  const first = guess - offsetMs(guess, zone);
  const second = guess - offsetMs(first, zone);
  return second;
}

export function isKnownZone(zone: string): boolean {
  try {
    format(zone);
    return true;
  } catch {
    return false;
  }
}

/** The local times a window reaches in one zone, worst case over the dates checked. */
export interface LocalReach {
  /** Minutes after local midnight of the call day (a window ending after midnight goes past 1440). */
  earliest: number;
  latest: number;
  /** Campaign-local dates (YYYY-MM-DD) where the earliest start and the latest end happen first. */
  earliestOn: string;
  latestOn: string;
}

const DAY_MS = 86_400_000;

/** Every date of the year from `now` on (in the window's zone) that falls on the window's weekday. */
function datesOf(window: CallingWindow, now: Date, days: number): { y: number; mo: number; d: number; iso: string }[] {
  const today = wall(now.getTime(), window.timezone);
  const base = Date.UTC(today.y, today.mo - 1, today.d);
  const out = [];
  for (let i = 0; i < days; i += 1) {
    const t = new Date(base + i * DAY_MS);
    if (WEEKDAYS[t.getUTCDay()] !== window.day) continue;
    out.push({ y: t.getUTCFullYear(), mo: t.getUTCMonth() + 1, d: t.getUTCDate(), iso: t.toISOString().slice(0, 10) });
  }
  return out;
}

/** The instants a window starts and ends on each of its dates of the coming year (366 days from `now`). */
interface Occurrence {
  start: number;
  end: number;
  iso: string;
}
function occurrences(window: CallingWindow, now: Date): Occurrence[] {
  return datesOf(window, now, 366).map((date) => ({
    start: instantOf(date.y, date.mo, date.d, minutes(window.start), window.timezone),
    end: instantOf(date.y, date.mo, date.d, minutes(window.end), window.timezone),
    iso: date.iso,
  }));
}

/** How a window in the campaign's zone lands in `zone`, over the coming year (366 days from `now`). */
export function reachIn(window: CallingWindow, zone: string, now: Date, occ: readonly Occurrence[] = occurrences(window, now)): LocalReach | undefined {
  let reach: LocalReach | undefined;
  for (const { start, end, iso } of occ) {
    const local = wall(start, zone);
    // Minutes from the local midnight of the local day the window starts on.
    const localStart = local.h * 60 + local.mi;
    const localEnd = localStart + Math.round((end - start) / 60_000);
    if (!reach) reach = { earliest: localStart, latest: localEnd, earliestOn: iso, latestOn: iso };
    if (localStart < reach.earliest) [reach.earliest, reach.earliestOn] = [localStart, iso];
    if (localEnd > reach.latest) [reach.latest, reach.latestOn] = [localEnd, iso];
  }
  return reach;
}

/** Contacts that ring in the same place (same zones and region). */
export interface ContactGroup {
  where: NumberZones;
  count: number;
}

export interface CallingBreach {
  window: CallingWindow;
  zone: string;
  where: NumberZones;
  contacts: number;
  rule: LocalRule;
  reach: LocalReach;
}

/**
 * Each window against each group of contacts, at the zone that reaches furthest outside the group's rule;
 * breaches of one window in one zone under one rule are merged (their contacts summed, their places listed).
 */
export function checkCallingHours(windows: readonly CallingWindow[], groups: readonly ContactGroup[], policy: CallingPolicy, now: Date): CallingBreach[] {
  const merged = new Map<string, CallingBreach & { labels: string[] }>();
  for (const window of windows) {
    if (!isKnownZone(window.timezone)) continue;
    const occ = occurrences(window, now);
    const reaches = new Map<string, LocalReach | undefined>();
    for (const group of groups) {
      const rule = ruleFor(policy, group.where.region);
      if (!rule) continue;
      let worst: { zone: string; reach: LocalReach; by: number } | undefined;
      for (const zone of group.where.zones) {
        if (!reaches.has(zone)) reaches.set(zone, isKnownZone(zone) ? reachIn(window, zone, now, occ) : undefined);
        const reach = reaches.get(zone);
        if (!reach) continue;
        const by = Math.max(minutes(rule.start) - reach.earliest, reach.latest - minutes(rule.end));
        if (by > 0 && (!worst || by > worst.by)) worst = { zone, reach, by };
      }
      if (!worst) continue;
      const key = `${window.path.join(".")}|${worst.zone}|${rule.start}|${rule.end}|${rule.source}`;
      const seen = merged.get(key);
      if (seen) {
        seen.contacts += group.count;
        if (!seen.labels.includes(group.where.label)) seen.labels.push(group.where.label);
      } else {
        merged.set(key, { window, zone: worst.zone, where: group.where, contacts: group.count, rule, reach: worst.reach, labels: [group.where.label] });
      }
    }
  }
  return [...merged.values()].map(({ labels, ...b }) => {
    const shown = labels.length > 3 ? `${labels.slice(0, 3).join(", ")} and ${labels.length - 3} more` : labels.join(", ");
    return { ...b, where: { ...b.where, label: shown } };
  });
}

/** One line for a breach: the window, how many contacts, which zone, the local times and the rule. */
export function describeBreach(b: CallingBreach): string {
  const w = b.window;
  const early = b.reach.earliest < minutes(b.rule.start);
  const late = b.reach.latest > minutes(b.rule.end);
  const when = [
    ...(early ? [`from ${hhmm(b.reach.earliest)} (first on ${b.reach.earliestOn})`] : []),
    ...(late ? [`until ${hhmm(b.reach.latest)} (first on ${b.reach.latestOn})`] : []),
  ].join(" and ");
  const n = `${b.contacts} contact${b.contacts === 1 ? "" : "s"}`;
  return (
    `the ${w.day} window ${w.start}–${w.end} ${w.timezone} calls ${n} in ${b.zone} (${b.where.label}) ${when} their local time; ` +
    `allowed there: ${b.rule.start}–${b.rule.end} (${b.rule.source})`
  );
}
