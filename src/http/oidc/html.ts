import type { Locale, Translate } from "./i18n.js";

/** Text for an HTML element or a quoted attribute value. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** Markup already escaped: what the templates below compose. */
export type Html = { readonly html: string };

/** A template literal whose interpolated strings are escaped (an `Html` is inserted as is). */
export function html(strings: TemplateStringsArray, ...values: (string | Html | Html[] | null)[]): Html {
  let out = strings[0] ?? "";
  values.forEach((value, index) => {
    if (value === null) out += "";
    else if (Array.isArray(value)) out += value.map((part) => part.html).join("");
    else out += typeof value === "string" ? escapeHtml(value) : value.html;
    out += strings[index + 1] ?? "";
  });
  return { html: out };
}

/** What every page needs: its language, its messages and the path our routes live under. */
export type PageContext = { locale: Locale; t: Translate; base: string; csrfToken: string };

/** The page frame: no script anywhere, one stylesheet of our own (see the CSP in pages' routes). */
export function layout(page: PageContext, title: string, body: Html): string {
  return `<!doctype html>${
    html`<html lang="${page.locale}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title} · Gatehouse</title>
        <link rel="stylesheet" href="${page.base}/oauth/assets/gatehouse.css" />
      </head>
      <body>
        <main class="card">
          <p class="brand">Gatehouse</p>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html> `.html
  }`;
}

export const hiddenFields = (fields: Record<string, string>): Html[] =>
  Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`);

/** An error shown above a form; `role="alert"` has screen readers announce it. */
export const alertBox = (message: string | null): Html | null =>
  message === null ? null : html`<p class="alert" role="alert">${message}</p>`;
