// The local time a skew measurement stamps its requests with: one wall-clock anchor taken when the
// measurement starts, advanced by the monotonic clock. A Lambda may have been frozen and thawed, and the
// wall clock may be stepped while we measure; neither may bend the brackets of one measurement.
import { setTimeout as sleep } from 'node:timers/promises';

export interface MeasurementClock {
  /** Epoch ms with a sub-millisecond fraction: the anchor plus monotonic time since. */
  nowMs(): number;
  /** Resolves at the given `nowMs()` reading (not before it; as little after as the platform allows). */
  sleepUntil(epochMs: number): Promise<void>;
  /**
   * How `Date.now()`, the clock the rest of syncwarden compares server times with, may differ from
   * `nowMs()`: Date.now() − nowMs() ∈ [−behindMs, aheadMs]. Offsets are reported against Date.now(),
   * so the measured interval is widened by these.
   */
  readonly dateNowSpreadMs: { readonly behindMs: number; readonly aheadMs: number };
  /** Date.now() − nowMs() now: outside the spread (by more than rounding) means the wall clock was stepped. */
  driftMs(): number;
}

/** Timers fire a millisecond or two late; the last stretch before a send is spun so sends land on time. */
const SPIN_BEFORE_MS = 3;
/** An anchor whose tick was located less precisely than this is retaken (the thread was preempted). */
const MAX_ANCHOR_UNCERTAINTY_MS = 0.05;
const ANCHOR_ATTEMPTS = 5;

/**
 * Anchors on a tick of `Date.now()`: spins until its value changes, so the anchor is the instant that
 * millisecond began (to within the microseconds one loop iteration takes), not some point inside it.
 * Costs at most about 1 ms of spinning.
 */
export function anchoredClock(): MeasurementClock {
  let anchor = findTick();
  for (
    let attempt = 1;
    attempt < ANCHOR_ATTEMPTS && anchor.uncertaintyMs > MAX_ANCHOR_UNCERTAINTY_MS;
    attempt++
  ) {
    anchor = findTick();
  }
  const { wallMs, monotonicMs, uncertaintyMs } = anchor;
  const nowMs = () => wallMs + (performance.now() - monotonicMs);
  return {
    nowMs,
    async sleepUntil(epochMs) {
      const coarseMs = epochMs - nowMs() - SPIN_BEFORE_MS;
      if (coarseMs > 0) await sleep(coarseMs);
      while (nowMs() < epochMs) {
        // spin: a millisecond of CPU buys a send time accurate to microseconds
      }
    },
    // The anchor lags the true tick by at most `uncertaintyMs`, so Date.now() (which truncates true time to
    // whole ms) lies in (nowMs() − 1, nowMs() + uncertaintyMs].
    dateNowSpreadMs: Object.freeze({ behindMs: 1, aheadMs: uncertaintyMs }),
    driftMs: () => Date.now() - nowMs(),
  };
}

function findTick(): { wallMs: number; monotonicMs: number; uncertaintyMs: number } {
  let previousCallStartMs = performance.now();
  const startWallMs = Date.now();
  for (;;) {
    const callStartMs = performance.now();
    const wallMs = Date.now();
    const callEndMs = performance.now();
    if (wallMs !== startWallMs) {
      // The tick fell between the start of the previous read (which still saw the old value) and the end of
      // this one. Anchoring at the latest instant makes nowMs() lag the truth, never lead it.
      return { wallMs, monotonicMs: callEndMs, uncertaintyMs: callEndMs - previousCallStartMs };
    }
    previousCallStartMs = callStartMs;
  }
}
