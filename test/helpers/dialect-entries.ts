import { type Account, brokenJson, type DialectEntry, expectAnswer, type Session } from "./dialect-table.js";
import { OAUTH_ENTRIES } from "./dialect-entries-oauth.js";

// The rows of the scenario table for the dialects with their own login routes. Each answer is the
// dialect's wire contract (see its README), as exactly as the dialect tests pin it.

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const extendedFail = (msg: string) => ({ status: 200, body: { code: 1, data: null, msg } });
const EXTENDED_REVOKED = { status: 401, body: { msg: "Token has been revoked" } };
/** `/api/auth/refresh` with the session's refresh token: a new access token, the refresh token kept. */
const extendedRefresh: DialectEntry["probe"] = {
  send: ({ gh }, s) => gh.post("/api/auth/refresh", { headers: bearer(s.refresh as string) }),
  accepted: (r) => ({
    status: 200,
    body: { code: 0, data: { access_token: r.body?.data?.access_token }, msg: "刷新令牌成功" },
  }),
  revoked: EXTENDED_REVOKED,
};

const jwtExtended: DialectEntry = {
  name: "jwt-extended",
  key: "sx",
  async register({ gh }, a) {
    const response = await gh.post("/api/auth/register", { json: { username: a.name, password: a.password, email: a.email } });
    expectAnswer(response, { status: 200, body: { code: 0, data: null, msg: "注册成功" } }, "register");
  },
  login: ({ gh }, username, password) => gh.post("/api/auth/login", { json: { username, password } }),
  loggedIn(response, a) {
    const data = response.body?.data;
    const user = data?.payload?.user;
    const role = { role_id: data?.payload?.role?.[0]?.role_id, role_name: "USER", description: "普通用户" };
    const { user_id, created_at, updated_at, last_login } = user ?? {};
    const payload = {
      permissions: [],
      role: [role],
      user: {
        user_id,
        username: a.name,
        email: a.email,
        phone: null,
        faceInfo: null,
        status: true,
        created_at,
        updated_at,
        last_login,
      },
    };
    const body = {
      code: 0,
      msg: "登录成功",
      data: { access_token: data?.access_token, refresh_token: data?.refresh_token, payload },
    };
    return { status: 200, body };
  },
  session: (response) => ({ access: response.body.data.access_token, refresh: response.body.data.refresh_token }),
  loginFailed: extendedFail("登录失败"),
  disabled: extendedFail("账号被禁用"),
  // flask-jwt-extended has no read-only route; a refresh changes nothing (the refresh token is kept).
  probe: extendedRefresh,
  refresh: {
    ...extendedRefresh,
    next: (r, previous) => ({ access: r.body.data.access_token, refresh: previous.refresh }),
    reused: null,
  },
  logout: {
    send: ({ gh }, s) => gh.post("/api/auth/logout", { headers: bearer(s.access) }),
    accepted: () => ({ status: 200, body: { code: 0, data: null, msg: "退出登录成功" } }),
    revoked: EXTENDED_REVOKED,
  },
  malformed: [
    {
      name: "broken JSON at register",
      send: ({ gh }) => gh.post("/api/auth/register", brokenJson("username")),
      answer: { status: 400, body: { code: 1, data: null, msg: "请求体格式错误" } },
    },
    {
      name: "broken JSON at login",
      send: ({ gh }) => gh.post("/api/auth/login", brokenJson("username")),
      answer: { status: 400, body: { code: 1, data: null, msg: "请求体格式错误" } },
    },
    {
      name: "an array for the username",
      send: ({ gh }) => gh.post("/api/auth/login", { json: { username: ["x"], password: "x" } }),
      answer: extendedFail("参数格式错误"),
    },
  ],
};

const jwtAuthOk = (data: unknown) => ({ success: true, message: "Success.", data });
const JWT_AUTH_UNAUTHORIZED = { status: 401, body: { success: false, message: "Unauthorized", data: [] } };
const JWT_AUTH_NOT_FOUND = { status: 404, body: { success: false, message: "Not found", data: [] } };
const jwtAuthToken = (r: { body: any }) => ({
  status: 200,
  body: jwtAuthOk({ access_token: r.body?.data?.access_token, token_type: "bearer", expires_in: 172_800 }),
});
const JWT_AUTH_BAD_REQUEST = { status: 400, body: { success: false, message: "Bad Request", data: [] } };

