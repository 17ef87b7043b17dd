import type { FastifyInstance } from "fastify";
import type { Config } from "../config/schema.js";
import type { Core } from "../core/index.js";

export type DialectOptions = { core: Core; config: Config };

/**
 * One legacy wire format. A dialect is an encapsulated Fastify plugin with its own routes and
 * error renderer; it imports the core, never the store or another dialect.
 */
export type Dialect = {
  name: string;
  /** One line for the README and the start-up log. */
  summary: string;
  plugin: (app: FastifyInstance, options: DialectOptions) => Promise<void>;
};
