// Measures one target's clock offset (server − Date.now()) from HTTP Date headers: a warm-up request,
// then requests timed to land on the server's predicted second boundary, each answer bracketing the
// offset; the brackets are intersected, so the reported interval holds every offset the evidence allows.
import {
  type BracketedDate,
  intersect,
  intervalOf,
  isEmpty,
  isSuspectedTimezone,
  nextSendTimeMs,
  type OffsetInterval,
  offsetAndBound,
  UNBOUNDED,
  widen,
  widthMs,
} from './interval.js';
import type { MeasurementClock } from './measurement-clock.js';
import { ProbeFailedError, type ProbeResponse, type ProbeTransport } from './probe-transport.js';

export interface SkewTarget {
  /** Letters, digits, `.`, `_`, `-`: a metric dimension and part of the control-table key. */
  readonly name: string;
  readonly url: URL;
  /** |offset| + bound above this is a problem for this target (the alarm threshold). */
  readonly toleranceMs: number;
}

export interface MeasureOptions {
  /** Requests aimed at the predicted second boundary after the warm-up (each halves the interval). @default 10 */
  readonly maxBisections?: number;
  /**
   * Requests aimed just outside the final interval, one under it and one over it. A single clock can never
   * fail them (each is an ordinary bracket); a pool of servers whose clocks differ by a few ms up to two
   * seconds, which bisection alone may settle between, does. Pools two seconds or more apart are caught
   * without them (their 1-second intervals cannot intersect). Off by default: each costs a request
   * beyond the 1 + 10 budget, and such small disagreement is far below any token tolerance. @default 0
   */
  readonly consistencyChecks?: number;
  /** @default 3000 */
  readonly requestTimeoutMs?: number;
  /** Stop early once the half-width is below this. @default 0.25 */
  readonly targetBoundMs?: number;
  /** No request is scheduled to start later than this after the measurement began. @default 20000 */
  readonly maxDurationMs?: number;
}

export interface MeasureDependencies {
  readonly transport: ProbeTransport;
  /** Anchors a fresh measurement clock (one per measurement: a thawed Lambda must not reuse an anchor). */
  readonly startClock: () => MeasurementClock;
}

export type FailureReason =
  | 'unreachable'
  | 'timeout'
  | 'no-date-header'
  | 'unparseable-date'
  | 'local-clock-stepped';
export type InconsistencyReason =
  | 'cached-answer'
  | 'date-went-backwards'
  | 'date-not-advancing'
  | 'empty-intersection';

interface MeasurementCommon {
  readonly target: string;
  /** When the measurement started (ISO-8601, our clock). */
  readonly measuredAt: string;
  /** Requests sent, warm-up and checks included. */
  readonly requests: number;
  readonly method: 'HEAD' | 'GET';
  /** Shortest send-to-receive time seen, ms; the floor of what any bracket can prove. */
  readonly minRoundTripMs: number | undefined;
}

/** A usable measurement: the offset lies in [offsetMs − boundMs, offsetMs + boundMs]. */
export interface MeasuredSkew extends MeasurementCommon {
  readonly outcome: 'measured';
  /** server − Date.now(), ms (signed; positive: the server is ahead). */
  readonly offsetMs: number;
  /** Half-width of the interval the offset is proven to lie in, ms. */
  readonly boundMs: number;
  /** |offset| + bound: the largest the offset can be. */
  readonly absOffsetUpperMs: number;
  readonly overTolerance: boolean;
  readonly dateInconsistent: false;
  readonly suspectedTimezone: boolean;
  readonly measurementFailed: false;
}

/** The answers contradict one clock: a cache or several servers with different clocks answered. */
export interface InconsistentSkew extends MeasurementCommon {
  readonly outcome: 'inconsistent';
  readonly inconsistencyReason: InconsistencyReason;
  readonly detail: string;
  readonly dateInconsistent: true;
  readonly suspectedTimezone: false;
  readonly measurementFailed: false;
}

export interface FailedSkew extends MeasurementCommon {
  readonly outcome: 'failed';
  readonly failureReason: FailureReason;
  readonly detail: string;
  readonly dateInconsistent: false;
  readonly suspectedTimezone: false;
  readonly measurementFailed: true;
}

export type SkewMeasurement = MeasuredSkew | InconsistentSkew | FailedSkew;

/** An answer, with what it was aimed at: the server second boundary it should have straddled. */
interface Answer extends BracketedDate {
  readonly index: number;
  /** For aimed requests: did the server's Date reach the aimed-at second (offset ≥ aim)? */
  readonly turned: boolean | undefined;
}

/** Lead time before a send, so the schedule is never already in the past when computed. */
const SCHEDULING_LEAD_MS = 1;

