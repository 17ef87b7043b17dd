import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { en, type MessageKey } from "./en";
import { zhCN } from "./zh-CN";

export const CATALOGUES = { en, "zh-CN": zhCN } satisfies Record<string, Record<MessageKey, string>>;
export type Locale = keyof typeof CATALOGUES;
export const LOCALES = Object.keys(CATALOGUES) as Locale[];

/** The one thing the console keeps in localStorage: the chosen language (never a token). */
const LOCALE_KEY = "gatehouse-console-locale";

export function initialLocale(): Locale {
  const saved = localStorage.getItem(LOCALE_KEY);
  if (saved && saved in CATALOGUES) return saved as Locale;
  return navigator.language.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export function rememberLocale(locale: Locale): void {
  localStorage.setItem(LOCALE_KEY, locale);
}

/** The message `key` of `locale`, with each `{name}` replaced by `values.name`. */
export function translate(locale: Locale, key: MessageKey, values: Record<string, string | number> = {}): string {
  return CATALOGUES[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) => String(values[name] ?? whole));
}

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export const LocaleContext = createContext<{ locale: Locale; t: Translate }>({
  locale: "en",
  t: (key, values) => translate("en", key, values),
});

export const useT = () => useContext(LocaleContext);
