/** Structural checks JSON.parse cannot make: repeated member names and nesting depth. */

export type JsonProblem = "duplicate_key" | "too_deep";

/** Nesting allowed in request bodies and JOSE headers; none of ours goes past 3. */
export const MAX_JSON_DEPTH = 32;

/**
 * Scans JSON text once and reports an object with a repeated member name (RFC 8259 §4 leaves
 * the meaning open, so parsers disagree on which one wins; RFC 7515 §4 requires rejecting it)
 * or nesting deeper than `maxDepth`. Names are compared after unescaping, so `"a"` and
 * `"\u0061"` collide. Linear in the text; callers still parse it — text that is not JSON at
 * all reports no problem here.
 */
export function findJsonProblem(text: string, maxDepth: number = MAX_JSON_DEPTH): JsonProblem | null {
  // One entry per open container: the member names seen so far, or null for an array.
  const stack: (Set<string> | null)[] = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const inner = text.charCodeAt(i);
        if (inner === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (inner === 0x22) break;
      }
      const names = stack.at(-1);
      if (expectName && names) {
        const name = escaped ? unescape(text.slice(start, i + 1)) : text.slice(start + 1, i);
        if (name === null) return null;
        if (names.has(name)) return "duplicate_key";
        names.add(name);
        expectName = false;
      }
    } else if (char === 0x7b /* { */ || char === 0x5b /* [ */) {
      if (stack.length >= maxDepth) return "too_deep";
      stack.push(char === 0x7b ? new Set() : null);
      expectName = char === 0x7b;
    } else if (char === 0x7d /* } */ || char === 0x5d /* ] */) {
      stack.pop();
      expectName = false;
    } else if (char === 0x2c /* , */) {
      expectName = Boolean(stack.at(-1));
    }
  }
  return null;
}

function unescape(literal: string): string | null {
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === "string" ? value : null;
  } catch {
    return null;
  }
}
