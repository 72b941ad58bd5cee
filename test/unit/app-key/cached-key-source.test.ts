import { describe, expect, it } from 'vitest';
import { CachedKeySource } from '../../../functions/app-key/cached-key-source.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { SwappableKeySource } from '../endpoint/fakes.js';

const V1 = { appKey: 'key-one', versionId: 'v1' };
const V2 = { appKey: 'key-two', versionId: 'v2' };

describe('cached key source', () => {
  it('serves the cached key within the TTL without reading the store', async () => {
    const store = new SwappableKeySource(V1);
    const clock = new ManualClock(0);
    const cached = new CachedKeySource(store, { clock, ttlMs: 60_000 });
    await cached.get();
    store.current = V2;
    clock.advance(59_999);
    await expect(cached.get()).resolves.toEqual(V1);
    expect(store.gets).toBe(1);
  });

  it('reads the store again once the TTL has passed', async () => {
    const store = new SwappableKeySource(V1);
    const clock = new ManualClock(0);
    const cached = new CachedKeySource(store, { clock, ttlMs: 60_000 });
    await cached.get();
    store.current = V2;
    clock.advance(60_000);
    await expect(cached.get()).resolves.toEqual(V2);
  });

  it('defaults the TTL to five minutes', async () => {
    const store = new SwappableKeySource(V1);
    const clock = new ManualClock(0);
    const cached = new CachedKeySource(store, { clock });
    await cached.get();
    store.current = V2;
    clock.advance(5 * 60_000 - 1);
    expect((await cached.get()).versionId).toBe('v1');
    clock.advance(1);
    expect((await cached.get()).versionId).toBe('v2');
  });

  it('bypasses the cache on refresh and caches what it read', async () => {
    const store = new SwappableKeySource(V1);
    const cached = new CachedKeySource(store, { clock: new ManualClock(0) });
    await cached.get();
    store.current = V2;
    await expect(cached.refresh()).resolves.toEqual(V2);
    await expect(cached.get()).resolves.toEqual(V2);
    expect(cached.cachedVersionId()).toBe('v2');
  });

  it('shares one store read between concurrent callers on a cold cache', async () => {
    const store = new SwappableKeySource(V1);
    const cached = new CachedKeySource(store, { clock: new ManualClock(0) });
    await Promise.all([cached.get(), cached.get(), cached.get()]);
    expect(store.gets).toBe(1);
  });
});
