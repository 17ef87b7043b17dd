import type { FastifyInstance } from "fastify";
import type { IncomingMessage } from "node:http";

/** Most body bytes read and discarded after answering a request whose body was not read. */
export const LINGER_MAX_BYTES = 8 * 1024 * 1024;
/** Longest time, from the end of the answer, spent reading and discarding that body. */
export const LINGER_MAX_MS = 5_000;

/**
 * Lingering close (RFC 9112 §9.6) for answers given before the request body was read: a body
 * over `BODY_LIMIT` (413), an unsupported media type (415), a rate-limited client (429), an
 * unknown path or method. Without it Node closes the socket as soon as the answer is written,
 * while the client is still uploading; the kernel then resets the connection, and a client that
 * writes its whole body before reading (most HTTP libraries) sees EPIPE or ECONNRESET instead
 * of the answer.
 *
 * Such an answer carries `Connection: close`; after it is written the server goes on reading
 * and discarding the body, and closes once the body is complete, after `LINGER_MAX_BYTES` or
 * after `LINGER_MAX_MS`, whichever comes first. The reading is the HTTP parser's ordinary
 * asynchronous work: a slow uploader holds one socket for at most the time bound, and never the
 * event loop. Beyond either bound the connection is closed as it was before.
 */
export function registerLingeringClose(app: FastifyInstance): void {
  // A callback hook: it runs on every answer and costs one property read when the body was read.
  app.addHook("onSend", (request, reply, payload, done) => {
    if (hasUnreadBody(request.raw)) {
      reply.header("connection", "close");
      lingerBeforeClosing(request.raw);
    }
    done(null, payload);
  });
}

/**
 * A body is declared by Transfer-Encoding or a non-zero Content-Length (RFC 9112 §6.3); a
 * request without one may not be marked complete yet when a synchronous answer is sent.
 */
function hasUnreadBody(request: IncomingMessage): boolean {
  if (request.complete) return false;
  const length = request.headers["content-length"];
  return request.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/**
 * Node closes a socket whose answer said `Connection: close` by calling its `destroySoon` once
 * the answer is written (after it has set the unread rest of the body to be discarded). This
 * socket's `destroySoon` first waits for the rest of the body, within the bounds.
 */
function lingerBeforeClosing(request: IncomingMessage): void {
  const socket = request.socket;
  const closeAfterWriting = socket.destroySoon.bind(socket);
  socket.destroySoon = () => {
    if (request.complete) return closeAfterWriting();
    // No half-close yet: many clients stop uploading when the server's FIN arrives (a Node
    // socket ends its own side then), and their next write fails as a reset would.
    // The deadline is unconditional, so that a client that reads nothing cannot keep the socket.
    const deadline = setTimeout(() => socket.destroy(), LINGER_MAX_MS);
    socket.once("close", () => clearTimeout(deadline));
    let discarded = 0;
    const onData = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > LINGER_MAX_BYTES) stop();
    };
    const stop = () => {
      request.off("data", onData).off("end", stop);
      closeAfterWriting();
    };
    request.on("data", onData).once("end", stop);
    request.resume();
  };
}