/** Date-header semantics: a whole second, IMF-fixdate (RFC 9110); Date.parse also takes the obsolete forms. */
function parseDate(response: ProbeResponse): { dateMs: number } | { failure: FailureReason; detail: string } {
  const raw = response.headers.date;
  if (raw === undefined)
    return { failure: 'no-date-header', detail: `HTTP ${response.status} without a Date header` };
  const dateMs = Date.parse(raw);
  if (!Number.isFinite(dateMs) || dateMs % 1000 !== 0) {
    return {
      failure: 'unparseable-date',
      detail: `Date ${JSON.stringify(raw.slice(0, 64))} is not an HTTP date`,
    };
  }
  return { dateMs };
}

/** Age, or an X-Cache HIT: a stored answer, whose Date is the time it was stored, not now. */
function cacheEvidence(response: ProbeResponse): string | undefined {
  if (response.headers.age !== undefined) return `answer carries Age: ${response.headers.age.slice(0, 16)}`;
  const xCache = response.headers['x-cache'];
  if (xCache !== undefined && /\bhit\b/i.test(xCache))
    return `answer carries X-Cache: ${xCache.slice(0, 32)}`;
  return undefined;
}

/** A server clock moves forward with ours: its Date can neither go back nor stand still over > 1 s. */
function contradiction(
  earlier: readonly Answer[],
  next: Answer,
): { reason: InconsistencyReason; detail: string } | undefined {
  for (const previous of earlier) {
    const elapsedAtLeastMs = next.sentAtMs - previous.receivedAtMs;
    if (elapsedAtLeastMs < 0) continue;
    if (next.serverDateMs < previous.serverDateMs) {
      return {
        reason: 'date-went-backwards',
        detail: `Date went back ${(previous.serverDateMs - next.serverDateMs) / 1000} s between requests ${previous.index} and ${next.index}`,
      };
    }
    if (elapsedAtLeastMs > 1000 && next.serverDateMs === previous.serverDateMs) {
      return {
        reason: 'date-not-advancing',
        detail: `Date did not advance between requests ${previous.index} and ${next.index}, ${Math.round(elapsedAtLeastMs)} ms apart`,
      };
    }
  }
  return undefined;
}

