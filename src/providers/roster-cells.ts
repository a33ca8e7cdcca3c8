import type { CellResult } from "./types.js";

/**
 * Cell checks shared by the providers' roster rules: the normalisation each provider documents
 * (src/providers/puffle/README.md §8: emails lower-cased, LinkedIn URLs without trailing slash or query string).
 */

/** What Puffle accepts as an email: something@something, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** A LinkedIn member profile: https://www.linkedin.com/in/<slug> (country subdomains allowed). */
const LINKEDIN_PROFILE = /^https?:\/\/([a-z]{2,3}\.)?linkedin\.com\/in\/[^/?#\s]+\/?$/i;

export function normaliseEmail(value: string): string {
  return value.trim().toLowerCase();
}

/** Without query string, fragment or trailing slash. */
export function normaliseLinkedinUrl(value: string): string {
  let out = value.trim();
  const cut = out.search(/[?#]/);
  if (cut >= 0) out = out.slice(0, cut);
  return out.replace(/\/+$/, "");
}

export function emailCell(value: string): CellResult {
  const v = value.trim();
  if (!EMAIL.test(v)) return { code: "AUDIENCE_INVALID_EMAIL", message: `${quote(v)} is not an email address (expected name@domain.tld)` };
  return { value: v, identity: normaliseEmail(v) };
}

export function linkedinCell(value: string): CellResult {
  const v = value.trim();
  const bare = normaliseLinkedinUrl(v);
  if (!LINKEDIN_PROFILE.test(bare)) {
    return { code: "AUDIENCE_INVALID_LINKEDIN_URL", message: `${quote(v)} is not a LinkedIn profile URL (expected https://www.linkedin.com/in/<name>)` };
  }
  // Compared the way Puffle compares them (src/providers/puffle/README.md §8): no other rewriting, so our count matches theirs.
  return { value: v, identity: bare };
}

export function quote(s: string, max = 60): string {
  return JSON.stringify(s.length > max ? `${s.slice(0, max - 1)}…` : s);
}
