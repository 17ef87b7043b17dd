import type { Core } from "../core/index.js";
import { wireDelivery, wireWebhook } from "../http/admin/webhooks-wire.js";
import type { Command } from "./commands.js";
import { type Args, csv, need, one, UsageError, word } from "./options.js";
import { checkedBeforeOpening, JSON_OPTION, limitOf, listing, shortTime, timeOf } from "./read-options.js";
import { cell, EMPTY, table } from "./table.js";

type Wired = ReturnType<typeof wireWebhook>;

const HEADER = ["ID", "URL", "EVENTS", "STATE", "LAST SUCCESS"];

const stateOf = (endpoint: Wired) =>
  endpoint.failing ? `failing since ${shortTime(Date.parse(endpoint.failing_since ?? ""))}` : "ok";

const row = (endpoint: Wired) => [
  endpoint.id,
  cell(endpoint.url),
  endpoint.events.join(","),
  stateOf(endpoint),
  cell(endpoint.last_success_at === null ? EMPTY : shortTime(Date.parse(endpoint.last_success_at))),
];

function sinceOf(args: Args): number {
  const since = timeOf(args, "since");
  if (since === null) throw new UsageError("--since is required");
  return since;
}

const printSecret = (out: (line: string) => void, secret: string) => {
  out(`secret: ${secret}`);
  out("(shown once: only an encrypted copy is stored; receivers verify with it)");
};

/** `webhook ...`: endpoints and their deliveries (docs/events.md). */
export const WEBHOOK_COMMANDS: Record<string, Command> = {
  "webhook create": {
    options: {
      url: { value: "URL", required: true },
      events: { value: "e1,e2", required: true },
      secret: { value: "whsec_..." },
      description: { value: "TEXT" },
    },
    async run(core, args, out) {
      const { endpoint, secret } = await core.createWebhook({
        url: need(args, "url"),
        events: csv(one(args, "events")),
        secret: one(args, "secret") ?? null,
        description: one(args, "description") ?? null,
      });
      out(`created webhook endpoint ${endpoint.id} for ${endpoint.events.join(",")}`);
      if (!args.options.has("secret")) printSecret(out, secret);
    },
  },
  "webhook list": {
    options: JSON_OPTION,
    async run(core: Core, args, out) {
      const endpoints = (await core.listWebhooks()).map(wireWebhook);
      listing(
        args,
        endpoints,
        (all) => all,
        (all) => table(HEADER, all.map(row)),
        "no webhook endpoints",
      ).forEach(out);
    },
  },
  "webhook delete": {
    words: ["ID"],
    async run(core, args, out) {
      await core.deleteWebhook(word(args, 0));
      out("deleted");
    },
  },
  "webhook rotate-secret": {
    words: ["ID"],
    async run(core, args, out) {
      printSecret(out, await core.rotateWebhookSecret(word(args, 0)));
    },
  },
  "webhook replay": {
    options: { since: { value: "ISO|30m|2h|7d", required: true }, endpoint: { value: "ID" } },
    prepare: checkedBeforeOpening(sinceOf),
    async run(core, args, out) {
      const count = await core.replayWebhooks(sinceOf(args), one(args, "endpoint") ?? null);
      out(`${count} deliveries queued again (same webhook-id)`);
    },
  },
  "webhook deliveries": {
    options: { endpoint: { value: "ID" }, limit: { value: "N" }, ...JSON_OPTION },
    prepare: checkedBeforeOpening((args) => limitOf(args, 50)),
    async run(core, args, out) {
      const deliveries = (await core.webhookDeliveries(one(args, "endpoint") ?? null, limitOf(args, 50))).map(wireDelivery);
      const header = ["MESSAGE", "ENDPOINT", "TYPE", "STATUS", "ATTEMPTS", "LAST"];
      const lines = (all: typeof deliveries) =>
        table(
          header,
          all.map((d) => [
            d.message_id,
            d.endpoint_id,
            d.type,
            d.status,
            String(d.attempts),
            cell(d.last_error ?? d.last_status),
          ]),
        );
      listing(args, deliveries, (all) => all, lines, "no deliveries").forEach(out);
    },
  },
};
