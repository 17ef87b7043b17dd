import { alertBox, type Html, hiddenFields, html, layout, type PageContext } from "./html.js";

/** What the reset forms carry: the identifier typed, and the authorization request to go back to. */
export type ResetCarried = { identifier: string; request: string };

/** Which field an error belongs to, and its message (already in the page's language). */
export type ResetErrors = Partial<Record<"identifier" | "code" | "new_password" | "new_password_confirm", string>>;

const resetForm = (page: PageContext, action: string, carried: ResetCarried, body: Html) =>
  html`<form method="post" action="${page.base}${action}">
    ${hiddenFields(carried.request ? { csrf_token: page.csrfToken, request: carried.request } : { csrf_token: page.csrfToken })}
    ${body}
  </form>`;

/** A labelled input with its error right below it, tied to it for screen readers. */
function inputField(id: string, label: string, error: string | undefined, attributes: Html): Html {
  const described = error ? html` aria-invalid="true" aria-describedby="${id}-error"` : html``;
  return html`<p class="field">
    <label for="${id}">${label}</label><input id="${id}" name="${id}" ${attributes}${described} />
    ${error ? html`<span class="field-error" id="${id}-error">${error}</span>` : null}
  </p>`;
}

const backToSignIn = (page: PageContext, carried: ResetCarried) =>
  carried.request
    ? html`<p class="switch"><a href="${page.base}/oauth/authorize?${carried.request}">${page.t("backToSignIn")}</a></p>`
    : null;

/** The account's field, on both steps: an email address or a username. */
const identifierField = (page: PageContext, carried: ResetCarried, errors: ResetErrors) =>
  inputField(
    "identifier",
    page.t("identifier"),
    errors.identifier,
    html`type="text" autocomplete="username" required value="${carried.identifier}"`,
  );

/** Step 1: the email address or username of the account. */
export function resetRequestPage(page: PageContext, carried: ResetCarried, errors: ResetErrors & { form?: string }) {
  const { t } = page;
  const body = html`<p class="lead">${t("resetLead")}</p>
    ${alertBox(errors.form ?? null)}
    ${resetForm(
      page,
      "/reset",
      carried,
      html`${identifierField(page, carried, errors)} <button type="submit" class="primary">${t("resetSendButton")}</button>`,
    )}
    ${backToSignIn(page, carried)}`;
  return layout(page, t("resetTitle"), body);
}

/** Step 2: the mailed code and the new password; `sent` when a code was just asked for. */
export function resetConfirmPage(
  page: PageContext,
  carried: ResetCarried,
  input: { sent: boolean; errors: ResetErrors & { form?: string } },
) {
  const { t } = page;
  const { errors } = input;
  const body = html`<p class="lead">${input.sent ? t("resetSentLead") : t("resetCodeLead")}</p>
    ${alertBox(errors.form ?? null)}
    ${resetForm(
      page,
      "/reset/confirm",
      carried,
      html`${identifierField(page, carried, errors)}
        ${inputField(
          "code",
          t("resetCode"),
          errors.code,
          html`type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required`,
        )}
        ${inputField("new_password", t("newPassword"), errors.new_password, html`type="password" autocomplete="new-password" required`)}
        ${inputField(
          "new_password_confirm",
          t("newPasswordConfirm"),
          errors.new_password_confirm,
          html`type="password" autocomplete="new-password" required`,
        )} <button type="submit" class="primary">${t("resetConfirmButton")}</button>`,
    )}
    <p class="switch">
      <a href="${page.base}/reset${carried.request ? `?request=${encodeURIComponent(carried.request)}` : ""}"
        >${t("resetAgainLink")}</a
      >
    </p>`;
  return layout(page, t("resetTitle"), body);
}

/** The password is changed: sign in with the new one. */
export function resetDonePage(page: PageContext, carried: ResetCarried) {
  const { t } = page;
  return layout(
    page,
    t("resetDoneTitle"),
    html`<p class="lead">${t("resetDoneLead")}</p>
      ${backToSignIn(page, carried)}`,
  );
}
