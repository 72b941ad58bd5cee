import { describe, expect, it } from 'vitest';
import { storeAndCommitInOrder } from '../../../functions/sync/ordered-commits.js';

/** A promise settled from outside the code under test. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every already-settled promise chain run to its end. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Pages 1..n, each store held until the test lets it finish; a log of what happened, in order. */
function scenario(pageCount: number, options: { hangAfter?: number; failFetchAfter?: number } = {}) {
  const stores = Array.from({ length: pageCount + 1 }, () => deferred());
  const log: string[] = [];
  let storing = 0;
  let mostStoring = 0;
  async function* pages() {
    for (let page = 1; page <= pageCount; page++) {
      if (options.hangAfter !== undefined && page > options.hangAfter) await new Promise(() => {});
      if (options.failFetchAfter !== undefined && page > options.failFetchAfter)
        throw new Error(`fetching page ${page} failed`);
      log.push(`fetched ${page}`);
      yield page;
    }
  }
  const steps = {
    store: async (page: number) => {
      storing++;
      mostStoring = Math.max(mostStoring, storing);
      try {
        await stores[page]?.promise;
        log.push(`stored ${page}`);
      } finally {
        storing--;
      }
    },
    commit: async (page: number) => {
      log.push(`committed ${page}`);
    },
    stopFetching: () => false,
  };
  return {
    pages,
    steps,
    log,
    stores,
    mostStoring: () => mostStoring,
    storing: () => storing,
  };
}

