import { subscribe } from "node:diagnostics_channel";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";

/**
 * Holds every Gatehouse server the tests start to its OpenAPI document: each answer a route
 * gives is checked, as it leaves, against the schema documented for its route, method and
 * status (docs/openapi.md). A Fastify instance made in this process gets two hooks the moment
 * it exists (Fastify's `fastify.initialization` channel), before any route: `onRoute`, which
 * lists the routes, and `onSend`, which checks the answer. Nothing of it is in `src/`.
 */

export type RegisteredRoute = { method: string; url: string; options: RouteOptions };
export type Answer = { route: string; method: string; status: number; contentType: string | null; payload: unknown };
export type Operation = { tags?: string[]; responses?: Record<string, { content?: Record<string, { schema?: object }> }> };
export type Document = { paths: Record<string, Record<string, Operation>> };

export type Conformance = {
  /** Every route registered, each method apart (HEAD included), with its options as registered. */
  routes: RegisteredRoute[];
  /** Every answer that did not fit the document, one line each. */
  mismatches: string[];
  /** How many answers were checked. */
  checked: number;
};

const servers = new WeakMap<FastifyInstance, Conformance>();

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
/** One validator per schema, compiled once for the whole process (servers share their schemas). */
const validators = new Map<string, ValidateFunction>();
function validatorOf(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(key, validate);
  }
  return validate;
}

/** A Fastify route's path as the document spells it: `:id` → `{id}`, `*` → `{*}`, no trailing slash. */
export function documentPath(url: string): string {
  const path = url.replace(/:(\w+)/g, "{$1}").replace(/\*/g, "{*}");
  return path.length > 1 ? path.replace(/\/$/, "") : path;
}

const isEmpty = (payload: unknown) =>
  payload === undefined || payload === null || payload === "" || (Buffer.isBuffer(payload) && payload.length === 0);

const isStream = (payload: unknown) => typeof (payload as { pipe?: unknown } | null)?.pipe === "function";

/** What is wrong with `answer` by `document`, or null when it is what the document says. */
export function mismatchOf(document: Document, answer: Answer): string | null {
  const where = `${answer.method} ${answer.route} → ${answer.status}`;
  const operation = document.paths[documentPath(answer.route)]?.[answer.method.toLowerCase()];
  if (!operation) return `${where}: the route is not in the document`;
  const response = operation.responses?.[String(answer.status)];
  if (!response) return `${where}: status ${answer.status} is not documented for this route`;
  // Fastify never sends a body with a 204 or a 304, whatever the handler gave it.
  const sentEmpty = answer.status === 204 || answer.status === 304 || isEmpty(answer.payload);
  if (!response.content) return sentEmpty ? null : `${where}: documented without a body, but one was sent`;
  const media = (answer.contentType ?? "").split(";", 1)[0]?.trim().toLowerCase() ?? "";
  const documented = response.content[media];
  if (!documented) return `${where}: media type "${media}" is not documented (${Object.keys(response.content).join(", ")})`;
  if (media !== "application/json" || !documented.schema || isStream(answer.payload)) return null;
  let body: unknown;
  try {
    body = JSON.parse(String(answer.payload));
  } catch {
    return `${where}: the body is not JSON`;
  }
  const validate = validatorOf(documented.schema);
  if (validate(body)) return null;
  return `${where}: ${ajv.errorsText(validate.errors)}; body ${String(answer.payload).slice(0, 500)}`;
}

function answerOf(request: FastifyRequest, reply: FastifyReply, payload: unknown): Answer | null {
  const route = request.routeOptions.url;
  // HEAD is GET without a body; a request that matched no route has nothing documented.
  if (route === undefined || request.is404 || request.method === "HEAD") return null;
  const type = reply.getHeader("content-type");
  return {
    route,
    method: request.method,
    status: reply.statusCode,
    contentType: typeof type === "string" ? type : null,
    payload,
  };
}

function watch(app: FastifyInstance): void {
  const conformance: Conformance = { routes: [], mismatches: [], checked: 0 };
  servers.set(app, conformance);
  app.addHook("onRoute", (options) => {
    for (const method of [options.method].flat()) conformance.routes.push({ method, url: options.url, options });
  });
  app.addHook("onSend", (request, reply, payload, done) => {
    try {
      const document = app.swagger() as unknown as Document;
      const found = answerOf(request, reply, payload);
      // A route hidden from the document and not in it (the admin console's pages) is not API.
      const hidden = (request.routeOptions.schema as { hide?: boolean } | undefined)?.hide === true;
      const answer = found && hidden && !document.paths[documentPath(found.route)] ? null : found;
      const mismatch = answer && mismatchOf(document, answer);
      if (answer) conformance.checked++;
      if (mismatch) conformance.mismatches.push(mismatch);
    } catch (error) {
      // A check that cannot run is a failure of the check, never of the answer.
      conformance.mismatches.push(`${request.method} ${request.url}: the check failed: ${String(error)}`);
    }
    done(null, payload);
  });
}

subscribe("fastify.initialization", (message) => watch((message as { fastify: FastifyInstance }).fastify));

/** The conformance record of a server started in this process. */
export function conformanceOf(app: FastifyInstance): Conformance {
  const found = servers.get(app);
  if (!found) throw new Error("this Fastify instance was made before test/helpers/openapi-conformance.ts was loaded");
  return found;
}

/** Throws, listing them, if any answer of this server did not fit its document. */
export function assertConforms(app: FastifyInstance): void {
  const { mismatches } = conformanceOf(app);
  if (mismatches.length > 0) {
    throw new Error(`answers that do not fit /openapi.json (docs/openapi.md):\n${[...new Set(mismatches)].join("\n")}`);
  }
}
