import { render } from "preact";
import { App } from "./app";
import { initialLocale } from "./i18n";
import "./styles.css";

const locale = initialLocale();
// Before anything else: the sign-in redirect asks the login page for this language.
document.documentElement.lang = locale;
render(<App initial={locale} />, document.getElementById("app") as HTMLElement);
