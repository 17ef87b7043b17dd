import { type Account, brokenJson, type DialectEntry, expectAnswer, jwtClaims } from "./dialect-table.js";
import { basic, cli, clientFields, createClient } from "./oauth.js";
import type { Response } from "./server.js";
import { codeFrom } from "./smtp.js";

// The rows of the scenario table for the spring-oauth dialect and for the standard password
// grant at POST /oauth/token.

/** The spring-oauth front ends' built-in client. */
const WATUP = basic("watup", "watup");
const springMessage = (code: number, message: string) => ({ code, message, data: null });
const SPRING_LOGIN_FAILED = { status: 200, body: springMessage(400, "用户名或密码错误") };
const SPRING_BAD_BODY = { status: 400, body: springMessage(400, "请求体格式错误") };
const INVALID_REFRESH = { status: 400, body: { error: "invalid_grant", error_description: "invalid refresh token" } };
const REUSED_REFRESH = { status: 400, body: { error: "invalid_grant", error_description: "refresh token already used" } };

/** The user fields spring-oauth adds to its token answers. */
const springUser = (a: Account) => ({ id: a.name, email: a.email, username: a.display });

/** A token answer's fields; the dialect's login spells the type "bearer", /oauth/token "Bearer". */
const springTokens = (r: Response, a: Account, token_type: string) => ({
  access_token: r.body?.access_token ?? r.body?.data?.access_token,
  token_type,
  refresh_token: r.body?.refresh_token ?? r.body?.data?.refresh_token,
  expires_in: 3600,
  scope: "all",
  ...springUser(a),
});

const springOauth: DialectEntry = {
  name: "spring-oauth",
  key: "ss",
  async register({ gh, smtp }, a) {
    const sent = await gh.post("/oauth/sendCode", { form: { email: a.email } });
    expectAnswer(sent, { status: 200, body: springMessage(200, "验证码发送成功") }, "sendCode");
    const code = codeFrom(smtp.onlyMailTo(a.email));
    const form = { id: a.name, username: a.display, password: a.password, email: a.email, code };
    expectAnswer(await gh.post("/oauth/register", { form }), { status: 200, body: springMessage(200, "注册成功") }, "register");
  },
  login: ({ gh }, id, password) => gh.post("/oauth/login", { form: { id, password } }),
  loggedIn: (r, a) => ({ status: 200, body: { code: 200, message: "成功", data: springTokens(r, a, "bearer") } }),
  session: (r) => ({ access: r.body.data.access_token, refresh: r.body.data.refresh_token }),
  loginFailed: SPRING_LOGIN_FAILED,
  disabled: SPRING_LOGIN_FAILED,
  probe: {
    send: ({ gh }, s) => gh.post("/oauth/check_token", { form: { token: s.access }, headers: { authorization: WATUP } }),
    accepted: (_r, a, s) => ({
      status: 200,
      body: {
        user_name: a.display,
        scope: ["all"],
        active: true,
        id: a.name,
        exp: jwtClaims(s.access).exp,
        email: a.email,
        client_id: "watup",
        username: a.display,
      },
    }),
    revoked: { status: 400, body: { error: "invalid_token", error_description: "Token was not recognised" } },
  },
  refresh: {
    send: ({ gh }, s) =>
      gh.post("/oauth/token", {
        form: { grant_type: "refresh_token", refresh_token: s.refresh as string },
        headers: { authorization: WATUP },
      }),
    accepted: (r, a) => ({ status: 200, body: springTokens(r, a, "Bearer") }),
    revoked: INVALID_REFRESH,
    next: (r) => ({ access: r.body.access_token, refresh: r.body.refresh_token }),
    reused: REUSED_REFRESH,
  },
  logout: {
    send: ({ gh }, s) => gh.post("/oauth/removeToken", { form: { access_token: s.access } }),
    accepted: () => ({ status: 200, body: springMessage(200, "注销成功") }),
    revoked: { status: 200, body: springMessage(400, "注销失败") },
  },
  malformed: [
    { name: "broken JSON at register", send: ({ gh }) => gh.post("/oauth/register", brokenJson("id")), answer: SPRING_BAD_BODY },
    { name: "broken JSON at login", send: ({ gh }) => gh.post("/oauth/login", brokenJson("id")), answer: SPRING_BAD_BODY },
    {
      name: "an array for the id",
      send: ({ gh }) => gh.post("/oauth/login", { json: { id: ["x"], password: "x" } }),
      answer: { status: 200, body: springMessage(400, "参数格式错误") },
    },
  ],
};

