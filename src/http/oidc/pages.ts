import { alertBox, type Html, hiddenFields, html, layout, type PageContext } from "./html.js";
import type { MessageKey } from "./i18n.js";

/** The authorization request being served, carried through our forms as its query string. */
export type Carried = { query: string; clientName: string };

const SCOPE_MESSAGES: Record<string, MessageKey> = {
  openid: "scopeOpenid",
  profile: "scopeProfile",
  email: "scopeEmail",
  offline_access: "scopeOfflineAccess",
};

const form = (page: PageContext, action: string, fields: Record<string, string>, body: Html) =>
  html`<form method="post" action="${page.base}${action}">
    ${hiddenFields({ csrf_token: page.csrfToken, ...fields })} ${body}
  </form>`;

const field = (id: string, label: string, input: Html) => html`<p class="field"><label for="${id}">${label}</label>${input}</p>`;

export function signInPage(page: PageContext, carried: Carried, input: { loginHint: string | null; error: string | null }) {
  const { t } = page;
  const body = html`<p class="lead">${t("signInLead", { client: carried.clientName })}</p>
    ${alertBox(input.error)}
    ${form(
      page,
      "/oauth/authorize/sign-in",
      { request: carried.query },
      html`${field(
          "username",
          t("identifier"),
          html`<input
            id="username"
            name="username"
            type="text"
            autocomplete="username"
            required
            value="${input.loginHint ?? ""}"
          />`,
        )}
        ${field("password", t("password"), html`<input id="password" name="password" type="password" autocomplete="current-password" required />`)}
        <button type="submit" class="primary">${t("signInButton")}</button>`,
    )}
    <p class="switch"><a href="${page.base}/reset?request=${encodeURIComponent(carried.query)}">${t("forgotPassword")}</a></p>
    <p class="switch">
      ${t("noAccount")} <a href="${page.base}/oauth/authorize/sign-up?${carried.query}">${t("signUpLink")}</a>
    </p>`;
  return layout(page, t("signInTitle"), body);
}

export function signUpPage(
  page: PageContext,
  carried: Carried,
  input: { username: string; email: string; error: string | null },
) {
  const { t } = page;
  const body = html`<p class="lead">${t("signUpLead", { client: carried.clientName })}</p>
    ${alertBox(input.error)}
    ${form(
      page,
      "/oauth/authorize/sign-up",
      { request: carried.query },
      html`${field(
          "username",
          t("username"),
          html`<input id="username" name="username" type="text" autocomplete="username" required value="${input.username}" />`,
        )}
        ${field("email", t("email"), html`<input id="email" name="email" type="email" autocomplete="email" value="${input.email}" />`)}
        ${field("password", t("password"), html`<input id="password" name="password" type="password" autocomplete="new-password" required />`)}
        <button type="submit" class="primary">${t("signUpButton")}</button>`,
    )}
    <p class="switch">${t("haveAccount")} <a href="${page.base}/oauth/authorize?${carried.query}">${t("signInLink")}</a></p>`;
  return layout(page, t("signUpTitle"), body);
}

export function consentPage(page: PageContext, carried: Carried, input: { scopes: string[]; username: string }) {
  const { t } = page;
  const items = input.scopes.map((scope) => {
    const key = SCOPE_MESSAGES[scope];
    return html`<li>${key ? t(key) : t("scopeOther", { scope })}</li>`;
  });
  const body = html`<p class="lead">${t("consentLead", { client: carried.clientName })}</p>
    <ul class="scopes">
      ${items}
    </ul>
    <p class="who">${t("signedInAs", { user: input.username })}</p>
    ${form(
      page,
      "/oauth/authorize/consent",
      { request: carried.query },
      html`<div class="actions">
        <button type="submit" name="decision" value="deny" class="secondary">${t("deny")}</button>
        <button type="submit" name="decision" value="allow" class="primary">${t("allow")}</button>
      </div>`,
    )}`;
  return layout(page, t("consentTitle", { client: carried.clientName }), body);
}

export function errorPage(page: PageContext, description: string) {
  const { t } = page;
  return layout(
    page,
    t("errorTitle"),
    html`<p class="lead">${t("errorLead")}</p>
      <p class="alert" role="alert">${description}</p>`,
  );
}

export function signedOutPage(page: PageContext) {
  return layout(page, page.t("signedOutTitle"), html`<p class="lead">${page.t("signedOutLead")}</p>`);
}

export function logoutConfirmPage(page: PageContext, fields: Record<string, string>) {
  const { t } = page;
  const body = html`<p class="lead">${t("logoutLead")}</p>
    ${form(page, "/oauth/logout", { ...fields, confirm: "yes" }, html`<button type="submit" class="primary">${t("logoutButton")}</button>`)}`;
  return layout(page, t("logoutTitle"), body);
}
