/** The hosted pages' one stylesheet, served from our origin (the CSP allows no inline style). */
export const STYLESHEET = `:root { color-scheme: light; --ink: #1d2433; --muted: #5b6475; --line: #d7dce5; --brand: #2454d6; --bad: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC", sans-serif;
  color: var(--ink); background: #f3f5f9; }
.card { width: min(420px, 100% - 32px); background: #fff; border: 1px solid var(--line); border-radius: 12px;
  padding: 32px; box-shadow: 0 8px 24px rgba(29, 36, 51, 0.08); }
.brand { margin: 0 0 8px; font-weight: 700; color: var(--brand); letter-spacing: 0.02em; }
h1 { margin: 0 0 8px; font-size: 1.5rem; }
.lead, .who, .switch { color: var(--muted); }
.field { margin: 16px 0; display: flex; flex-direction: column; gap: 6px; }
label { font-weight: 600; font-size: 0.95rem; }
input { font: inherit; padding: 10px 12px; border: 1px solid var(--line); border-radius: 8px; }
input:focus, button:focus { outline: 3px solid rgba(36, 84, 214, 0.35); outline-offset: 1px; }
button { font: inherit; font-weight: 600; padding: 10px 16px; border-radius: 8px; cursor: pointer; }
button.primary { width: 100%; background: var(--brand); color: #fff; border: 1px solid var(--brand); }
button.secondary { width: 100%; background: #fff; color: var(--ink); border: 1px solid var(--line); }
.actions { display: flex; gap: 12px; margin-top: 16px; }
.alert { color: var(--bad); background: #fef3f2; border: 1px solid #fecdca; border-radius: 8px; padding: 10px 12px; }
.field-error { color: var(--bad); font-size: 0.9rem; }
.scopes { padding-left: 20px; }
.scopes li { margin: 6px 0; }
a { color: var(--brand); }
`;
