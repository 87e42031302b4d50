/** Deepest nesting of arrays and objects accepted in a JSON request body (token and admin). */
export const MAX_JSON_DEPTH = 32;

/**
 * True when JSON text nests arrays and objects more than `limit` deep. Scans the text without
 * parsing it, skipping strings, so that no parser, validator or serialiser ever recurses over a
 * hostile document (`[[[[…` in a 64 KiB body is 65 536 levels). Malformed text is left to the parser.
 */
export function jsonNestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** True when a parsed value nests arrays and objects more than `limit` deep (walked without recursion). */
export function valueNestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, depth] = top;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
