import { type Compilable, CompiledQuery, type Kysely } from "kysely";
import type { Database } from "./database.js";

/** Stands for the argument at `index` while the query is compiled. */
const marker = (index: number) => `\u0000gatehouse-argument-${index}`;

type Compiled = { sql: string; positions: number[] };

/** The SQL of every precompiled query, with the name PostgreSQL knows it by once prepared. */
const statementNames = new Map<string, string>();

/**
 * The prepared-statement name of a precompiled query's SQL, or `undefined` for any other SQL.
 * On PostgreSQL such a query is parsed and planned once per connection instead of on every run.
 */
export const statementName = (sql: string): string | undefined => statementNames.get(sql);

/**
 * A query of the hot paths (token checks, refreshes, logins), built and compiled once per
 * dialect and afterwards only run. Building and compiling a Kysely query costs about as much
 * as running a small indexed query on SQLite, on every request. `build` is called once with
 * markers in place of its arguments; every parameter of the compiled SQL must be one of them,
 * which is checked then, so that a query whose SQL would depend on its arguments' values (an
 * `in` list, an optional condition) cannot be precompiled by mistake. Runs go through Kysely's
 * executor like any other query, on whatever database or transaction they are given; on
 * PostgreSQL as prepared statements (see `statementName`).
 */
export type Precompiled<Args extends unknown[], Row> = ((db: Kysely<Database>, ...args: Args) => Promise<Row[]>) & {
  /**
   * The compiled SQL and its parameters for these arguments, for a caller that runs them itself
   * (synchronously on SQLite's raw connection, inside a unit of the group commit).
   */
  bind: (db: Kysely<Database>, ...args: Args) => CompiledQuery<Row>;
};

export function precompiled<Args extends unknown[], Row>(
  build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>,
): Precompiled<Args, Row> {
  // One compilation per adapter (dialect); a transaction shares its database's adapter.
  const byAdapter = new WeakMap<object, Compiled>();
  const compile = (db: Kysely<Database>, arity: number): Compiled => {
    const markers = Array.from({ length: arity }, (_, index) => marker(index));
    const query = build(db, ...(markers as Args)).compile();
    const positions = query.parameters.map((parameter) => {
      const index = markers.indexOf(parameter as string);
      if (index < 0) throw new Error(`precompiled query has a parameter that is not an argument: ${query.sql}`);
      return index;
    });
    if (!statementNames.has(query.sql)) statementNames.set(query.sql, `gatehouse_${statementNames.size + 1}`);
    return { sql: query.sql, positions };
  };
  const bind = (db: Kysely<Database>, ...args: Args): CompiledQuery<Row> => {
    const adapter = db.getExecutor().adapter;
    let compiled = byAdapter.get(adapter);
    if (!compiled) byAdapter.set(adapter, (compiled = compile(db, args.length)));
    return CompiledQuery.raw(
      compiled.sql,
      compiled.positions.map((index) => args[index]),
    ) as CompiledQuery<Row>;
  };
  const run = async (db: Kysely<Database>, ...args: Args) => (await db.executeQuery<Row>(bind(db, ...args))).rows;
  return Object.assign(run, { bind });
}
