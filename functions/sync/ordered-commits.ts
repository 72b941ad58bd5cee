// Stores pages while the next ones are fetched and stored, and commits each page's position as soon as
// that page and every page before it are durable, in page order. The store never idles at a page
// boundary (waiting for the watermark commit and the next page to start), yet the watermark still only
// ever marks a prefix of the source that is entirely stored.

export interface PageSteps<P> {
  /** Makes the page durable. */
  store(page: P): Promise<void>;
  /** Records the page as done (the watermark); runs only after this page's and all earlier commits. */
  commit(page: P): Promise<void>;
  /** Asked before each next page is taken; true stops fetching (what is in flight is still committed). */
  stopFetching(): boolean;
}

/**
 * Runs every page through store then commit, with at most `pagesInFlight` pages stored at once (the
 * next page is fetched meanwhile). A commit waits for nothing but its own page and the commit before
 * it, so a slow or hung fetch never holds back the watermark of pages already stored.
 *
 * After a failure (fetching, storing or committing) no later page is committed; the error is thrown once
 * nothing started here is still running, so the caller can release its lock safely.
 *
 * @returns true when the pages ran out, false when `stopFetching` ended the loop first.
 */
export async function storeAndCommitInOrder<P>(
  pages: AsyncIterable<P>,
  steps: PageSteps<P>,
  pagesInFlight: number,
): Promise<boolean> {
  const commits: Promise<void>[] = [];
  let previousCommit: Promise<void> = Promise.resolve();
  try {
    for await (const page of pages) {
      while (commits.length >= pagesInFlight) await commits.shift();
      const stored = steps.store(page);
      const afterPrevious = previousCommit;
      const commit = (async () => {
        await stored;
        await afterPrevious; // a failed earlier page stops this commit: the watermark never skips a gap
        await steps.commit(page);
      })();
      commit.catch(() => undefined); // failures surface in page order, when `commits` are awaited
      commits.push(commit);
      previousCommit = commit;
      if (steps.stopFetching()) {
        await inPageOrder(commits);
        return false;
      }
    }
    await inPageOrder(commits);
    return true;
  } finally {
    // Each commit settles after its own store, and the ones already taken off `commits` have settled.
    await Promise.allSettled(commits);
  }
}

/** Awaits one by one, so the error thrown is the earliest page's, whichever failed first in time. */
async function inPageOrder(commits: readonly Promise<void>[]): Promise<void> {
  for (const commit of commits) await commit;
}
