// Text that came from outside (the platform's ids and messages, Temporal's) as it may be shown:
// on a terminal, in a report, in a sync's error. Pure, no imports.

/**
 * Control characters (C0, DEL, C1), the Unicode bidi overrides and isolates, and unpaired
 * surrogates. Text from the platform could otherwise move the cursor, clear the screen, retitle
 * the terminal, make a line read other than it is, or not be valid Unicode at all.
 */
const UNPRINTABLE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]|\p{Cs}/gu;

const hex = (code: number, digits: number) => code.toString(16).toUpperCase().padStart(digits, '0');

/** `text` safe to show: each unprintable character becomes a visible escape (\x1B, \u202E). */
export const printable = (text: string): string =>
  text.replace(UNPRINTABLE, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
  });

/** Printable, and at most `max` characters of it, then how long it was: what a report quotes of a 10 KB id. */
export const quotable = (text: string, max: number): string =>
  text.length > max ? `${printable(text.slice(0, max))}… (${text.length} characters)` : printable(text);
