import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** One request the receiver got: its headers and body, and whether the reference library accepted its signature. */
export type Received = {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  type: string;
  data: any;
  verified: boolean;
  at: number;
  /** When the sender closed the connection before the answer (its process died), else null. */
  abortedAt: number | null;
};

export type Receiver = {
  url: string;
  port: number;
  received: Received[];
  /** The verified requests' distinct event types. */
  types(): Set<string>;
  /** The secret to verify with (set once the endpoint is created). */
  secret: string;
  /** The status to answer a request with (default 200). */
  answer: (request: Received) => number;
  /** While true, requests are kept unanswered (in flight at the sender) until `release`. */
  hold: boolean;
  /** Answers every request held so far. */
  release(): void;
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

/**
 * A real webhook receiver on loopback that verifies every request with `standardwebhooks`, the
 * Standard Webhooks reference library, as a receiver would in production.
 */
export async function startReceiver(port = 0): Promise<Receiver> {
  const receiver: Receiver = {
    url: "",
    port: 0,
    received: [],
    secret: "",
    answer: () => 200,
    hold: false,
    release: () => held.splice(0).forEach((answer) => answer()),
    types: () => new Set(receiver.received.filter((r) => r.verified).map((r) => r.type)),
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline)
          throw new Error(`receiver: condition not met in ${timeoutMs} ms (${receiver.received.length} received)`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: () => {
      receiver.release();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const held: (() => void)[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let verified = false;
      try {
        new Webhook(receiver.secret).verify(body, request.headers as Record<string, string>);
        verified = true;
      } catch {
        verified = false;
      }
      const parsed = JSON.parse(body) as { type: string; data: unknown };
      const record: Received = {
        id: String(request.headers["webhook-id"]),
        headers: request.headers,
        body,
        type: parsed.type,
        data: parsed.data,
        verified,
        at: Date.now(),
        abortedAt: null,
      };
      receiver.received.push(record);
      response.on("close", () => {
        if (!response.writableFinished) record.abortedAt = Date.now();
      });
      const answer = () => {
        if (response.destroyed) return;
        response.statusCode = receiver.answer(record);
        response.end("ok");
      };
      if (receiver.hold) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hooks`;
  return receiver;
}

/** A loopback port nothing listens on (taken and given back). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
