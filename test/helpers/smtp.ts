import assert from "node:assert/strict";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { SMTPServer } from "smtp-server";

/** One leaf of a MIME message: its headers (lower-case names, unfolded) and its decoded body. */
export type MimePart = { headers: Map<string, string>; contentType: string; body: string };

export type ReceivedMail = {
  /** SMTP envelope: MAIL FROM and every RCPT TO, as given to the server. */
  from: string;
  to: string[];
  /** The DATA stream exactly as received (one character per byte). */
  raw: string;
  headers: Map<string, string>;
  /** The decoded Subject header (RFC 2047 encoded words resolved). */
  subject: string;
  /** The top-level media type, e.g. `multipart/alternative`. */
  contentType: string;
  /** Every non-multipart part, decoded (a single-part message is one leaf). */
  leaves: MimePart[];
  text: string | null;
  html: string | null;
};

export type SmtpReceiver = {
  /** `smtp://127.0.0.1:<port>`, for `SMTP_URL`. */
  url: string;
  /** Every mail accepted so far, in arrival order. */
  mails: ReceivedMail[];
  /** Mails whose envelope names `address` (case-insensitive). */
  mailsTo(address: string): ReceivedMail[];
  /** The single mail sent to `address`; fails if there is none or more than one. */
  onlyMailTo(address: string): ReceivedMail;
  /** While set, every RCPT TO is refused with 550, so the sender sees a failed delivery. */
  refuseDeliveries(refuse: boolean): void;
  close(): Promise<void>;
};

