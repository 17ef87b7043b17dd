import type { FastifyInstance, FastifyRequest } from "fastify";
import secureJson from "secure-json-parse";
import { findJsonProblem } from "../core/strict-json.js";

type Done = (error: Error | null, body?: unknown) => void;

const badBody = (message: string) => Object.assign(new Error(message), { statusCode: 400, code: "GATEHOUSE_MALFORMED_BODY" });
const badCharset = () =>
  Object.assign(new Error("only UTF-8 bodies are accepted"), { statusCode: 415, code: "FST_ERR_CTP_INVALID_MEDIA_TYPE" });

/** The declared charset, lower-cased and unquoted; `null` when none is given. */
function charsetOf(contentType: string | undefined): string | null {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? "");
  return match ? (match[1] ?? "").toLowerCase() : null;
}

/** Bodies are read as UTF-8; a body declared in any other charset would be misread, so it is refused. */
function isUtf8(request: FastifyRequest): boolean {
  const charset = charsetOf(request.headers["content-type"]);
  return charset === null || charset === "utf-8" || charset === "utf8";
}

/**
 * Body parsers for every route, UTF-8 only: JSON (an empty body counts as none; `__proto__`
 * and `constructor.prototype` keys, repeated member names and deep nesting are refused) and
 * form-urlencoded via `URLSearchParams` into a prototype-less object, where a repeated name
 * becomes an array so that it fails type checks.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done: Done) => {
    if (!isUtf8(request)) return done(badCharset());
    const text = String(body);
    if (text.trim().length === 0) return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = secureJson.parse(text, undefined, { protoAction: "error", constructorAction: "error" });
    } catch {
      return done(badBody("malformed JSON body"));
    }
    const problem = findJsonProblem(text);
    if (problem) return done(badBody(problem === "too_deep" ? "JSON body nested too deeply" : "repeated JSON member name"));
    done(null, parsed);
  });
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (request, body, done: Done) => {
    if (!isUtf8(request)) return done(badCharset());
    done(null, parseForm(String(body)));
  });
}

export function parseForm(text: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    const previous = result[name];
    if (previous === undefined) result[name] = value;
    else result[name] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return result;
}
