import type { FastifyInstance } from "fastify";
import secureJson from "secure-json-parse";

type Done = (error: Error | null, body?: unknown) => void;

const badBody = (message: string) => Object.assign(new Error(message), { statusCode: 400, code: "GATEHOUSE_MALFORMED_BODY" });

/**
 * Body parsers for every route: JSON (an empty body counts as none; `__proto__` and
 * `constructor.prototype` keys are refused) and form-urlencoded via `URLSearchParams` into a
 * prototype-less object, where a repeated name becomes an array so that it fails type checks.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done: Done) => {
    const text = String(body);
    if (text.trim().length === 0) return done(null, undefined);
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: "error", constructorAction: "error" }));
    } catch {
      done(badBody("malformed JSON body"));
    }
  });
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done: Done) => {
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
