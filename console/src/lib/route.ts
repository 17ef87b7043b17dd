/** The console's pages, as its paths under /console/ name them. */
export type Route =
  | { page: "overview" }
  | { page: "users" }
  | { page: "user"; id: string }
  | { page: "clients" }
  | { page: "roles" }
  | { page: "keys" }
  | { page: "audit" }
  | { page: "webhooks" };

/** The page a path shows; an unknown path shows the overview. */
export function routeOf(pathname: string): Route {
  const parts = pathname
    .split("?")[0]!
    .replace(/^\/console\/?/, "")
    .split("/")
    .filter(Boolean);
  const [first, second] = parts;
  if (first === "users" && second) return { page: "user", id: decodeURIComponent(second) };
  const pages = ["users", "clients", "roles", "keys", "audit", "webhooks"] as const;
  const page = pages.find((name) => name === first);
  if (page) return { page };
  return { page: "overview" };
}

/** The page a navigation link stands for: a user's page belongs to "users". */
export const sectionOf = (route: Route) => (route.page === "user" ? "users" : route.page);

export const userPath = (id: string) => `/console/users/${encodeURIComponent(id)}`;

/** Moves to `to` without a reload; the app follows history's popstate. */
export function navigate(to: string): void {
  history.pushState(null, "", to);
  dispatchEvent(new PopStateEvent("popstate"));
}
