// The slow connections of R8, held open for as long as the attack lasts: a socket the server
// closes is replaced at once, so the pressure stays constant.
//
//   header  a request line and a header that grows by one byte every `headerPeriodMs`
//           (slowloris; Node's headersTimeout should end it)
//   body    a complete header announcing 4 KiB, then one body byte a second (slow POST;
//           requestTimeout should end it)

import net from "node:net";
import { clearInterval, setInterval } from "node:timers";
import { now, percentile } from "./util.mjs";

const BODY_BYTES = 4096;

function openingBytes(kind, auth) {
  if (kind === "header") return "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  return (
    "POST /oauth/introspect HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
    `Authorization: ${auth}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
    `Content-Length: ${BODY_BYTES}\r\n\r\ntoken=`
  );
}

/**
 * Opens the slow sockets (25 every 100 ms, so that the accept queue is not what is tested)
 * and keeps them trickling until `stop`, which returns how they ended.
 */
export function openSlowSockets({ port, header, body, auth, headerPeriodMs = 4_000, bodyPeriodMs = 1_000 }) {
  const live = new Set();
  const ended = [];
  const counts = { opened: 0, errors: 0 };
  let stopping = false;

  const open = (kind) => {
    const state = { kind, socket: net.connect(port, "127.0.0.1"), openedAt: now(), nextAt: 0, status: 0 };
    const period = kind === "header" ? headerPeriodMs : bodyPeriodMs;
    state.nextAt = state.openedAt + Math.random() * period;
    counts.opened += 1;
    live.add(state);
    state.socket.setNoDelay(true);
    state.socket.on("connect", () => state.socket.write(openingBytes(kind, auth)));
    state.socket.on("data", (chunk) => {
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(String(chunk));
      if (match && state.status === 0) state.status = Number(match[1]);
    });
    state.socket.on("error", () => (counts.errors += 1));
    state.socket.on("close", () => {
      live.delete(state);
      if (stopping) return;
      ended.push({ kind, lifetimeMs: now() - state.openedAt, status: state.status });
      open(kind);
    });
  };

  const trickle = setInterval(() => {
    const t = now();
    for (const state of live) {
      if (t < state.nextAt || state.socket.connecting || state.socket.destroyed) continue;
      state.socket.write("a");
      state.nextAt += state.kind === "header" ? headerPeriodMs : bodyPeriodMs;
    }
  }, 100);

  const kinds = [...Array.from({ length: header }, () => "header"), ...Array.from({ length: body }, () => "body")];
  let rampDone = () => {};
  const opened = new Promise((resolve) => (rampDone = resolve));
  const ramp = setInterval(() => {
    for (const kind of kinds.splice(0, 25)) open(kind);
    if (kinds.length > 0) return;
    clearInterval(ramp);
    rampDone();
  }, 100);

  return {
    /** Resolves once every slow socket of the first round has been opened. */
    opened,
    /** Destroys every socket; returns how the ones the server closed ended, and the rest. */
    stop() {
      stopping = true;
      clearInterval(trickle);
      clearInterval(ramp);
      const t = now();
      const stillOpen = [...live].map((state) => ({ kind: state.kind, ageMs: t - state.openedAt }));
      for (const state of live) state.socket.destroy();
      return summarizeSockets(ended, stillOpen, counts);
    },
  };
}

function summarizeSockets(ended, stillOpen, counts) {
  const byKind = (kind) => {
    const closed = ended.filter((e) => e.kind === kind);
    const lifetimes = closed.map((e) => e.lifetimeMs);
    return {
      closed: closed.length,
      with408: closed.filter((e) => e.status === 408).length,
      statuses: [...new Set(closed.map((e) => e.status))],
      lifetimeP50: percentile(lifetimes, 50),
      lifetimeMax: lifetimes.length ? Math.max(...lifetimes) : NaN,
      open: stillOpen.filter((s) => s.kind === kind),
    };
  };
  return { ...counts, header: byKind("header"), body: byKind("body") };
}