const jwtAuth: DialectEntry = {
  name: "jwt-auth",
  key: "sa",
  async register({ gh }, a) {
    const response = await gh.post("/register", { json: { uid: a.name, email: a.email, password: a.password } });
    expectAnswer(response, jwtAuthToken(response), "register");
  },
  login: ({ gh }, uid, password) => gh.post("/login", { json: { uid, password } }),
  loggedIn: jwtAuthToken,
  session: (response) => ({ access: response.body.data.access_token, refresh: null }),
  loginFailed: JWT_AUTH_NOT_FOUND,
  disabled: JWT_AUTH_NOT_FOUND,
  probe: {
    send: ({ gh }, s) => gh.request("GET", "/me", { headers: bearer(s.access) }),
    accepted: (_r, a) => ({ status: 200, body: jwtAuthOk({ uid: a.name, email: a.email }) }),
    revoked: JWT_AUTH_UNAUTHORIZED,
  },
  // The access token itself is refreshed, and dies at once.
  refresh: {
    send: ({ gh }, s) => gh.request("GET", "/refreshToken", { headers: bearer(s.access) }),
    accepted: jwtAuthToken,
    revoked: JWT_AUTH_UNAUTHORIZED,
    next: (r) => ({ access: r.body.data.access_token, refresh: null }),
    reused: JWT_AUTH_UNAUTHORIZED,
  },
  logout: {
    send: ({ gh }, s) => gh.post("/logout", { headers: bearer(s.access) }),
    accepted: () => ({ status: 200, body: jwtAuthOk([]) }),
    revoked: JWT_AUTH_UNAUTHORIZED,
  },
  malformed: [
    { name: "broken JSON at register", send: ({ gh }) => gh.post("/register", brokenJson("uid")), answer: JWT_AUTH_BAD_REQUEST },
    { name: "broken JSON at login", send: ({ gh }) => gh.post("/login", brokenJson("uid")), answer: JWT_AUTH_BAD_REQUEST },
    {
      name: "an array for the uid",
      send: ({ gh }) => gh.post("/login", { json: { uid: ["x"], password: "x" } }),
      answer: { status: 422, body: { uid: ["The uid must be a string."] } },
    },
  ],
};

const TERMINAL_BAD_CREDENTIALS = { status: 401, body: { message: "Invalid username or password" } };
const TERMINAL_BAD_JSON = { status: 400, body: { message: "the body is not valid JSON" } };
let terminals = 0;

const terminal: DialectEntry = {
  name: "terminal",
  key: "st",
  async register({ gh }, a) {
    const response = await gh.post("/auth/register", { json: { username: a.name, password: a.password } });
    expectAnswer(response, { status: 200, body: { message: "ok" } }, "register");
  },
  // A terminal of its own for every login: a second login on one terminal ends the first's session.
  login: ({ gh }, username, password) =>
    gh.post("/auth/login", { json: { username, password, terminal: `device-${++terminals}` } }),
  loggedIn: (r) => ({ status: 200, body: { message: "ok", token: r.body?.token } }),
  session: (response) => ({ access: response.body.token, refresh: null }),
  loginFailed: TERMINAL_BAD_CREDENTIALS,
  disabled: TERMINAL_BAD_CREDENTIALS,
  // The dialect has no read-only route: the native API says whether the session lives.
  probe: {
    send: ({ gh }, s) => gh.request("GET", "/v1/me/sessions", { headers: bearer(s.access) }),
    accepted: (r) => ({ status: 200, body: { sessions: withOneCurrent(r.body?.sessions) } }),
    revoked: {
      status: 401,
      body: { error: "unauthorized", error_description: "a valid bearer access token of a user is required" },
    },
  },
  refresh: null,
  logout: {
    send: ({ gh }, s: Session, a: Account) =>
      gh.post("/auth/logout", { json: { username: a.name }, headers: { token: s.access } }),
    accepted: () => ({ status: 200, body: { message: "ok" } }),
    revoked: { status: 401, body: { message: "Invalid token" } },
  },
  malformed: [
    {
      name: "broken JSON at register",
      send: ({ gh }) => gh.post("/auth/register", brokenJson("username")),
      answer: TERMINAL_BAD_JSON,
    },
    { name: "broken JSON at login", send: ({ gh }) => gh.post("/auth/login", brokenJson("username")), answer: TERMINAL_BAD_JSON },
    {
      name: "an array for the terminal",
      send: ({ gh }) => gh.post("/auth/login", { json: { username: "x", password: "x", terminal: ["x"] } }),
      answer: { status: 400, body: { message: "fields must be strings" } },
    },
  ],
};

/** The sessions as listed, insisting that exactly one of them is the caller's own. */
function withOneCurrent(sessions: unknown): unknown {
  if (!Array.isArray(sessions) || sessions.filter((s) => s?.current === true).length !== 1) return "one current session";
  return sessions;
}

export const DIALECT_TABLE: DialectEntry[] = [jwtExtended, jwtAuth, terminal, ...OAUTH_ENTRIES];
