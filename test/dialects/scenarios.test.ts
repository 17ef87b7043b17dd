// test-databases: each
// One body of account scenarios run over every row of the dialect table (test/helpers/
// dialect-entries*.ts): register, log in, a wrong password answered exactly as an unknown user,
// a disabled account and its tokens, refresh, logout, the logged-out token refused on every
// route, and malformed bodies answered in the dialect's own error shape (never a 500).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DIALECT_TABLE } from "../helpers/dialect-entries.js";
import { type Account, type DialectEntry, expectAnswer, jwtClaims, type Session, type World } from "../helpers/dialect-table.js";
import { cli, PASSWORD } from "../helpers/oauth.js";
import { startServer } from "../helpers/server.js";
import { startSmtpReceiver } from "../helpers/smtp.js";

const w = {} as World;

before(async () => {
  w.smtp = await startSmtpReceiver();
  w.gh = await startServer({ SMTP_URL: w.smtp.url });
});
after(async () => {
  await w.gh.close();
  await w.smtp.close();
});

/** The entry's routes bound to the shared server, each insisting on its exact answer. */
function routes(entry: DialectEntry, account: Account) {
  return {
    /** Logs in with the right password, insisting on the exact success answer; the session is accepted. */
    async login(): Promise<Session> {
      const response = await entry.login(w, account.name, account.password);
      expectAnswer(response, entry.loggedIn(response, account), "login");
      const session = entry.session(response);
      jwtClaims(session.access);
      if (session.refresh !== null) assert.notEqual(session.refresh, session.access);
      await this.accepted(session);
      return session;
    },
    async accepted(session: Session): Promise<void> {
      const response = await entry.probe.send(w, session, account);
      expectAnswer(response, entry.probe.accepted(response, account, session), "probe of a live session");
    },
    /** Every route that takes the session's tokens refuses them with the dialect's answer for a dead session. */
    async refused(session: Session): Promise<void> {
      expectAnswer(await entry.probe.send(w, session, account), entry.probe.revoked, "probe of a dead session");
      if (entry.refresh)
        expectAnswer(await entry.refresh.send(w, session, account), entry.refresh.revoked, "refresh of a dead session");
      expectAnswer(await entry.logout.send(w, session, account), entry.logout.revoked, "logout of a dead session");
    },
    attempt: (name: string, password: string) => entry.login(w, name, password),
  };
}

for (const entry of DIALECT_TABLE) {
  describe(`account scenarios: ${entry.name}`, () => {
    const account: Account = {
      name: `${entry.key}_user`,
      email: `${entry.key}_user@example.com`,
      display: `${entry.key} display`,
      password: PASSWORD,
    };
    const r = routes(entry, account);
    let first: Session;
    before(async () => {
      await entry.setup?.(w);
    });

    it("registers an account with the dialect's exact answer", async () => {
      await entry.register(w, account);
    });

    it("logs in with the registered password", async () => {
      first = await r.login();
    });

    it("answers a wrong password exactly as an unknown user, and the session lives on", async () => {
      const wrong = await r.attempt(account.name, `${PASSWORD}!`);
      const unknown = await r.attempt(`${entry.key}_nobody`, PASSWORD);
      expectAnswer(wrong, entry.loginFailed, "wrong password");
      expectAnswer(unknown, entry.loginFailed, "unknown user");
      assert.equal(wrong.text, unknown.text);
      for (const name of ["c".repeat(200), "x".repeat(300)]) {
        expectAnswer(await r.attempt(name, PASSWORD), entry.loginFailed, "a name that could never exist");
      }
      await r.accepted(first);
    });

    it("refuses a disabled account and every token it had; enabling brings back logins, not tokens", async () => {
      const second = await r.login();
      await cli(w.gh, ["user", "disable", account.name]);
      expectAnswer(await r.attempt(account.name, PASSWORD), entry.disabled, "disabled, right password");
      const wrong = await r.attempt(account.name, `${PASSWORD}?`);
      expectAnswer(wrong, entry.loginFailed, "disabled, wrong password");
      assert.equal(wrong.text, (await r.attempt(`${entry.key}_nobody`, `${PASSWORD}?`)).text);
      for (const session of [first, second]) await r.refused(session);
      await cli(w.gh, ["user", "enable", account.name]);
      for (const session of [first, second]) await r.refused(session);
      const again = await r.login();
      assert.equal(jwtClaims(again.access).sub, jwtClaims(first.access).sub, "the same account logs in again");
    });

    if (entry.refresh) {
      const refresh = entry.refresh;
      it("refreshes: the new session is accepted, and a used refresh is refused where the dialect rotates", async () => {
        const before = await r.login();
        const response = await refresh.send(w, before, account);
        expectAnswer(response, refresh.accepted(response, account, before), "refresh");
        const after = refresh.next(response, before);
        assert.notEqual(after.access, before.access);
        assert.equal(jwtClaims(after.access).sub, jwtClaims(before.access).sub);
        if (refresh.reused === null) assert.equal(after.refresh, before.refresh, "the refresh token is kept");
        else if (after.refresh !== null) assert.notEqual(after.refresh, before.refresh, "the refresh token is rotated");
        await r.accepted(after);
        const again = await refresh.send(w, before, account);
        if (refresh.reused === null) expectAnswer(again, refresh.accepted(again, account, before), "refresh not rotated");
        else expectAnswer(again, refresh.reused, "the used refresh presented again");
      });
    }

    it("logs out a session, fresh or refreshed: its tokens are refused on every route, another session lives on", async () => {
      const other = await r.login();
      const ended = [await r.login()];
      if (entry.refresh) {
        const before = await r.login();
        const response = await entry.refresh.send(w, before, account);
        expectAnswer(response, entry.refresh.accepted(response, account, before), "refresh before logout");
        ended.push(entry.refresh.next(response, before));
      }
      for (const session of ended) {
        const response = await entry.logout.send(w, session, account);
        expectAnswer(response, entry.logout.accepted(response, account, session), "logout");
        await r.refused(session);
      }
      await r.accepted(other);
    });

    it("answers malformed bodies in the dialect's own error shape, never a 500", async () => {
      assert.ok(entry.malformed.length > 0);
      for (const { name, send, answer } of entry.malformed) expectAnswer(await send(w), answer, name);
      // None of them harmed the account.
      await r.login();
    });
  });
}
