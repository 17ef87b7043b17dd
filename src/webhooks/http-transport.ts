import { request as httpRequest, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { hostOf, RefusedTarget, resolveAllowed } from "../core/webhooks/addresses.js";
import type { TransportAnswer, WebhookTransport } from "../core/webhooks/ports.js";

/** The most of an answer's body that is read (and thrown away): a receiver cannot make us buffer more. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * The dispatcher's HTTP client. The host is resolved once and every address checked by the
 * SSRF guard; the socket connects to the checked address itself (the lookup below hands the
 * connection exactly what was checked), so a second resolution cannot rebind the name. A
 * redirect is an answer like any other (never followed), a request has a hard timeout, and at
 * most `MAX_ANSWER_BYTES` of an answer is read.
 */
export function createHttpTransport(options: { allowPrivate: boolean; timeoutMs: number }): WebhookTransport {
  return {
    async post(url, headers, body, signal) {
      const target = new URL(url);
      if (target.protocol !== "http:" && target.protocol !== "https:") throw new RefusedTarget("only http and https are sent to");
      const addresses = await resolveAllowed(hostOf(target), options.allowPrivate);
      const lookup: LookupFunction = (_host, lookupOptions, callback) => {
        if (lookupOptions.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      };
      const requestOptions: RequestOptions = {
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
        lookup,
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
        agent: false,
      };
      return send(target, requestOptions, body);
    },
  };
}

function send(target: URL, options: RequestOptions, body: string): Promise<TransportAnswer> {
  const request = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(target, options, (answer) => {
      let read = 0;
      answer.on("data", (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) answer.destroy();
      });
      const settle = () => resolve({ status: answer.statusCode ?? 0 });
      answer.on("end", settle);
      answer.on("close", settle);
      answer.on("error", settle);
    });
    outgoing.on("error", (error) => reject(error.name === "AbortError" ? new Error("timed out or aborted") : error));
    outgoing.end(body);
  });
}