/**
 * A real SMTP server on loopback (no authentication, no TLS). A mail is parsed and recorded
 * before the server answers the final `250` to DATA, so once the sender's `sendMail` has
 * resolved (and thus once Gatehouse has answered the request that sent it) the mail is already
 * in `mails`: a test can count mails right after the response, without waiting.
 */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  let refusing = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    closeTimeout: 1_000,
    onRcptTo(_address, _session, callback) {
      if (!refusing) return callback();
      const error = Object.assign(new Error("mailbox unavailable"), { responseCode: 550 });
      return callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        try {
          const envelope = session.envelope;
          const from = envelope.mailFrom === false ? "" : envelope.mailFrom.address;
          mails.push(
            parseMail(
              Buffer.concat(chunks).toString("latin1"),
              from,
              envelope.rcptTo.map((rcpt) => rcpt.address),
            ),
          );
          callback();
        } catch (error) {
          callback(error as Error);
        }
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  const mailsTo = (address: string) => mails.filter((mail) => mail.to.some((to) => to.toLowerCase() === address.toLowerCase()));
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    mailsTo,
    onlyMailTo(address) {
      const found = mailsTo(address);
      assert.equal(found.length, 1, `expected exactly one mail to ${address}, got ${found.length}`);
      return found[0] as ReceivedMail;
    },
    refuseDeliveries(refuse) {
      refusing = refuse;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An `smtp://` URL on a loopback port where nothing listens: connections are refused at once. */
export async function closedSmtpUrl(): Promise<string> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `smtp://127.0.0.1:${port}`;
}

/**
 * The 6-digit verification code of a mail, read from its decoded text part. The HTML part must
 * carry the same code, and the text part exactly one 6-digit number.
 */
export function codeFrom(mail: ReceivedMail): string {
  assert.ok(mail.text !== null, "the mail has no text/plain part");
  const codes = mail.text.match(/(?<!\d)\d{6}(?!\d)/g) ?? [];
  assert.equal(codes.length, 1, `expected one 6-digit code in: ${mail.text}`);
  const code = codes[0] as string;
  assert.ok(mail.html?.includes(code), "the HTML part carries the same code");
  return code;
}

/** The code of a password reset mail: the same 6 digits in its Chinese and English text and in its HTML. */
export function resetCodeFrom(mail: ReceivedMail): string {
  const codes = new Set(mail.text?.match(/(?<!\d)\d{6}(?!\d)/g) ?? []);
  assert.equal(codes.size, 1, `expected one 6-digit code in: ${mail.text}`);
  const [code] = codes as Set<string>;
  assert.ok(code && mail.html?.includes(code), "the HTML part carries the same code");
  return code;
}

/** Waits (up to 10 s) for the `count`-th mail to `address` and returns it. */
export async function waitForMail(smtp: SmtpReceiver, address: string, count: number): Promise<ReceivedMail> {
  for (let waited = 0; smtp.mailsTo(address).length < count; waited += 20) {
    assert.ok(waited < 10_000, `no mail number ${count} to ${address}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return smtp.mailsTo(address)[count - 1] as ReceivedMail;
}

/** Whether `text` contains `code` as a whole number (not as part of a longer run of digits). */
export const containsCode = (text: string, code: string): boolean => new RegExp(`(?<!\\d)${code}(?!\\d)`).test(text);

// ---- a small MIME reader: enough for what nodemailer writes (RFC 2045–2047) ----

function parseMail(raw: string, from: string, to: string[]): ReceivedMail {
  const { headers, body } = splitHeaders(raw);
  const contentType = mediaType(headers.get("content-type"));
  const leaves = parseEntity(headers, body);
  const first = (type: string) => leaves.find((leaf) => leaf.contentType === type)?.body ?? null;
  return {
    from,
    to,
    raw,
    headers,
    subject: decodeEncodedWords(headers.get("subject") ?? ""),
    contentType,
    leaves,
    text: first("text/plain"),
    html: first("text/html"),
  };
}

/** Headers (first occurrence of each name, unfolded) and the body after the blank line. */
function splitHeaders(entity: string): { headers: Map<string, string>; body: string } {
  const end = /\r?\n\r?\n/.exec(entity);
  const head = end ? entity.slice(0, end.index) : entity;
  const body = end ? entity.slice(end.index + end[0].length) : "";
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n(?=[ \t])/g, "").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

const mediaType = (header: string | undefined) => (header ?? "text/plain").split(";")[0]?.trim().toLowerCase() ?? "text/plain";

function parameter(header: string | undefined, name: string): string | undefined {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, "i").exec(header ?? "");
  return match ? (match[1] ?? match[2]) : undefined;
}

function parseEntity(headers: Map<string, string>, body: string): MimePart[] {
  const contentType = mediaType(headers.get("content-type"));
  if (!contentType.startsWith("multipart/")) {
    return [{ headers, contentType, body: decodeBody(headers, body) }];
  }
  const boundary = parameter(headers.get("content-type"), "boundary");
  assert.ok(boundary, `a ${contentType} entity without a boundary`);
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const line of body.split(/\r?\n/)) {
    const trimmed = line.trimEnd();
    if (trimmed === `--${boundary}--`) break;
    if (trimmed === `--${boundary}`) {
      if (current) parts.push(current.join("\r\n"));
      current = [];
    } else if (current) {
      current.push(line);
    }
  }
  if (current) parts.push(current.join("\r\n"));
  return parts.flatMap((part) => {
    const inner = splitHeaders(part);
    return parseEntity(inner.headers, inner.body);
  });
}

/** Undoes the Content-Transfer-Encoding, then decodes the bytes with the part's charset. */
function decodeBody(headers: Map<string, string>, body: string): string {
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").trim().toLowerCase();
  const charset = parameter(headers.get("content-type"), "charset") ?? "us-ascii";
  let bytes: Buffer;
  if (encoding === "base64") bytes = Buffer.from(body.replace(/\s+/g, ""), "base64");
  else if (encoding === "quoted-printable") bytes = Buffer.from(decodeQuotedPrintable(body), "latin1");
  else bytes = Buffer.from(body, "latin1");
  return new TextDecoder(charset).decode(bytes);
}

/** Quoted-printable to a string of bytes (one character per byte). */
const decodeQuotedPrintable = (text: string) =>
  text
    .replace(/[ \t]+(?=\r?\n)/g, "")
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

/** RFC 2047: `=?charset?B|Q?text?=`; white space between two encoded words is dropped. */
function decodeEncodedWords(value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  return value.replace(/(\?=)\s+(?==\?)/g, "$1").replace(word, (_, charset: string, kind: string, text: string) => {
    const bytes =
      kind.toUpperCase() === "B"
        ? Buffer.from(text, "base64")
        : Buffer.from(decodeQuotedPrintable(text.replace(/_/g, " ")), "latin1");
    return new TextDecoder(charset).decode(bytes);
  });
}
