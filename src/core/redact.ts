/**
 * The one redactor: every configured API key value is replaced by `[redacted]` in whatever it is
 * found in, in each form a provider (or a user's file) might carry it:
 * - raw, and split across lines or with whitespace inserted (also as the `\n`, `\t`, `\r` escapes a
 *   JSON or escaped rendering shows instead of a real line break);
 * - URL-encoded (`%73`) and JSON `\u`-escaped (`\u0073`), any mix of escaped and literal characters;
 * - hex of its UTF-8 bytes, upper, lower or mixed case;
 * - base64 and base64url at any byte alignment (the key inside a longer encoded text, e.g. an echoed
 *   `Authorization` header), padded or not.
 * Output sinks (stdout, stderr, files campaignctl writes) and the HTTP error family use it; the config
 * loader asks `has` to refuse a key pasted into a campaign file. Pure: no I/O.
 */

export const REDACTED = "[redacted]";

/**
 * Values shorter than this are not treated as secrets: they would blank ordinary words in every line
 * printed (the sandbox's default key is `sandbox`), and no provider issues keys this short.
 */
export const MIN_SECRET_LENGTH = 8;

/** Whitespace between two characters of a split key: real, or escaped as a JSON/`printable` rendering shows it. */
const GAP_UNIT = String.raw`(?:[ \t\r\n]|\\[nrt]|\\u00(?:0[9aAdD]|20))`;
/**
 * Whitespace units assumed between two characters when sizing what a stream holds back (`maxSpan`); the
 * pattern itself takes any number (`*` compiles to a small loop, `{0,n}` would be unrolled n times).
 */
const MAX_GAP = 24;
const GAP = `${GAP_UNIT}*`;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/** A hex digit in either case: `a` → `[aA]`, `7` → `7`. */
function hexDigit(d: string): string {
  return /[a-f]/i.test(d) ? `[${d.toLowerCase()}${d.toUpperCase()}]` : d;
}

function hexByte(code: number): string {
  const h = code.toString(16).padStart(2, "0");
  return hexDigit(h[0] as string) + hexDigit(h[1] as string);
}

/** One UTF-16 unit of the key: literal, `\uXXXX`, `%XX` (ASCII), or `\/` for a slash. */
function charUnit(ch: string): string {
  const code = ch.charCodeAt(0);
  const hex4 = code.toString(16).padStart(4, "0");
  const alts = [escapeRegExp(ch), `\\\\u${[...hex4].map(hexDigit).join("")}`];
  if (code < 0x80) alts.push(`%${hexByte(code)}`);
  if (ch === "/") alts.push("\\\\/");
  return `(?:${alts.join("|")})`;
}

/**
 * The base64 characters that depend only on the key's bytes, for the key starting at byte offset
 * 0, 1 or 2 of a longer encoded text (each alignment gives different characters).
 */
function base64Fragments(key: string): string[] {
  const bytes = Buffer.from(key, "utf8");
  const out: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const text = padded.toString("base64");
    const first = Math.ceil((offset * 8) / 6);
    const last = Math.floor(((offset + bytes.length) * 8) / 6); // exclusive
    const frag = text.slice(first, last);
    if (frag.length >= MIN_SECRET_LENGTH) {
      out.push(frag);
      const url = frag.replace(/\+/g, "-").replace(/\//g, "_");
      if (url !== frag) out.push(url);
    }
  }
  return out;
}

/** Every alternative that matches one key, as regular-expression sources. */
function keyPatterns(key: string): string[] {
  const units = Array.from({ length: key.length }, (_, i) => charUnit(key[i] as string));
  const hex = [...Buffer.from(key, "utf8")].map(hexByte);
  // The last, partly-key character and the padding go too: a whole encoded key leaves nothing behind.
  const b64 = base64Fragments(key).map((f) => `${[...f].map(escapeRegExp).join(GAP)}(?:[A-Za-z0-9+/_-]={0,2})?`);
  return [units.join(GAP), hex.join(GAP), ...b64];
}

export class Redactor {
  private readonly secrets = new Set<string>();
  /** One pattern per secret, longest secret first (one alternation of all of them is several times slower in V8). */
  private patterns: RegExp[] = [];
  /** The longest text one match can span (a stream keeps this much back until it knows more). */
  maxSpan = 0;

  constructor(secrets: Iterable<string | undefined> = []) {
    this.add(secrets);
  }

  /** Adds key values (and, for `Bearer x`, the whole header value); empty or short ones are ignored. */
  add(secrets: Iterable<string | undefined>): this {
    let changed = false;
    for (const s of secrets) {
      if (s === undefined || s.length < MIN_SECRET_LENGTH || this.secrets.has(s)) continue;
      this.secrets.add(s);
      changed = true;
    }
    if (changed) this.compile();
    return this;
  }

  /** True when some secret is known (otherwise every method returns its input). */
  get active(): boolean {
    return this.patterns.length > 0;
  }

  private compile(): void {
    // Longest first, so "Bearer x" is replaced whole before "x".
    const keys = [...this.secrets].sort((a, b) => b.length - a.length);
    this.patterns = keys.map((k) => new RegExp(keyPatterns(k).join("|"), "g"));
    const longest = keys[0]?.length ?? 0;
    // Per character: up to 6 (\uXXXX) plus a gap of 6-character escapes; hex and base64 are shorter per byte.
    this.maxSpan = longest * 4 * (6 + MAX_GAP * 6);
  }

  /** `text` with every form of every secret replaced by `[redacted]`. */
  text(text: string): string {
    if (text.length < MIN_SECRET_LENGTH) return text;
    let out = text;
    for (const p of this.patterns) {
      p.lastIndex = 0;
      out = out.replace(p, REDACTED);
    }
    return out;
  }

  /** True when `text` holds some form of a secret. */
  has(text: string): boolean {
    return this.firstIndex(text) >= 0;
  }

  /** Where the first form of a secret starts in `text`, or -1. */
  firstIndex(text: string): number {
    if (text.length < MIN_SECRET_LENGTH) return -1;
    let first = -1;
    for (const p of this.patterns) {
      p.lastIndex = 0;
      const m = p.exec(text);
      p.lastIndex = 0;
      if (m !== null && (first < 0 || m.index < first)) first = m.index;
    }
    return first;
  }

  /** Strings redacted deeply (object keys, arrays); other values as they are. */
  deep<T>(value: T): T {
    if (!this.active) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === "string") return this.text(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) out[this.text(k)] = walk(x);
        return out;
      }
      return v;
    };
    return walk(value) as T;
  }

  /**
   * A stream of text chunks, redacted as one text: a key split across two chunks is still found,
   * since the last `maxSpan` characters are held back until the next chunk (or the end) comes.
   */
  *chunks(chunks: Iterable<string>): Generator<string> {
    if (!this.active) {
      yield* chunks;
      return;
    }
    let pending = "";
    for (const chunk of chunks) {
      pending += chunk;
      if (pending.length <= this.maxSpan * 2) continue;
      const done = this.text(pending);
      // The redacted text's tail may hold the start of a key whose rest is still to come.
      const cut = done.length - this.maxSpan;
      yield done.slice(0, cut);
      pending = done.slice(cut);
    }
    if (pending !== "") yield this.text(pending);
  }
}
