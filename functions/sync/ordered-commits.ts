// Stores pages while the next ones are fetched and stored, and commits each page's position as soon as
// that page and every page before it are durable, in page order. The store never idles at a page
// boundary (waiting for the watermark commit and the next page to start), yet the watermark still only
// ever marks a prefix of the source that is entirely stored.

export interface PageSteps<P, S> {
  /** Makes the page durable. */
  store(page: P): Promise<S>;
  /** Records the page as done (the watermark); runs only after this page's and all earlier commits. */
  commit(page: P, stored: S): Promise<void>;
  /** Asked before each next page is stored; true stops fetching (what is in flight is still committed). */
  stopFetching(): boolean;
  /** True for a fetch error that only says the time for fetching is up: the loop then ends as stopped. */
  fetchTimeIsUp?(error: unknown): boolean;
}

const FAILED = Symbol('a page failed');

/**
 * Runs every page through store then commit, with at most `pagesInFlight` pages stored at once (the
 * next page is fetched meanwhile). A commit waits for nothing but its own page and the commit before
 * it, so a slow or hung fetch never holds back the watermark of pages already stored; and a failed page
 * ends the loop at once, without waiting for a fetch in progress (that read is abandoned).
 *
 * After a failure (fetching, storing or committing) no later page is committed. The error thrown is the
 * earliest page's, a fetch error only when every page before it was committed; it is thrown once
 * nothing started here is still storing or committing, so the caller can release its lock safely.
 * Pages in flight when `stopFetching` turns true are still stored and committed: up to
 * `pagesInFlight` pages of work after the fetch deadline.
 *
 * @returns true when the pages ran out, false when `stopFetching` (or `fetchTimeIsUp`) ended the loop first.
 */
export async function storeAndCommitInOrder<P, S>(
  pages: AsyncIterable<P>,
  steps: PageSteps<P, S>,
  pagesInFlight: number,
): Promise<boolean> {
  if (!Number.isInteger(pagesInFlight) || pagesInFlight < 1) {
    throw new RangeError(`pagesInFlight must be a whole number of at least 1, got ${pagesInFlight}`);
  }
  const commits: Promise<void>[] = [];
  let previousCommit: Promise<void> = Promise.resolve();
  let anyFailed = false;
  // Wakes the loop from a fetch in progress. Renewed each time (not one long-lived promise raced over
  // and over: each race would stay attached to it and keep its page alive until the run ends).
  let wakeOnFailure: (() => void) | undefined;
  const signalFailure = () => {
    anyFailed = true;
    wakeOnFailure?.();
  };
  const iterator = pages[Symbol.asyncIterator]();
  let exhausted = false;
  try {
    for (;;) {
      if (anyFailed) break;
      const next = iterator.next();
      const step = await new Promise<IteratorResult<P> | typeof FAILED>((resolve, reject) => {
        wakeOnFailure = () => resolve(FAILED); // the fetch is abandoned; a failure of it then goes unseen
        next.then(resolve, reject);
      });
      wakeOnFailure = undefined;
      if (step === FAILED) break;
      if (step.done) {
        exhausted = true;
        break;
      }
      // Room for one more page: wait for the oldest commit. Only a successful one leaves `commits`, so
      // the earliest failure is still there to be thrown.
      while (commits.length >= pagesInFlight && !anyFailed) {
        await commits[0]?.catch(() => undefined);
        if (!anyFailed) commits.shift();
      }
      if (anyFailed) break;
      const page = step.value;
      const stored = steps.store(page);
      const afterPrevious = previousCommit;
      const commit = (async () => {
        const result = await stored;
        await afterPrevious; // a failed earlier page stops this commit: the watermark never skips a gap
        await steps.commit(page, result);
      })();
      commit.catch(signalFailure); // failures surface in page order, when `commits` are awaited
      commits.push(commit);
      previousCommit = commit;
      if (steps.stopFetching()) break;
    }
  } catch (fetchError) {
    await inPageOrder(commits); // an earlier page's failure is the one to report
    if (steps.fetchTimeIsUp?.(fetchError)) return false; // as if stopFetching had said so
    throw fetchError;
  } finally {
    if (!exhausted) void iterator.return?.()?.catch(() => undefined); // not awaited: a fetch may be pending
    // Each commit settles after its own store, and the ones already taken off `commits` have settled.
    await Promise.allSettled(commits);
  }
  await inPageOrder(commits);
  return exhausted;
}

/** Awaits one by one, so the error thrown is the earliest page's, whichever failed first in time. */
async function inPageOrder(commits: readonly Promise<void>[]): Promise<void> {
  for (const commit of commits) await commit;
}
