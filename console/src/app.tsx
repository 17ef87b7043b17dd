import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "./api";
import { jwtClaims } from "./auth/pkce";
import { beginSignIn, completeSignIn, signOut, tokens } from "./auth/session";
import { type Locale, LocaleContext, LOCALES, rememberLocale, translate, useT } from "./i18n";
import {
  AuditIcon,
  ClientsIcon,
  KeyIcon,
  OverviewIcon,
  RolesIcon,
  ShieldIcon,
  SignOutIcon,
  UsersIcon,
  WebhookIcon,
} from "./icons";
import { type Route, routeOf, sectionOf } from "./lib/route";
import { Link } from "./link";
import { Audit } from "./pages/audit";
import { Clients } from "./pages/clients";
import { Keys } from "./pages/keys";
import { Overview } from "./pages/overview";
import { Roles } from "./pages/roles";
import { UserPage } from "./pages/user";
import { Users } from "./pages/users";
import { Webhooks } from "./pages/webhooks";

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
  const [path, setPath] = useState(location.pathname + location.search);

  useEffect(() => {
    signIn().then(
      (next) => {
        setPhase(next);
        setPath(location.pathname + location.search);
      },
      (error: Error) => setPhase({ kind: "failed", code: error.message }),
    );
    const onPop = () => setPath(location.pathname + location.search);
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
        {phase.kind === "ready" && <Nav route={routeOf(path)} />}
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
        <Body phase={phase} route={routeOf(path)} />
      </main>
    </LocaleContext.Provider>
  );
}

function Body({ phase, route }: { phase: Phase; route: Route }) {
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
  return <Page route={route} />;
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "user":
      return <UserPage key={route.id} id={route.id} />;
    case "users":
      return <Users />;
    case "clients":
      return <Clients />;
    case "roles":
      return <Roles />;
    case "keys":
      return <Keys />;
    case "webhooks":
      return <Webhooks />;
    case "audit":
      return <Audit key={location.search} />;
    default:
      return <Overview />;
  }
}

function Nav({ route }: { route: Route }) {
  const { t } = useT();
  const section = sectionOf(route);
  const links = [
    { to: "/console/", page: "overview", label: t("nav.overview"), icon: <OverviewIcon /> },
    { to: "/console/users", page: "users", label: t("nav.users"), icon: <UsersIcon /> },
    { to: "/console/clients", page: "clients", label: t("nav.clients"), icon: <ClientsIcon /> },
    { to: "/console/roles", page: "roles", label: t("nav.roles"), icon: <RolesIcon /> },
    { to: "/console/keys", page: "keys", label: t("nav.keys"), icon: <KeyIcon /> },
    { to: "/console/webhooks", page: "webhooks", label: t("nav.webhooks"), icon: <WebhookIcon /> },
    { to: "/console/audit", page: "audit", label: t("nav.audit"), icon: <AuditIcon /> },
  ];
  return (
    <nav aria-label={t("nav.label")}>
      {links.map((link) => (
        <Link key={link.to} to={link.to} current={link.page === section}>
          {link.icon} {link.label}
        </Link>
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
