import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ResetIdentifier } from "../../core/accounts/password-reset.js";
import { type ErrorCode, isAuthError } from "../../core/index.js";
import { asRecord } from "../fields.js";
import { requestMeta } from "../request-meta.js";
import type { HostedContext } from "./authorize-routes.js";
import type { MessageKey } from "./i18n.js";
import { csrfValid, pageContext, sendPage } from "./page-context.js";
import { parseParams } from "./params.js";
import { type ResetCarried, resetConfirmPage, type ResetErrors, resetDonePage, resetRequestPage } from "./reset-pages.js";
import { RESET_CONFIRM_SCHEMA, RESET_PAGE_SCHEMA, RESET_REQUEST_SCHEMA } from "./schemas.js";

/** The refusals of the confirm form, each shown next to the field it is about. */
const CONFIRM_ERRORS: Partial<Record<ErrorCode, keyof ResetErrors>> = {
  code_invalid: "code",
  code_expired: "code",
  password_too_short: "new_password",
  password_too_long: "new_password",
  password_too_common: "new_password",
  password_invalid: "new_password",
};

/** An identifier with an `@` is an email address (usernames cannot hold one), else a username. */
const identifierOf = (typed: string): ResetIdentifier => (typed.includes("@") ? { email: typed } : { username: typed });

const textOf = (body: Record<string, unknown>, name: string, max: number) =>
  typeof body[name] === "string" ? (body[name] as string).slice(0, max) : "";

/** The form's fields, and the authorization request it came from (carried only when it still reads as one). */
function formFields(body: Record<string, unknown>): { carried: ResetCarried; body: Record<string, unknown> } {
  const request = textOf(body, "request", 4000);
  const identifier = textOf(body, "identifier", 320).trim();
  return { carried: { identifier, request: parseParams(request).values.client_id ? request : "" }, body };
}

/** The language of a page: the `ui_locales` of the authorization request carried, then the browser's. */
const page = (hosted: HostedContext, request: FastifyRequest, reply: FastifyReply, carried: ResetCarried) =>
  pageContext(hosted.core, hosted.cookies, request, reply, parseParams(carried.request).values.ui_locales ?? null);

/**
 * The hosted password reset (README, "Password reset"): `GET /reset` asks for the account,
 * `POST /reset` mails a code and shows the same page whatever the account, `POST /reset/confirm`
 * sets the new password. The mail's link pre-fills the identifier, never the code.
 */
export async function resetRoutes(app: FastifyInstance, hosted: HostedContext): Promise<void> {
  const { core } = hosted;

  app.get("/reset", { schema: RESET_PAGE_SCHEMA }, (request, reply) => {
    const query = asRecord(request.query) ?? {};
    const prefilled = textOf(query, "email", 320) || textOf(query, "username", 320);
    const { carried } = formFields({ request: query.request, identifier: prefilled });
    const context = page(hosted, request, reply, carried);
    // From the mail: the code comes next. From the sign-in page: the account first.
    const html = prefilled
      ? resetConfirmPage(context, carried, { sent: false, errors: {} })
      : resetRequestPage(context, carried, {});
    return sendPage(reply, 200, html);
  });

  app.post("/reset", { schema: RESET_REQUEST_SCHEMA }, async (request, reply) => {
    const { carried, body } = formFields(asRecord(request.body) ?? {});
    const context = page(hosted, request, reply, carried);
    if (!csrfValid(core, hosted.cookies, request, body)) {
      return sendPage(reply, 403, resetRequestPage(context, carried, { form: context.t("formExpired") }));
    }
    if (!carried.identifier) {
      return sendPage(reply, 400, resetRequestPage(context, carried, { identifier: context.t("fieldRequired") }));
    }
    try {
      await core.requestPasswordReset(identifierOf(carried.identifier));
    } catch (error) {
      // A malformed address or name: said of its shape, nothing of any account.
      if (!isAuthError(error) || (error.code !== "email_invalid" && error.code !== "username_invalid")) throw error;
      return sendPage(reply, 400, resetRequestPage(context, carried, { identifier: context.t(error.code) }));
    }
    return sendPage(reply, 200, resetConfirmPage(context, carried, { sent: true, errors: {} }));
  });

  app.post("/reset/confirm", { schema: RESET_CONFIRM_SCHEMA }, async (request, reply) => {
    const { carried, body } = formFields(asRecord(request.body) ?? {});
    const context = page(hosted, request, reply, carried);
    const again = (status: number, errors: ResetErrors & { form?: string }) =>
      sendPage(reply, status, resetConfirmPage(context, carried, { sent: false, errors }));
    if (!csrfValid(core, hosted.cookies, request, body)) return again(403, { form: context.t("formExpired") });
    const code = textOf(body, "code", 20).trim();
    const password = textOf(body, "new_password", 10_000);
    const missing = (["identifier", "code", "new_password"] as const).filter(
      (name) => !{ identifier: carried.identifier, code, new_password: password }[name],
    );
    if (missing.length > 0) return again(400, Object.fromEntries(missing.map((name) => [name, context.t("fieldRequired")])));
    if (password !== textOf(body, "new_password_confirm", 10_000)) {
      return again(400, { new_password_confirm: context.t("passwordsDiffer") });
    }
    try {
      const identifier = identifierOf(carried.identifier);
      await core.confirmPasswordReset({ identifier, code, newPassword: password, meta: requestMeta(request) });
    } catch (error) {
      const fieldName = isAuthError(error) ? CONFIRM_ERRORS[error.code] : undefined;
      if (!isAuthError(error) || !fieldName) throw error;
      return again(400, { [fieldName]: context.t(error.code as MessageKey) });
    }
    return sendPage(reply, 200, resetDonePage(context, carried));
  });
}
