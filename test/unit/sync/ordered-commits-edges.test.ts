// Edges of storeAndCommitInOrder the mutation bench found untested: one page in flight, a failure while
// the loop waits for room, and how the page source is closed (or not) when the loop ends.
import { describe, expect, it } from 'vitest';
import { type PageSteps, storeAndCommitInOrder } from '../../../functions/sync/ordered-commits.js';

/** Steps that log each call; `failStore` rejects that page's store once `release` is called. */
function loggingSteps(options: { failStore?: number; stopAfter?: number } = {}) {
  const log: string[] = [];
  let releaseFailure!: () => void;
  const failureReleased = new Promise<void>((resolve) => {
    releaseFailure = resolve;
  });
  let stored = 0;
  const steps: PageSteps<number, void> = {
    store: async (page) => {
      log.push(`storing ${page}`);
      if (page === options.failStore) {
        await failureReleased;
        throw new Error(`page ${page} was not stored`);
      }
      stored++;
    },
    commit: async (page) => {
      log.push(`committed ${page}`);
    },
    stopFetching: () => options.stopAfter !== undefined && stored + 1 >= options.stopAfter,
  };
  return { log, steps, releaseFailure };
}

/** An iterator over pages 1..n that records whether, and how, it was closed. */
function recordingIterator(count: number, closing: 'promise' | 'undefined' | 'none') {
  const calls = { next: 0, return: 0 };
  const iterator: AsyncIterator<number> = {
    next: async () => {
      calls.next++;
      return calls.next <= count ? { value: calls.next, done: false } : { value: undefined, done: true };
    },
  };
  if (closing !== 'none') {
    iterator.return = (() => {
      calls.return++;
      return closing === 'promise' ? Promise.resolve({ value: undefined, done: true }) : undefined;
    }) as AsyncIterator<number>['return'];
  }
  return { pages: { [Symbol.asyncIterator]: () => iterator }, calls };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('storeAndCommitInOrder at its edges', () => {
  it('works with one page in flight: each page is stored and committed before the next is stored', async () => {
    const { log, steps } = loggingSteps();
    async function* pages() {
      yield* [1, 2, 3];
    }

    expect(await storeAndCommitInOrder(pages(), steps, 1)).toBe(true);
    expect(log).toEqual(['storing 1', 'committed 1', 'storing 2', 'committed 2', 'storing 3', 'committed 3']);
  });

  it('with one page in flight, throws the failure of the page it waited on and stores no later page', async () => {
    const { log, steps, releaseFailure } = loggingSteps({ failStore: 1 });
    async function* pages() {
      yield* [1, 2, 3];
    }
    const done = storeAndCommitInOrder(pages(), steps, 1).catch((error: unknown) => error);
    await settle();
    releaseFailure();

    expect(((await done) as Error).message).toBe('page 1 was not stored');
    expect(log).toEqual(['storing 1']);
  });

  it('stores no further page once a page fails while the loop waits for room, and throws that failure', async () => {
    const { log, steps, releaseFailure } = loggingSteps({ failStore: 1 });
    const fetched: number[] = [];
    async function* pages() {
      for (let page = 1; page <= 5; page++) {
        fetched.push(page);
        yield page;
      }
    }
    const done = storeAndCommitInOrder(pages(), steps, 2).catch((error: unknown) => error);
    await settle();
    expect(fetched).toEqual([1, 2, 3]); // page 3 waits for room behind page 1
    releaseFailure();

    const error = await done;
    expect((error as Error).message).toBe('page 1 was not stored');
    expect(log.filter((line) => line.startsWith('storing'))).toEqual(['storing 1', 'storing 2']);
    expect(log.filter((line) => line.startsWith('committed'))).toEqual([]); // page 2 waits on page 1
    expect(fetched).toEqual([1, 2, 3]);
  });

  it('closes the page source when it stops early, so the source can release what it holds', async () => {
    const { steps } = loggingSteps({ stopAfter: 2 });
    let closed = false;
    async function* pages() {
      try {
        for (let page = 1; page <= 10; page++) yield page;
      } finally {
        closed = true;
      }
    }

    expect(await storeAndCommitInOrder(pages(), steps, 2)).toBe(false);
    await settle();
    expect(closed).toBe(true);
  });

  it('does not close a page source that ran out by itself', async () => {
    const { steps } = loggingSteps();
    const { pages, calls } = recordingIterator(3, 'promise');

    expect(await storeAndCommitInOrder(pages, steps, 2)).toBe(true);
    expect(calls.return).toBe(0);
  });

  it.each([
    ['has no return()', 'none'],
    ['answers return() with no promise', 'undefined'],
  ] as const)('stops early without failing on a page source that %s', async (_label, closing) => {
    const { steps } = loggingSteps({ stopAfter: 2 });
    const { pages, calls } = recordingIterator(10, closing);

    expect(await storeAndCommitInOrder(pages, steps, 2)).toBe(false);
    expect(calls.return).toBe(closing === 'none' ? 0 : 1);
  });
});
