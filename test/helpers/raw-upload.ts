import { connect, type Socket } from "node:net";

/** What a raw HTTP/1.1 client saw on its connection, from the first byte sent until it closed. */
export type Exchange = {
  /** Everything the server sent, as text. */
  received: string;
  /** The socket error that ended the connection (ECONNRESET, EPIPE), or null for a clean close. */
  error: string | null;
  /** Body bytes the client handed to its socket before the connection ended. */
  sent: number;
  /** Milliseconds from the first byte of the answer to the end of the connection (NaN: no answer). */
  closedAfterAnswerMs: number;
};

/** An open raw connection with a request head already written. */
export type Upload = {
  socket: Socket;
  /** Hands `bytes` to the socket; resolves once the kernel took them, false when the socket ended first. */
  write(bytes: Buffer): Promise<boolean>;
  /** Resolves when the connection has ended, however it ended. */
  ended: Promise<Exchange>;
  isOpen(): boolean;
};

/**
 * Opens a connection to `baseUrl` and writes a POST head for `path` (Host and the given
 * headers). Nothing the server sends is read until `startReading` is called, so that a test can
 * behave like the many HTTP clients that write the whole body before looking at the answer.
 */
export async function openUpload(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
): Promise<Upload & { startReading(): void }> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.pause();
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const chunks: Buffer[] = [];
  let sent = 0;
  let error: string | null = null;
  let answeredAt = Number.NaN;
  let open = true;
  socket.on("data", (chunk: Buffer) => {
    if (chunks.length === 0) answeredAt = performance.now();
    chunks.push(chunk);
  });
  socket.on("error", (cause: NodeJS.ErrnoException) => (error ??= cause.code ?? cause.message));
  const ended = new Promise<Exchange>((resolve) =>
    socket.once("close", () => {
      open = false;
      const received = Buffer.concat(chunks).toString("utf8");
      resolve({ received, error, sent, closedAfterAnswerMs: performance.now() - answeredAt });
    }),
  );
  const head = Object.entries({ host: `${hostname}:${port}`, ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.write(`POST ${path} HTTP/1.1\r\n${head.join("")}\r\n`);
  const write = (bytes: Buffer) =>
    new Promise<boolean>((resolve) => {
      if (!open) return resolve(false);
      socket.write(bytes, (failure) => {
        if (!failure) sent += bytes.length;
        resolve(!failure);
      });
    });
  return { socket, write, ended, isOpen: () => open, startReading: () => socket.resume() };
}

/** The status and parsed JSON body of the one answer in `received`. */
export function parseAnswer(received: string): { status: number; headers: string; body: unknown } {
  const split = received.indexOf("\r\n\r\n");
  assertAnswer(split > 0, received);
  const head = received.slice(0, split);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  return { status, headers: head.toLowerCase(), body: JSON.parse(received.slice(split + 4)) };
}

function assertAnswer(condition: boolean, received: string): asserts condition {
  if (!condition) throw new Error(`no complete HTTP answer received: ${JSON.stringify(received.slice(0, 200))}`);
}
