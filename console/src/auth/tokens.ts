/**
 * The signed-in session's tokens, in memory only: a reload forgets them and signs in again
 * (the hosted login's own session makes that a redirect without a password). The access token
 * is renewed by the refresh_token grant shortly before it expires; each refresh token is used
 * once (the server rotates it and treats a reuse as theft), so at most one refresh runs at a time.
 */

export type TokenSet = { accessToken: string; refreshToken: string | null; idToken: string | null; expiresIn: number };

/** What the store needs from the outside world, given so that tests can drive the clock. */
export type TokenStoreDeps = {
  refresh: (refreshToken: string) => Promise<TokenSet>;
  now?: () => number;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
  /** Called when a refresh failed: the session is over (revoked, expired, account disabled). */
  onExpired?: () => void;
};

/** How long before expiry to refresh: a fifth of the lifetime, at most a minute. */
export function refreshDelayMs(expiresInSeconds: number): number {
  const lifetime = expiresInSeconds * 1000;
  return Math.max(0, lifetime - Math.min(60_000, lifetime / 5));
}

export class TokenStore {
  private current: (TokenSet & { expiresAt: number }) | null = null;
  private timer: unknown = null;
  private inFlight: Promise<string | null> | null = null;
  private readonly now: () => number;
  private readonly setTimer: (run: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;

  constructor(private readonly deps: TokenStoreDeps) {
    this.now = deps.now ?? Date.now;
    this.setTimer = deps.setTimer ?? ((run, ms) => setTimeout(run, ms));
    this.clearTimer = deps.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  }

  /** Keeps `tokens` (an ID token already held is kept when a refresh brings none) and schedules the next refresh. */
  set(tokens: TokenSet): void {
    const idToken = tokens.idToken ?? this.current?.idToken ?? null;
    this.current = { ...tokens, idToken, expiresAt: this.now() + tokens.expiresIn * 1000 };
    this.cancelTimer();
    if (tokens.refreshToken) this.timer = this.setTimer(() => void this.refreshNow(), refreshDelayMs(tokens.expiresIn));
  }

  get signedIn(): boolean {
    return this.current !== null;
  }

  get idToken(): string | null {
    return this.current?.idToken ?? null;
  }

  /** A usable access token: the current one, or a refreshed one when it has expired; null when signed out. */
  async accessToken(): Promise<string | null> {
    if (!this.current) return null;
    if (this.now() < this.current.expiresAt) return this.current.accessToken;
    return this.refreshNow();
  }

  /** Refreshes once, however many callers ask at the same moment. */
  refreshNow(): Promise<string | null> {
    this.inFlight ??= this.runRefresh().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  clear(): void {
    this.cancelTimer();
    this.current = null;
  }

  private async runRefresh(): Promise<string | null> {
    const refreshToken = this.current?.refreshToken;
    if (!refreshToken) return null;
    try {
      const tokens = await this.deps.refresh(refreshToken);
      this.set(tokens);
      return tokens.accessToken;
    } catch {
      this.clear();
      this.deps.onExpired?.();
      return null;
    }
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }
}
