// HTTP for the chaos scenarios: one request with a deadline, classified the way a Jepsen-style
// history needs it. A request never throws; it resolves with a `Reply`.
//
//   ack      a 2xx answer: the operation happened
//   fail     a definite non-2xx answer below 500: the operation did not happen
//   unknown  no answer (timeout, reset, hang-up) or any 5xx: it may or may not have happened
//            (a 5xx can come after a commit, so it is never taken as "did not happen")
//   refused  the connection was refused: nothing was sent, so it did not happen

import http from "node:http";
import { clearTimeout, setTimeout } from "node:timers";
import { URLSearchParams } from "node:url";
import { now } from "./util.mjs";

/**
 * @typedef {object} Reply
 * @property {number} status        0 when no answer came
 * @property {boolean} retryAfter   the answer carried Retry-After
 * @property {any} body             parsed JSON, else the text
 * @property {number} ms            latency
 * @property {string | null} error  the network error code, or null
 * @property {boolean} reusedSocket the request went out on a kept-alive socket (a reset there
 *                                  may be the client-side race with the server's keep-alive timeout)
 * @property {"ack" | "fail" | "unknown" | "refused"} outcome
 * @property {boolean} badStatus    a 5xx other than a 503 with Retry-After (I5)
 */

/**
 * A keep-alive agent whose idle sockets close after 4 s, before the server's 5 s keep-alive
 * timeout: Node 20's agent otherwise idles them exactly as long as the server does, and a
 * request sent on a socket the server is closing at that moment gets a reset that is the
 * client's doing (the timeout does not apply to a request in flight).
 */
export const createAgent = (maxSockets = 64) => new http.Agent({ keepAlive: true, maxSockets, timeout: 4_000 });

export const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

/** A form-urlencoded POST body with its headers. */
export const form = (fields, headers = {}) => ({
  headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  body: new URLSearchParams(fields).toString(),
});

/** A JSON POST body with its headers. */
export const json = (value, headers = {}) => ({
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(value),
});

function classify(status, retryAfter, error) {
  const badStatus = status >= 500 && !(status === 503 && retryAfter);
  if (status >= 200 && status < 300) return { outcome: "ack", badStatus };
  if (status > 0 && status < 500) return { outcome: "fail", badStatus };
  if (status === 0 && error === "ECONNREFUSED") return { outcome: "refused", badStatus };
  return { outcome: "unknown", badStatus };
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * One request to `base` + `path`. `timeoutMs` bounds the whole exchange; past it the socket
 * is destroyed (so the server sees the client go) and the outcome is unknown.
 * @returns {Promise<Reply>}
 */
export function send(base, method, path, { headers = {}, body, timeoutMs = 15_000, agent } = {}) {
  const t0 = now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (status, retryAfter, text, error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const reusedSocket = request.reusedSocket;
      resolve({
        status,
        retryAfter,
        body: parse(text),
        ms: now() - t0,
        error,
        reusedSocket,
        ...classify(status, retryAfter, error),
      });
    };
    const request = http.request(new URL(path, base), { method, headers, agent }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => finish(response.statusCode ?? 0, response.headers["retry-after"] !== undefined, text, null));
      response.on("error", (error) => finish(0, false, "", error.code ?? "ERESPONSE"));
    });
    const timer = setTimeout(() => {
      request.destroy();
      finish(0, false, "", "ETIMEOUT");
    }, timeoutMs);
    request.on("error", (error) => finish(0, false, "", error.code ?? error.message));
    request.end(body);
  });
}
