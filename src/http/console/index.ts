import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/**
 * Where `npm run build` puts the console (`vite build --config console/vite.config.ts`): the
 * same folder whether this file runs from `src/` (tsx) or from `dist/`, both three levels below
 * the package.
 */
export const CONSOLE_DIST = fileURLToPath(new URL("../../../dist/console/", import.meta.url));

/**
 * The console's policy: its script, styles and API calls from our own origin only, no inline
 * script or style, no plugin, no `<base>`, no form posting anywhere, never framed.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; " +
  "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Vite names every file under assets/ by a hash of its content: a new build never reuses a name. */
const HASHED = "/console/assets/";
const YEAR_IMMUTABLE = "public, max-age=31536000, immutable";

/** A path the single-page app routes itself (`/console/users`), not a missing file (`/console/x.js`). */
const isAppPath = (rest: string) => !rest.startsWith("assets/") && !/\.[A-Za-z0-9]+$/.test(rest);

function consoleHeaders(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (e: null, p: unknown) => void) {
  reply.header("content-security-policy", CONSOLE_CSP);
  const hashed = request.url.startsWith(HASHED) && reply.statusCode < 400;
  // index.html names the current hashed files: it is revalidated on every load.
  if (reply.statusCode < 400) reply.header("cache-control", hashed ? YEAR_IMMUTABLE : "no-cache");
  done(null, payload);
}

/**
 * The admin console at `/console` (README: Admin console): the built single-page app's files,
 * and its index.html for every other path under `/console/`, which the app routes itself. Not
 * in the OpenAPI document: these are pages, not API (`hide`). Without a build there is nothing
 * to serve, and the paths stay 404 (a warning at start says so).
 */
export async function consoleRoutes(app: FastifyInstance, options: { root?: string } = {}): Promise<void> {
  const root = options.root ?? CONSOLE_DIST;
  if (!existsSync(`${root}index.html`)) {
    app.log.warn({ root }, "the admin console is not built (npm run build): /console is not served");
    return;
  }
  app.addHook("onSend", consoleHeaders);
  // One route per built file, found at start (the build never changes under a running server).
  await app.register(fastifyStatic, { root, prefix: "/console/", wildcard: false, index: false, cacheControl: false });
  const hidden = { schema: { hide: true } };
  app.get("/console", hidden, (_request, reply) => reply.redirect("/console/", 308));
  app.get<{ Params: { "*": string } }>("/console/*", hidden, (request, reply) =>
    isAppPath(request.params["*"]) ? reply.sendFile("index.html") : reply.callNotFound(),
  );
}
