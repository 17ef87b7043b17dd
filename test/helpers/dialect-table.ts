import assert from "node:assert/strict";
import type { Response, TestServer } from "./server.js";
import type { SmtpReceiver } from "./smtp.js";

/** What the scenarios run against: one server, and the mail server that receives its codes. */
export type World = { gh: TestServer; smtp: SmtpReceiver };

/** An account of the scenarios: `name` logs in, `display` is a display name where one exists. */
export type Account = { name: string; email: string; display: string; password: string };

/** What a login hands out; `refresh` is null where the dialect has no separate refresh token. */
export type Session = { access: string; refresh: string | null; terminal?: string };

/** One exact wire answer: the status and the whole parsed body. */
export type Answer = { status: number; body: unknown };

/** A request made with a session's tokens, its answer while the session lives, and once it has ended. */
export type TokenRoute = {
  send(w: World, session: Session, account: Account): Promise<Response>;
  accepted(response: Response, account: Account, session: Session): Answer;
  revoked: Answer;
};

/**
 * One row of the scenario table: how a dialect registers, logs in, refreshes and logs out, and
 * what each of its answers must be.
 */
export type DialectEntry = {
  name: string;
  /** Prefix of the entry's account names, unique in the table (all entries share one server). */
  key: string;
  /** Anything the entry needs on the server before its account is registered. */
  setup?(w: World): Promise<void>;
  /** Creates the account, insisting on the dialect's exact answer (through the CLI where the API has no registration). */
  register(w: World, account: Account): Promise<void>;
  login(w: World, name: string, password: string): Promise<Response>;
  /** The exact answer to a successful login, the tokens taken from the response. */
  loggedIn(response: Response, account: Account): Answer;
  session(response: Response): Session;
  /** The answer to a wrong password, which an unknown user must get too. */
  loginFailed: Answer;
  /** The answer to the right password of a disabled account. */
  disabled: Answer;
  /** A request that needs a live session and changes nothing. */
  probe: TokenRoute;
  /** Null where the dialect cannot refresh. */
  refresh:
    | null
    | (TokenRoute & {
        next(response: Response, previous: Session): Session;
        /** The answer to the previous session's refresh once it has been used; null if the dialect does not rotate. */
        reused: Answer | null;
      });
  logout: TokenRoute;
  /** Malformed requests, each with the dialect's own exact error answer. */
  malformed: { name: string; send(w: World): Promise<Response>; answer: Answer }[];
};

/** Insists on an exact answer: status, whole body, and the nosniff header every answer carries. */
export function expectAnswer(response: Response, answer: Answer, label = ""): void {
  assert.equal(response.status, answer.status, `${label} ${response.text}`);
  assert.deepEqual(response.body, answer.body, label);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff", label);
}

/** The claims of a compact JWS, insisting that it is one. */
export function jwtClaims(token: string): Record<string, any> {
  const parts = token.split(".");
  assert.equal(parts.length, 3, `not a compact JWS: ${token}`);
  return JSON.parse(Buffer.from(parts[1] as string, "base64url").toString("utf8"));
}

/** A request body of raw, unparseable JSON. */
export const brokenJson = (start: string) => ({ raw: `{"${start}": `, contentType: "application/json" });
