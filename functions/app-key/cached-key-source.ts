// Keeps the key in memory for a short TTL so a warm Lambda does not call Secrets Manager per request,
// yet picks up a rotation within minutes; `refresh()` always goes to the store (used after a 401/403).
import { type Clock, systemClock } from '../shared/clock.js';
import type { AppKey, KeySource } from './key-source.js';

export const DEFAULT_KEY_CACHE_TTL_MS = 5 * 60 * 1000;

export interface CachedKeySourceOptions {
  /** @default 5 minutes */
  readonly ttlMs?: number;
  readonly clock?: Clock;
}

export class CachedKeySource implements KeySource {
  private readonly ttlMs: number;
  private readonly clock: Clock;
  private cached?: { key: AppKey; fetchedAtMs: number };
  // Concurrent callers on a cold cache share one fetch instead of each calling the store.
  private inFlight?: Promise<AppKey>;

  constructor(
    private readonly inner: KeySource,
    options: CachedKeySourceOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_KEY_CACHE_TTL_MS;
    this.clock = options.clock ?? systemClock;
  }

  describe(): string {
    return this.inner.describe();
  }

  /** VersionId of the cached key, if any; lets diagnostics compare "used" with "current". */
  cachedVersionId(): string | undefined {
    return this.cached?.key.versionId;
  }

  get(): Promise<AppKey> {
    if (this.cached && this.clock.nowMs() - this.cached.fetchedAtMs < this.ttlMs) {
      return Promise.resolve(this.cached.key);
    }
    return this.load(() => this.inner.get());
  }

  refresh(): Promise<AppKey> {
    return this.load(() => this.inner.refresh());
  }

  private load(fetch: () => Promise<AppKey>): Promise<AppKey> {
    if (this.inFlight) return this.inFlight;
    const pending = fetch()
      .then((key) => {
        this.cached = { key, fetchedAtMs: this.clock.nowMs() };
        return key;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    this.inFlight = pending;
    return pending;
  }
}
