/**
 * The characters free text must not hold, as the body of a regular expression character class:
 * C0 controls (tab, line feed and carriage return included), DEL and C1 controls
 * (U+0080–U+009F), the line and paragraph separators (U+2028, U+2029), and the bidirectional
 * embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069) of Unicode UAX #9, which
 * reorder how the text after them is displayed ("Trojan Source", CVE-2021-42574).
 */
export const NOT_PRINTABLE = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';

/** A regular expression source (JSON Schema `pattern`) matching a whole string of printable text, empty included. */
export const PRINTABLE_TEXT = `^[^${NOT_PRINTABLE}]*$`;
