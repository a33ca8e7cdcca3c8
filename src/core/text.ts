/**
 * Text that came from outside (file names, provider strings) made safe for one line of terminal or
 * CI log output: control characters (newline, CR, ESC, DEL, C1, bidi overrides, line/paragraph
 * separators) become visible escapes, so a file name or a provider message can never start a new
 * line (`::error …` workflow commands), move the cursor or recolour the terminal.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function printable(s: string): string {
  return s.replace(UNSAFE, (c) => {
    switch (c) {
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      case "\t":
        return "\\t";
      default:
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
    }
  });
}

// Bidi controls and line/paragraph separators: invisible, they reorder or break what a reader sees.
const INVISIBLE = /[\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * A whole rendered document (plan, drift report, JSON) with bidi controls (U+202A–U+202E,
 * U+2066–U+2069, U+200E, U+200F, U+061C) and U+2028/U+2029 shown as `\uXXXX`, like `printable` does,
 * while its own newlines, tabs and colours stay. Inside a JSON string the escape is the same value.
 */
export function escapeInvisible(s: string): string {
  return s.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** True when `s` holds a character `printable` would escape. */
export function hasUnsafeChars(s: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(s);
  UNSAFE.lastIndex = 0;
  return found;
}

/** At most `max` characters of `s` (by code point), printable, with "…" when cut. */
export function excerpt(s: string, max = 60): string {
  const chars = [...s.slice(0, max * 2)];
  const cut = chars.length > max || s.length > max * 2;
  return printable(chars.slice(0, max).join("")) + (cut ? "…" : "");
}
