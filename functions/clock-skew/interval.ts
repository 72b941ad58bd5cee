// The interval arithmetic of Date-header clock measurement: what one bracketed response proves about the
// offset (server − ours), how proofs combine, where to aim the next request, and the timezone rule.
// Pure functions of numbers, so every edge is unit-testable without a network or a clock.

/** One second: the resolution of an HTTP `Date` header. */
export const DATE_RESOLUTION_MS = 1000;

/** Offsets (server − ours, ms) proven possible: `lowerMs <= offset < upperMs`. Empty when lower >= upper. */
export interface OffsetInterval {
  readonly lowerMs: number;
  readonly upperMs: number;
}

export const UNBOUNDED: OffsetInterval = Object.freeze({
  lowerMs: Number.NEGATIVE_INFINITY,
  upperMs: Number.POSITIVE_INFINITY,
});

/** A request sent at `sentAtMs`, answered at `receivedAtMs` (our clock), with Date second `serverDateMs`. */
export interface BracketedDate {
  readonly sentAtMs: number;
  readonly receivedAtMs: number;
  /** The Date header as epoch ms: a whole second. */
  readonly serverDateMs: number;
}

/**
 * The server stamped its Date at some instant t of ours with sent <= t <= received, and its clock then
 * read something in [S, S + 1 s). So S <= t + offset < S + 1 s, hence offset ∈ [S − received, S + 1 s − sent).
 */
export function intervalOf(exchange: BracketedDate): OffsetInterval {
  return {
    lowerMs: exchange.serverDateMs - exchange.receivedAtMs,
    upperMs: exchange.serverDateMs + DATE_RESOLUTION_MS - exchange.sentAtMs,
  };
}

export function intersect(a: OffsetInterval, b: OffsetInterval): OffsetInterval {
  return { lowerMs: Math.max(a.lowerMs, b.lowerMs), upperMs: Math.min(a.upperMs, b.upperMs) };
}

export function isEmpty(interval: OffsetInterval): boolean {
  return !(interval.lowerMs < interval.upperMs);
}

export function widthMs(interval: OffsetInterval): number {
  return interval.upperMs - interval.lowerMs;
}

/** Offset = midpoint, bound = half-width: every offset the evidence allows is within offset ± bound. */
export function offsetAndBound(interval: OffsetInterval): { offsetMs: number; boundMs: number } {
  return {
    offsetMs: (interval.lowerMs + interval.upperMs) / 2,
    boundMs: (interval.upperMs - interval.lowerMs) / 2,
  };
}

/** Widens an interval: `belowMs` more room under the lower end, `aboveMs` over the upper end. */
export function widen(interval: OffsetInterval, belowMs: number, aboveMs: number): OffsetInterval {
  return { lowerMs: interval.lowerMs - belowMs, upperMs: interval.upperMs + aboveMs };
}

/**
 * When to send the next request so that it reaches the server when the server's clock, if the offset is
 * the interval's midpoint m, turns a whole second. Then the Date either turned (so offset ≥ m − return
 * trip) or did not (offset < m + outbound trip): each answer cuts the interval about in half.
 *
 * The server instant s (ours) must satisfy s + m ≡ 0 (mod 1 s); we send at s − oneWayMs, the earliest
 * such time at or after `earliestSendMs`.
 */
export function nextSendTimeMs(interval: OffsetInterval, earliestSendMs: number, oneWayMs: number): number {
  const midpointMs = (interval.lowerMs + interval.upperMs) / 2;
  const boundary = Math.ceil((earliestSendMs + oneWayMs + midpointMs) / DATE_RESOLUTION_MS);
  return boundary * DATE_RESOLUTION_MS - midpointMs - oneWayMs;
}

/** Timezone and DST mistakes shift a clock by a multiple of 15 minutes (a few zones use :30 and :45). */
export const TIMEZONE_STEP_MS = 15 * 60 * 1000;
/** Below this, an offset is plain drift or a bad NTP setup, not a zone shift (15 min less one second). */
export const TIMEZONE_MIN_ABS_OFFSET_MS = 899_000;
/** The least distance from a multiple of 15 min that still counts as "near" one. */
export const TIMEZONE_MIN_SLACK_MS = 2_000;

/**
 * |offset| ≥ 899 s and within max(2 s, 2 × bound) of a multiple of 15 min: a server whose clock is right
 * but whose zone (or the zone its Date is rendered in) is wrong.
 */
export function isSuspectedTimezone(offsetMs: number, boundMs: number): boolean {
  if (Math.abs(offsetMs) < TIMEZONE_MIN_ABS_OFFSET_MS) return false;
  const nearestMultipleMs = Math.round(offsetMs / TIMEZONE_STEP_MS) * TIMEZONE_STEP_MS;
  return Math.abs(offsetMs - nearestMultipleMs) <= Math.max(TIMEZONE_MIN_SLACK_MS, 2 * boundMs);
}

export interface PairwiseSkew {
  /** `"a|b"`: the configured pair, in configured order. */
  readonly pair: string;
  /** offset(a) − offset(b): how far a's clock is ahead of b's. */
  readonly skewMs: number;
  /** bound(a) + bound(b): the two measurements' uncertainties add up. */
  readonly boundMs: number;
  /** |skew| + bound: the most the two clocks can disagree by. */
  readonly absSkewUpperMs: number;
}

export function pairwiseSkew(
  a: { readonly name: string; readonly offsetMs: number; readonly boundMs: number },
  b: { readonly name: string; readonly offsetMs: number; readonly boundMs: number },
): PairwiseSkew {
  const skewMs = a.offsetMs - b.offsetMs;
  const boundMs = a.boundMs + b.boundMs;
  return { pair: `${a.name}|${b.name}`, skewMs, boundMs, absSkewUpperMs: Math.abs(skewMs) + boundMs };
}
