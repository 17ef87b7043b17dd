import { describe, expect, it } from "vitest";
import { refreshDelayMs, type TokenSet, TokenStore } from "../src/auth/tokens";

/** A clock and timers the test moves by hand: the store's scheduling, not real time, is what is checked. */
function manualClock() {
  let now = 1_000_000;
  const timers = new Map<number, { at: number; run: () => void }>();
  let nextId = 1;
  return {
    now: () => now,
    setTimer: (run: () => void, ms: number) => {
      timers.set(nextId, { at: now + ms, run });
      return nextId++;
    },
    clearTimer: (id: unknown) => void timers.delete(id as number),
    pending: () => [...timers.values()].map((timer) => timer.at - now),
    advance(ms: number) {
      now += ms;
      for (const [id, timer] of [...timers]) {
        if (timer.at <= now) {
          timers.delete(id);
          timer.run();
        }
      }
    },
  };
}

const set = (n: number, expiresIn = 900): TokenSet => ({
  accessToken: `at${n}`,
  refreshToken: `rt${n}`,
  idToken: n === 1 ? "id1" : null,
  expiresIn,
});
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the token store", () => {
  it("refreshes a fifth of the lifetime before expiry, at most a minute before", () => {
    expect(refreshDelayMs(900)).toBe(840_000);
    expect(refreshDelayMs(100)).toBe(80_000);
    expect(refreshDelayMs(0)).toBe(0);
  });

  it("schedules the refresh, rotates to the new refresh token and keeps the ID token", async () => {
    const clock = manualClock();
    const used: string[] = [];
    let n = 1;
    const store = new TokenStore({ ...clock, refresh: async (rt) => (used.push(rt), set(++n)) });
    store.set(set(1));
    expect(clock.pending()).toEqual([840_000]);
    clock.advance(839_999);
    expect(used).toEqual([]);
    clock.advance(1);
    await settle();
    expect(used).toEqual(["rt1"]);
    expect(await store.accessToken()).toBe("at2");
    expect(store.idToken).toBe("id1");
    clock.advance(840_000);
    await settle();
    expect(used).toEqual(["rt1", "rt2"]);
    expect(clock.pending()).toEqual([840_000]);
  });

  it("refreshes once however many callers find the token expired (a refresh token is used once)", async () => {
    const clock = manualClock();
    const used: string[] = [];
    const store = new TokenStore({ ...clock, setTimer: () => 0, refresh: async (rt) => (used.push(rt), set(2)) });
    store.set(set(1));
    clock.advance(900_000);
    const answers = await Promise.all([store.accessToken(), store.accessToken(), store.accessToken()]);
    expect(answers).toEqual(["at2", "at2", "at2"]);
    expect(used).toEqual(["rt1"]);
  });

  it("a refused refresh signs out and says so", async () => {
    const clock = manualClock();
    let expired = 0;
    const store = new TokenStore({
      ...clock,
      refresh: () => Promise.reject(new Error("invalid_grant")),
      onExpired: () => expired++,
    });
    store.set(set(1));
    clock.advance(840_000);
    await settle();
    expect(expired).toBe(1);
    expect(store.signedIn).toBe(false);
    expect(await store.accessToken()).toBe(null);
  });

  it("clearing cancels the scheduled refresh", () => {
    const clock = manualClock();
    const store = new TokenStore({ ...clock, refresh: async () => set(2) });
    store.set(set(1));
    store.clear();
    expect(clock.pending()).toEqual([]);
    expect(store.signedIn).toBe(false);
  });
});
