import { AuthError } from "../errors.js";

const words = (scope: string | null): string[] => (scope ?? "").split(" ").filter((word) => word.length > 0);

/**
 * The scope to grant: the requested words if every one is allowed, else `invalid_scope`;
 * everything allowed when nothing was requested.
 */
export function resolveScope(requested: string | null, allowed: string): string {
  const allowedWords = words(allowed);
  const wanted = words(requested);
  if (wanted.length === 0) return allowedWords.join(" ");
  if (wanted.some((word) => !allowedWords.includes(word))) throw new AuthError("invalid_scope");
  return [...new Set(wanted)].join(" ");
}
