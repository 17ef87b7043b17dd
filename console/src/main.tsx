import { render } from "preact";
import { App } from "./app";
import { initialLocale } from "./i18n";
import "./styles.css";

render(<App initial={initialLocale()} />, document.getElementById("app") as HTMLElement);
