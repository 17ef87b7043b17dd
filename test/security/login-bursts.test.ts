// test-databases: each
// Bursts of logins to one account (security S13): parallel right passwords all get in, at
// every login door and across two processes, while parallel wrong ones still have at most the
// threshold evaluated before the account locks.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { queryDatabase, writeDatabase } from "../helpers/database.js";
import { type GatehouseProcess, spawnGatehouse } from "../helpers/gatehouse-process.js";
import { evaluatedFailures, LOGIN_DOORS, type LoginDoor, prepareLoginDoors, registerAccount } from "../helpers/login-doors.js";
import { httpClient, type Response, startServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "correct horse battery";
const WRONG = "wrong horse battery";
const THRESHOLD = 10; // the default LOCKOUT_THRESHOLD
// Every attempt of a burst gets a verification (none is shed by the hash pool's queue limit).
const ENV = { HASH_QUEUE_MAX: "512" };

async function userIdOf(gh: TestServer, username: string): Promise<string> {
  const [row] = await queryDatabase<{ id: string }>(gh.databaseUrl, "select id from users where username = ?", [username]);
  assert.ok(row, `user ${username} exists`);
  return row.id;
}

/** The kinds of answers a burst got, for assertion messages. */
function tally(door: LoginDoor, answers: Response[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const kind = door.succeeded(answer) ? "success" : `${answer.status} ${answer.text.slice(0, 80)}`;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** The account's login audit records in the order they were written. */
async function loginRecords(
  gh: TestServer,
  userId: string,
): Promise<Array<{ event: string; outcome: string; detail: string | null }>> {
  return queryDatabase(
    gh.databaseUrl,
    "select event, outcome, detail from audit_events where user_id = ? and event in ('login', 'account_locked') order by id",
    [userId],
  );
}

describe(`bursts of logins to one account (LOCKOUT_THRESHOLD=${THRESHOLD}) (security S13)`, () => {
  let gh: TestServer;
  let other: GatehouseProcess;
  before(async () => {
    gh = await startServer(ENV);
    await prepareLoginDoors(gh);
    // A second process on the same database: admission is decided by the database, not in memory.
    other = await spawnGatehouse({ ...gh.env, ...ENV });
  });
  after(async () => {
    await other?.stop();
    await gh.close();
  });

  LOGIN_DOORS.forEach((door, index) => {
    it(`64 parallel right passwords at ${door.name} all succeed`, async () => {
      const username = `burst-right-${index}`;
      await registerAccount(gh, username, PASSWORD);
      const answers = await Promise.all(Array.from({ length: 64 }, () => door.send(gh, username, PASSWORD)));
      assert.deepEqual(tally(door, answers), { success: 64 });
    });

    it(`64 parallel right passwords at ${door.name}, spread over two processes, all succeed`, async () => {
      const username = `burst-two-${index}`;
      await registerAccount(gh, username, PASSWORD);
      const second = httpClient(other.url);
      const answers = await Promise.all(
        Array.from({ length: 64 }, (_, i) => door.send(i % 2 === 0 ? gh : second, username, PASSWORD)),
      );
      assert.deepEqual(tally(door, answers), { success: 64 });
    });

    it(`200 parallel wrong passwords at ${door.name}: exactly ${THRESHOLD} evaluated, then locked`, async () => {
      const username = `burst-wrong-${index}`;
      await registerAccount(gh, username, PASSWORD);
      const userId = await userIdOf(gh, username);
      const answers = await Promise.all(Array.from({ length: 200 }, () => door.send(gh, username, WRONG)));
      assert.ok(
        answers.every((answer) => answer.status < 500 && !door.succeeded(answer)),
        JSON.stringify(tally(door, answers)),
      );
      assert.equal(await evaluatedFailures(gh, userId), THRESHOLD);
      assert.equal(door.succeeded(await door.send(gh, username, PASSWORD)), false, "locked: the right password is refused");
    });

    it(`20 right and 100 wrong passwords in parallel at ${door.name}`, async () => {
      const username = `burst-mixed-${index}`;
      await registerAccount(gh, username, PASSWORD);
      const userId = await userIdOf(gh, username);
      const passwords = Array.from({ length: 120 }, (_, i) => (i % 6 === 0 ? PASSWORD : WRONG));
      const answers = await Promise.all(passwords.map((password) => door.send(gh, username, password)));
      const wrongAnswer = answers.find((_, i) => passwords[i] === WRONG && answers[i]!.status < 429)!;
      const right = answers.filter((_, i) => passwords[i] === PASSWORD);
      assert.ok(
        answers.every((answer) => answer.status < 500),
        JSON.stringify(tally(door, answers)),
      );
      assert.ok(answers.every((answer, i) => passwords[i] === PASSWORD || !door.succeeded(answer)));

      // In the order the database recorded them: never more than the threshold evaluated wrong
      // passwords without a success between them, and a right password refused only while locked.
      const records = await loginRecords(gh, userId);
      let failuresSinceSuccess = 0;
      for (const record of records) {
        if (record.event === "login" && record.outcome === "success") failuresSinceSuccess = 0;
        if (record.event === "login" && record.outcome === "failure" && record.detail === null) failuresSinceSuccess++;
        assert.ok(failuresSinceSuccess <= THRESHOLD, `more than ${THRESHOLD} failures evaluated: ${JSON.stringify(records)}`);
      }
      const refusedRight = right.filter((answer) => !door.succeeded(answer) && answer.status === wrongAnswer.status);
      const lockedRefusals = records.filter((record) => record.outcome === "failure" && record.detail === "locked").length;
      assert.ok(
        refusedRight.length <= lockedRefusals,
        `${refusedRight.length} right passwords refused, ${lockedRefusals} while locked`,
      );
      assert.equal(
        records.filter((record) => record.outcome === "success" && record.event === "login").length,
        right.length - refusedRight.length - right.filter((answer) => answer.status === 429).length,
      );
    });
  });
});

describe("a check that finds every slot held gets a retryable answer (LOCKOUT_THRESHOLD=3) (security S13)", () => {
  let gh: TestServer;
  before(async () => {
    gh = await startServer({ LOCKOUT_THRESHOLD: "3" });
    await prepareLoginDoors(gh);
  });
  after(() => gh.close());

  /** Three checks in flight on the account, as a process that died while checking leaves them. */
  async function holdEverySlot(userId: string, untilMs: number): Promise<void> {
    for (let i = 0; i < 3; i++) {
      const inserted = await writeDatabase(
        gh.databaseUrl,
        "insert into login_reservations (id, counter_key, expires_at) values (?, ?, ?)",
        [`held-${userId}-${i}`, `user:${userId}`, untilMs],
      );
      assert.equal(inserted, 1);
    }
  }

  it("answers 429 with Retry-After in each door's format, never the wrong-password answer; lapsed slots free the account", async () => {
    await Promise.all(
      LOGIN_DOORS.map(async (door, index) => {
        const username = `held-${index}`;
        await registerAccount(gh, username, PASSWORD);
        const userId = await userIdOf(gh, username);
        const lapse = Date.now() + 8_000;
        await holdEverySlot(userId, lapse);
        const started = Date.now();
        const busy = await door.send(gh, username, PASSWORD);
        assert.equal(busy.status, 429, `${door.name}: ${busy.text}`);
        assert.equal(busy.headers.get("retry-after"), "1", door.name);
        assert.ok(Date.now() - started >= 4_000, `${door.name} waited for a slot before answering`);
        const unknown = await door.send(gh, `nobody-${index}`, WRONG);
        assert.notDeepEqual(busy.body, unknown.body, `${door.name}: not the wrong-password answer`);
        assert.equal(await evaluatedFailures(gh, userId), 0, "nothing was counted against the account");
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, lapse - Date.now() + 100)));
        assert.equal(door.succeeded(await door.send(gh, username, PASSWORD)), true, `${door.name} after the slots lapsed`);
      }),
    );
  });
});
