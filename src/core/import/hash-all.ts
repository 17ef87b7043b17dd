import type { PasswordHasher } from "../passwords/hasher.js";

/**
 * Hashes the plaintext passwords of a batch with Argon2id on the hash pool, as many at once as
 * the pool admits without refusing (`HASH_CONCURRENCY` running, the queue filling behind them),
 * so that every core works; `null` stays `null`. Results are in the order given.
 */
export async function hashAll(hasher: PasswordHasher, passwords: (string | null)[]): Promise<(string | null)[]> {
  const results: (string | null)[] = passwords.map(() => null);
  const running = new Set<Promise<void>>();
  for (const [index, password] of passwords.entries()) {
    if (password === null) continue;
    // The pool refuses a task only when its queue is full: wait for one to finish instead.
    while (hasher.saturated() && running.size > 0) await Promise.race(running);
    const task: Promise<void> = hasher.hash(password).then((hashed) => {
      results[index] = hashed;
      running.delete(task);
    });
    running.add(task);
  }
  await Promise.all(running);
  return results;
}