describe('storeAndCommitInOrder', () => {
  it('commits every page in page order, even when a later page is stored first', async () => {
    const s = scenario(3);
    const done = storeAndCommitInOrder(s.pages(), s.steps, 2);
    await settle();
    s.stores[2]?.resolve();
    await settle();
    expect(s.log).not.toContain('committed 2'); // page 1 is not stored yet
    s.stores[1]?.resolve();
    s.stores[3]?.resolve();

    expect(await done).toBe(true);
    const commits = s.log.filter((line) => line.startsWith('committed'));
    expect(commits).toEqual(['committed 1', 'committed 2', 'committed 3']);
    expect(s.log.indexOf('stored 2')).toBeLessThan(s.log.indexOf('stored 1'));
  });

  it('stores at most pagesInFlight pages while it fetches the next', async () => {
    const s = scenario(6);
    const done = storeAndCommitInOrder(s.pages(), s.steps, 2);
    await settle();
    expect(s.storing()).toBe(2);
    expect(s.log).toEqual(['fetched 1', 'fetched 2', 'fetched 3']); // page 3 waits for room
    for (const store of s.stores) store.resolve();

    expect(await done).toBe(true);
    expect(s.mostStoring()).toBe(2);
  });

  it('commits a stored page while the fetch of the next one hangs', async () => {
    const s = scenario(3, { hangAfter: 1 });
    void storeAndCommitInOrder(s.pages(), s.steps, 2);
    s.stores[1]?.resolve();
    await settle();

    expect(s.log).toEqual(['fetched 1', 'stored 1', 'committed 1']);
  });

  it('after a failed store commits no later page, and throws that page’s error once nothing runs', async () => {
    const s = scenario(4);
    const done = storeAndCommitInOrder(s.pages(), s.steps, 3).catch((error: unknown) => error);
    s.stores[1]?.resolve();
    await settle();
    s.stores[3]?.resolve(); // a later page stored before the failure
    s.stores[2]?.reject(new Error('page 2 was not stored'));
    let ended = false;
    void done.then(() => {
      ended = true;
    });
    await settle();
    expect(s.storing()).toBe(1); // page 4 is still being stored: the caller must not release its lock yet
    expect(ended).toBe(false);
    s.stores[4]?.resolve();

    const error = await done;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('page 2 was not stored');
    expect(s.log.filter((line) => line.startsWith('committed'))).toEqual(['committed 1']);
    expect(s.storing()).toBe(0);
  });

  it('after a failed fetch still commits the pages already stored, then throws the fetch error', async () => {
    const s = scenario(3, { failFetchAfter: 2 });
    const done = storeAndCommitInOrder(s.pages(), s.steps, 2).catch((error: unknown) => error);
    await settle();
    s.stores[1]?.resolve();
    s.stores[2]?.resolve();

    const error = await done;
    expect((error as Error).message).toBe('fetching page 3 failed');
    expect(s.log.filter((line) => line.startsWith('committed'))).toEqual(['committed 1', 'committed 2']);
  });

  it('ends as stopped, not failed, when a fetch fails only because the time for fetching is up', async () => {
    const s = scenario(3, { failFetchAfter: 2 });
    const steps = { ...s.steps, fetchTimeIsUp: (error: unknown) => /page 3/.test(String(error)) };
    for (const store of s.stores) store.resolve();

    expect(await storeAndCommitInOrder(s.pages(), steps, 2)).toBe(false);
    expect(s.log.filter((line) => line.startsWith('committed'))).toEqual(['committed 1', 'committed 2']);
  });

  it('still fails on a fetch error that is not the time running out', async () => {
    const s = scenario(3, { failFetchAfter: 2 });
    const steps = { ...s.steps, fetchTimeIsUp: () => false };
    for (const store of s.stores) store.resolve();

    await expect(storeAndCommitInOrder(s.pages(), steps, 2)).rejects.toThrow('fetching page 3 failed');
  });

  it('stops fetching when asked, commits what is in flight and reports that it did not run out', async () => {
    const s = scenario(5);
    let fetched = 0;
    const steps = { ...s.steps, stopFetching: () => ++fetched >= 2 };
    for (const store of s.stores) store.resolve();

    expect(await storeAndCommitInOrder(s.pages(), steps, 2)).toBe(false);
    expect(s.log.filter((line) => line.startsWith('fetched'))).toEqual(['fetched 1', 'fetched 2']);
    expect(s.log.filter((line) => line.startsWith('committed'))).toEqual(['committed 1', 'committed 2']);
  });

  it('throws the earliest page’s failure when a commit fails, and commits nothing after it', async () => {
    const s = scenario(4);
    const steps = {
      ...s.steps,
      commit: async (page: number) => {
        if (page >= 2) throw new Error(`the lease was lost at page ${page}`);
        s.log.push(`committed ${page}`);
      },
    };
    for (const store of s.stores) store.resolve();

    await expect(storeAndCommitInOrder(s.pages(), steps, 2)).rejects.toThrow('the lease was lost at page 2');
    expect(s.log.filter((line) => line.startsWith('committed'))).toEqual(['committed 1']);
  });

  it('ends at once when a page fails while the next fetch hangs', async () => {
    const s = scenario(3, { hangAfter: 1 });
    const done = storeAndCommitInOrder(s.pages(), s.steps, 2).catch((error: unknown) => error);
    await settle();
    s.stores[1]?.reject(new Error('page 1 was not stored'));

    expect(((await done) as Error).message).toBe('page 1 was not stored');
  });

  it('reports an earlier page’s failure rather than a later fetch error', async () => {
    const s = scenario(1);
    const fetchFails = deferred();
    const pages = async function* () {
      yield 1;
      await fetchFails.promise;
      throw new Error('fetching page 2 failed');
    };
    const done = storeAndCommitInOrder(pages(), s.steps, 2).catch((error: unknown) => error);
    await settle();
    s.stores[1]?.reject(new Error('page 1 was not stored'));
    fetchFails.resolve();

    expect(((await done) as Error).message).toBe('page 1 was not stored');
  });

  it('rejects a pagesInFlight below 1, saying what it expected', async () => {
    const s = scenario(1);
    await expect(storeAndCommitInOrder(s.pages(), s.steps, 0)).rejects.toThrow(/at least 1, got 0/);
  });
});