/** A confidential client of the standard endpoint, created by the entry's registration. */
const APP = { id: "scenario-app", secret: "scenario-app-secret-of-at-least-32-chars" };
const APP_FIELDS = clientFields(APP);
const BAD_USER_CREDENTIALS = { status: 400, body: { error: "invalid_grant", error_description: "用户名或密码错误" } };

/** RFC 6749 section 5.1, plus the account fields spring-oauth adds while enabled (as by default); access tokens live 900 s. */
const standardTokens = (r: Response, a: Account) => ({
  status: 200,
  body: {
    access_token: r.body?.access_token,
    token_type: "Bearer",
    expires_in: 900,
    refresh_token: r.body?.refresh_token,
    scope: "read write",
    id: a.name,
    email: a.email,
    username: a.name,
  },
});

const passwordGrant: DialectEntry = {
  name: "OAuth 2.0 password grant (POST /oauth/token)",
  key: "so",
  setup: async ({ gh }) => {
    await createClient(gh, APP.id, { secret: APP.secret });
  },
  // The standard has no registration: the account is made with the CLI.
  async register({ gh }, a) {
    await cli(gh, ["user", "create", "--username", a.name, "--password", a.password, "--email", a.email]);
  },
  login: ({ gh }, username, password) =>
    gh.post("/oauth/token", { form: { grant_type: "password", username, password, ...APP_FIELDS } }),
  loggedIn: standardTokens,
  session: (r) => ({ access: r.body.access_token, refresh: r.body.refresh_token }),
  loginFailed: BAD_USER_CREDENTIALS,
  disabled: BAD_USER_CREDENTIALS,
  probe: {
    send: ({ gh }, s) => gh.post("/oauth/introspect", { form: { token: s.access, ...APP_FIELDS } }),
    accepted: (_r, a, s) => {
      const { exp, iat, nbf, jti, sub, sid, iss } = jwtClaims(s.access);
      const body = {
        active: true,
        token_type: "Bearer",
        exp,
        iat,
        nbf,
        jti,
        scope: "read write",
        client_id: APP.id,
        username: a.name,
        sub,
        sid,
        iss,
      };
      return { status: 200, body };
    },
    revoked: { status: 200, body: { active: false } },
  },
  refresh: {
    send: ({ gh }, s) =>
      gh.post("/oauth/token", { form: { grant_type: "refresh_token", refresh_token: s.refresh as string, ...APP_FIELDS } }),
    accepted: standardTokens,
    revoked: INVALID_REFRESH,
    next: (r) => ({ access: r.body.access_token, refresh: r.body.refresh_token }),
    reused: REUSED_REFRESH,
  },
  // RFC 7009: the answer is 200 with an empty body, for a live token and a dead one alike.
  logout: {
    send: ({ gh }, s) => gh.post("/oauth/revoke", { form: { token: s.access, ...APP_FIELDS } }),
    accepted: () => ({ status: 200, body: undefined }),
    revoked: { status: 200, body: undefined },
  },
  malformed: [
    {
      name: "a repeated grant_type",
      send: ({ gh }) =>
        gh.post("/oauth/token", {
          form: `grant_type=password&grant_type=password&username=x&password=y&${new URLSearchParams(APP_FIELDS)}`,
        }),
      answer: {
        status: 400,
        body: { error: "invalid_request", error_description: "grant_type must be given once, as a string" },
      },
    },
    {
      name: "a JSON body",
      send: ({ gh }) => gh.post("/oauth/token", brokenJson("grant_type")),
      answer: { status: 415, body: { error: "unsupported_media_type" } },
    },
  ],
};

export const OAUTH_ENTRIES: DialectEntry[] = [springOauth, passwordGrant];
