import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "./api";
import { jwtClaims } from "./auth/pkce";
import { beginSignIn, completeSignIn, signOut, tokens } from "./auth/session";
import { type Locale, LocaleContext, LOCALES, rememberLocale, translate, useT } from "./i18n";
import { OverviewIcon, ShieldIcon, SignOutIcon, UsersIcon } from "./icons";
import { Overview } from "./pages/overview";
import { Users } from "./pages/users";

type Phase = { kind: "signing-in" } | { kind: "failed"; code: string } | { kind: "not-admin"; name: string } | { kind: "ready" };

const LANGUAGE_NAMES: Record<Locale, string> = { en: "English", "zh-CN": "简体中文" };

/** Signs in (or completes the sign-in on /console/callback), then asks the admin API whether this user may use it. */
async function signIn(): Promise<Phase> {
  if (location.pathname === "/console/callback") {
    history.replaceState(null, "", await completeSignIn(new URLSearchParams(location.search)));
  } else if (!tokens.signedIn) {
    await beginSignIn(location.pathname + location.search);
    return { kind: "signing-in" };
  }
  try {
    await api("GET", "/v1/admin/stats");
    return { kind: "ready" };
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      const claims = tokens.idToken ? jwtClaims(tokens.idToken) : {};
      return { kind: "not-admin", name: String(claims.preferred_username ?? claims.sub ?? "") };
    }
    throw error;
  }
}

export function App({ initial }: { initial: Locale }) {
  const [locale, setLocale] = useState<Locale>(initial);
  const [phase, setPhase] = useState<Phase>({ kind: "signing-in" });
  const [path, setPath] = useState(location.pathname);

  useEffect(() => {
    signIn().then(
      (next) => {
        setPhase(next);
        setPath(location.pathname);
      },
      (error: Error) => setPhase({ kind: "failed", code: error.message }),
    );
    const onPop = () => setPath(location.pathname);
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);
  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = translate(locale, "app.title");
  }, [locale]);

  const chooseLocale = (next: Locale) => {
    rememberLocale(next);
    setLocale(next);
  };
  const navigate = (to: string) => {
    history.pushState(null, "", to);
    setPath(to);
  };
  const t = (key: Parameters<typeof translate>[1], values?: Record<string, string | number>) => translate(locale, key, values);

  return (
    <LocaleContext.Provider value={{ locale, t }}>
      <a class="skip" href="#main">
        {t("app.skip")}
      </a>
      <header class="top">
        <span class="brand">
          <ShieldIcon /> {t("app.title")}
        </span>
        {phase.kind === "ready" && <Nav path={path} navigate={navigate} />}
        <label class="lang">
          <span class="visually-hidden">{t("lang.label")}</span>
          <select value={locale} onChange={(e) => chooseLocale(e.currentTarget.value as Locale)}>
            {LOCALES.map((code) => (
              <option key={code} value={code} lang={code}>
                {LANGUAGE_NAMES[code]}
              </option>
            ))}
          </select>
        </label>
        {(phase.kind === "ready" || phase.kind === "not-admin") && <SignOutButton />}
      </header>
      <main id="main">
        <Body phase={phase} path={path} />
      </main>
    </LocaleContext.Provider>
  );
}

function Body({ phase, path }: { phase: Phase; path: string }) {
  const { t } = useT();
  if (phase.kind === "signing-in") return <p>{t("signingIn")}</p>;
  if (phase.kind === "failed") {
    return (
      <section aria-labelledby="page-title">
        <h1 id="page-title">{t("signIn.failed", { code: phase.code })}</h1>
        <button type="button" onClick={() => void beginSignIn("/console/")}>
          {t("signIn.retry")}
        </button>
      </section>
    );
  }
  if (phase.kind === "not-admin") {
    return (
      <section aria-labelledby="page-title" class="not-admin">
        <h1 id="page-title">{t("notAdmin.title")}</h1>
        <p>{t("notAdmin.body", { name: phase.name })}</p>
        <SignOutButton />
      </section>
    );
  }
  return path.startsWith("/console/users") ? <Users /> : <Overview />;
}

function Nav({ path, navigate }: { path: string; navigate: (to: string) => void }) {
  const { t } = useT();
  const links = [
    { to: "/console/", label: t("nav.overview"), icon: <OverviewIcon />, current: !path.startsWith("/console/users") },
    { to: "/console/users", label: t("nav.users"), icon: <UsersIcon />, current: path.startsWith("/console/users") },
  ];
  return (
    <nav aria-label={t("nav.label")}>
      {links.map((link) => (
        <a
          key={link.to}
          href={link.to}
          aria-current={link.current ? "page" : undefined}
          onClick={(e) => {
            e.preventDefault();
            navigate(link.to);
          }}
        >
          {link.icon} {link.label}
        </a>
      ))}
    </nav>
  );
}

function SignOutButton() {
  const { t } = useT();
  return (
    <button type="button" class="sign-out" onClick={signOut}>
      <SignOutIcon /> {t("signOut")}
    </button>
  );
}
