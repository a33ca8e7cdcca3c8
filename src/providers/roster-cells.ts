import { createRequire } from "node:module";
import type { CellResult } from "./types.js";

type PhoneLib = Pick<typeof import("libphonenumber-js/max"), "parsePhoneNumberFromString" | "isSupportedCountry">;
let phoneLib: PhoneLib | undefined;
/** libphonenumber-js with its full metadata, loaded the first time a number is checked (keeps start-up fast). */
function phones(): PhoneLib {
  phoneLib ??= createRequire(import.meta.url)("libphonenumber-js/max") as PhoneLib;
  return phoneLib;
}

/**
 * A phone number in E.164 (`+5215512345678`), or why not: international numbers as written, national ones
 * (no leading +) as numbers of `defaultCountry` (named in messages as `setting`). One normalisation for
 * Altur contacts and suppression lists, so the same person compares equal in both.
 */
export function e164(value: string, defaultCountry: string | undefined, setting: string): { number: string } | { why: string } {
  const v = value.trim();
  const international = v.startsWith("+");
  const phone = international ? phones().parsePhoneNumberFromString(v) : defaultCountry ? phones().parsePhoneNumberFromString(v, defaultCountry as never) : undefined;
  if (phone && phone.isValid()) return { number: phone.number };
  return {
    why: international
      ? "not a valid phone number"
      : defaultCountry
        ? `not a valid phone number of ${defaultCountry} (${setting})`
        : `not in E.164 form (a + and the country code, e.g. +12025550123; for national numbers set ${setting})`,
  };
}

/** Whether `code` is a country (ISO 3166-1 alpha-2) with a phone numbering plan libphonenumber knows. */
export function knowsCountry(code: string): boolean {
  return phones().isSupportedCountry(code);
}

/**
 * Cell checks shared by the providers' roster rules: the normalisation each provider documents
 * (src/providers/puffle/README.md §8: emails lower-cased, LinkedIn URLs without trailing slash or query string),
 * and campaignctl's one canonical form of a LinkedIn profile URL (docs/design.md §17).
 */

/** What Puffle accepts as an email: something@something, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/**
 * A LinkedIn member profile, scheme optional: `[http[s]://][www.|<country>.]linkedin.com/in/<slug>[/]`,
 * after any query string or fragment is cut off. Group 1 is the slug.
 */
const LINKEDIN_PROFILE = /^(?:https?:\/\/)?(?:(?:www|[a-z]{2,3})\.)?linkedin\.com\/in\/([^/?#\s]+)\/*$/i;

export function normaliseEmail(value: string): string {
  return value.trim().toLowerCase();
}

/**
 * The one form campaignctl compares, de-duplicates and uploads a LinkedIn profile URL in:
 * `https://www.linkedin.com/in/<slug>` with the slug lower-cased, no trailing slash, query or fragment;
 * `http`, no scheme, no `www.` and country subdomains (`de.linkedin.com`) all become that form.
 * Undefined when the text is not a member profile URL. Why this is safe: src/providers/puffle/README.md §8.
 */
export function canonicalLinkedinUrl(value: string): string | undefined {
  let out = value.trim();
  const cut = out.search(/[?#]/);
  if (cut >= 0) out = out.slice(0, cut);
  const match = LINKEDIN_PROFILE.exec(out);
  return match ? `https://www.linkedin.com/in/${canonicalSlug(match[1]!)}` : undefined;
}

/** Lower-cased and percent-encoded one way: `Jos%C3%A9`, `josé` and `JOSÉ` are the same slug. */
function canonicalSlug(slug: string): string {
  let text = slug;
  try {
    text = decodeURIComponent(slug);
  } catch {
    // A stray `%` that starts no escape: kept as written.
  }
  return encodeURIComponent(text.toLowerCase());
}

/** A live roster's LinkedIn URL as an identity: its canonical form, or the trimmed text when it is not a profile URL. */
export function linkedinIdentity(value: string): string {
  return canonicalLinkedinUrl(value) ?? value.trim();
}

export function emailCell(value: string): CellResult {
  const v = value.trim();
  if (!EMAIL.test(v)) return { code: "AUDIENCE_INVALID_EMAIL", message: `${quote(v)} is not an email address (expected name@domain.tld)` };
  return { value: v, identity: normaliseEmail(v) };
}

export function linkedinCell(value: string): CellResult {
  const v = value.trim();
  const canonical = canonicalLinkedinUrl(v);
  if (canonical === undefined) {
    return { code: "AUDIENCE_INVALID_LINKEDIN_URL", message: `${quote(v)} is not a LinkedIn profile URL (expected https://www.linkedin.com/in/<name>)` };
  }
  // Uploaded in the canonical form too, so what the provider holds compares equal to the file on the next read.
  return { value: canonical, identity: canonical };
}

export function quote(s: string, max = 60): string {
  return JSON.stringify(s.length > max ? `${s.slice(0, max - 1)}…` : s);
}