export async function measureTarget(
  target: SkewTarget,
  deps: MeasureDependencies,
  options: MeasureOptions = {},
): Promise<SkewMeasurement> {
  const maxBisections = options.maxBisections ?? 10;
  const consistencyChecks = options.consistencyChecks ?? 0;
  const requestTimeoutMs = options.requestTimeoutMs ?? 3000;
  const targetBoundMs = options.targetBoundMs ?? 0.25;
  const maxDurationMs = options.maxDurationMs ?? 20_000;

  const clock = deps.startClock();
  const startedAtMs = clock.nowMs();
  let method: 'HEAD' | 'GET' = 'HEAD';
  let requests = 0;
  let warmUpRoundTripMs = 0;
  let minRoundTripMs: number | undefined;
  let interval: OffsetInterval = UNBOUNDED;
  const answers: Answer[] = [];

  const common = (): MeasurementCommon => ({
    target: target.name,
    measuredAt: new Date(startedAtMs).toISOString(),
    requests,
    method,
    minRoundTripMs,
  });
  const failed = (failureReason: FailureReason, detail: string): FailedSkew => ({
    ...common(),
    outcome: 'failed',
    failureReason,
    detail,
    dateInconsistent: false,
    suspectedTimezone: false,
    measurementFailed: true,
  });
  const inconsistent = (inconsistencyReason: InconsistencyReason, detail: string): InconsistentSkew => ({
    ...common(),
    outcome: 'inconsistent',
    inconsistencyReason,
    detail,
    dateInconsistent: true,
    suspectedTimezone: false,
    measurementFailed: false,
  });

  /** Sends one probe aimed at `aimOffsetMs` (or at once, for the warm-up) and folds its answer in. */
  const probe = async (
    aimOffsetMs: number | undefined,
  ): Promise<FailedSkew | InconsistentSkew | 'ok' | 'out-of-time'> => {
    const oneWayMs = (minRoundTripMs ?? warmUpRoundTripMs) / 2;
    const earliestMs = clock.nowMs() + SCHEDULING_LEAD_MS;
    const aim = aimOffsetMs === undefined ? undefined : { lowerMs: aimOffsetMs, upperMs: aimOffsetMs };
    const sendAtMs = aim ? nextSendTimeMs(aim, earliestMs, oneWayMs) : earliestMs;
    if (sendAtMs - startedAtMs > maxDurationMs) return 'out-of-time';
    requests++;
    let response: ProbeResponse;
    try {
      response = await deps.transport.probe(
        { method, url: target.url, sendAtMs, timeoutMs: requestTimeoutMs },
        clock,
      );
    } catch (error) {
      if (error instanceof ProbeFailedError) return failed(error.reason, error.message);
      throw error;
    }
    // Servers that refuse HEAD still stamp the refusal with their clock; later probes use GET.
    if (method === 'HEAD' && (response.status === 405 || response.status === 501)) method = 'GET';
    const roundTripMs = response.receivedAtMs - response.sentAtMs;
    if (aim === undefined) warmUpRoundTripMs = roundTripMs;
    else minRoundTripMs = Math.min(minRoundTripMs ?? Number.POSITIVE_INFINITY, roundTripMs);

    const date = parseDate(response);
    if ('failure' in date) return failed(date.failure, date.detail);
    const cached = cacheEvidence(response);
    if (cached) return inconsistent('cached-answer', cached);
    const answer: Answer = {
      index: requests - 1,
      sentAtMs: response.sentAtMs,
      receivedAtMs: response.receivedAtMs,
      serverDateMs: date.dateMs,
      turned:
        aimOffsetMs === undefined
          ? undefined
          : date.dateMs >= Math.round((sendAtMs + oneWayMs + aimOffsetMs) / 1000) * 1000,
    };
    const contradicted = contradiction(answers, answer);
    if (contradicted) return inconsistent(contradicted.reason, contradicted.detail);
    answers.push(answer);
    interval = intersect(interval, intervalOf(answer));
    if (isEmpty(interval)) {
      return inconsistent(
        'empty-intersection',
        `request ${answer.index}'s Date contradicts the earlier answers: no single clock fits them all`,
      );
    }
    return 'ok';
  };

  // Warm-up: opens the kept-alive connection (connect and TLS stay out of the timed brackets) and gives
  // the first, one-second-wide interval.
  const warmUp = await probe(undefined);
  if (warmUp !== 'ok' && warmUp !== 'out-of-time') return warmUp;

  for (let step = 0; step < maxBisections; step++) {
    // Past the round trip, bisection only trades requests for nothing: the answers cannot be sharper.
    if (widthMs(interval) <= Math.max(2 * targetBoundMs, minRoundTripMs ?? 0)) break;
    const outcome = await probe((interval.lowerMs + interval.upperMs) / 2);
    if (outcome === 'out-of-time') break;
    if (outcome !== 'ok') return outcome;
  }

  if (consistencyChecks > 0) {
    const outcome = await checkOutsideInterval(
      answers,
      interval,
      requests,
      minRoundTripMs ?? 0,
      consistencyChecks,
      probe,
    );
    if (outcome !== 'ok' && outcome !== 'out-of-time') return outcome;
  }

  // The anchor must still agree with the wall clock: a step of it mid-measurement voids the brackets'
  // relation to Date.now().
  const driftMs = clock.driftMs();
  const { behindMs, aheadMs } = clock.dateNowSpreadMs;
  if (driftMs < -behindMs - 1 || driftMs > aheadMs + 1) {
    return failed(
      'local-clock-stepped',
      `the local wall clock moved ${driftMs.toFixed(1)} ms against the monotonic clock`,
    );
  }

  // Brackets were stamped on nowMs(); the offset is reported against Date.now(), which may read up to
  // `behindMs` less or `aheadMs` more, so server − Date.now() may be that much larger or smaller.
  const { offsetMs, boundMs } = offsetAndBound(widen(interval, aheadMs, behindMs));
  const absOffsetUpperMs = Math.abs(offsetMs) + boundMs;
  return {
    ...common(),
    outcome: 'measured',
    offsetMs,
    boundMs,
    absOffsetUpperMs,
    overTolerance: absOffsetUpperMs > target.toleranceMs,
    dateInconsistent: false,
    suspectedTimezone: isSuspectedTimezone(offsetMs, boundMs),
    measurementFailed: false,
  };
}

/**
 * Two clocks behind one address (a pool, round-robin) answer bisection consistently: the lower clock
 * always says "not yet", the higher one "already", and the interval settles between them. Only a
 * request aimed outside the interval can expose them: the lower clock, asked just under the interval,
 * must say "already" if it were the only clock. Each check is an ordinary bracket, so a single clock can
 * never fail one; aimed so that the backend that answered "not yet" (round-robin: same parity of request
 * number) is asked under the interval, and the other one over it.
 */
async function checkOutsideInterval(
  answers: readonly Answer[],
  interval: OffsetInterval,
  nextIndex: number,
  roundTripMs: number,
  checks: number,
  probe: (aimOffsetMs: number) => Promise<FailedSkew | InconsistentSkew | 'ok' | 'out-of-time'>,
): Promise<FailedSkew | InconsistentSkew | 'ok' | 'out-of-time'> {
  const marginMs = 2 + roundTripMs;
  const lastNotYet = [...answers].reverse().find((answer) => answer.turned === false);
  const belowFirst = lastNotYet === undefined || (nextIndex - lastNotYet.index) % 2 === 0;
  const below = interval.lowerMs - marginMs;
  const above = interval.upperMs + marginMs;
  const sides = belowFirst ? [below, above] : [above, below];
  for (let check = 0; check < checks; check++) {
    const aimOffsetMs = sides[check % 2] as number;
    const outcome = await probe(aimOffsetMs);
    if (outcome !== 'ok') return outcome;
  }
  return 'ok';
}
