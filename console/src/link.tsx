import type { ComponentChildren } from "preact";
import { navigate } from "./lib/route";

/** A link to a console page, followed without a reload (a modified click opens it as usual). */
export function Link({ to, current, children }: { to: string; current?: boolean; children: ComponentChildren }) {
  return (
    <a
      href={to}
      aria-current={current ? "page" : undefined}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
