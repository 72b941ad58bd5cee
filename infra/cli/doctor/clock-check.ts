// Check 6, the clock: the skew monitor's own measurement (measure.ts: offset ± a proven bound, its
// time-zone rule, its inconsistency verdicts), taken several times and compared pairwise, so a pool of
// servers whose clocks disagree shows even when each measurement alone looks fine.
import { pairwiseSkew } from '../../../functions/clock-skew/interval.js';
import {
  type MeasuredSkew,
  measureTarget,
  type SkewMeasurement,
} from '../../../functions/clock-skew/measure.js';
import { anchoredClock } from '../../../functions/clock-skew/measurement-clock.js';
import { createHttpProbeTransport } from '../../../functions/clock-skew/probe-transport.js';
import { CAUSE_GUIDE } from '../../../functions/endpoint/cause-guide.js';
import { SYNC_DEFAULTS } from '../../../functions/sync/sync-config.js';
import { DEFAULTS } from '../../config/defaults.js';
import type { DoctorContext } from './context.js';
import type { CheckResult } from './report.js';

export interface ClockFindings {
  readonly results: CheckResult[];
  /** The server's clock minus ours, when measured: the stream check reads "now" on the server's clock. */
  readonly offsetMs?: number;
}

/** The client calls a 401 `clock-skew` past this (thingworx-client.ts's default clockSkewToleranceMs). */
const CLIENT_SKEW_TOLERANCE_MS = 60_000;
/** Requests aimed just outside the interval: what catches a pool whose clocks differ by less than 2 s. */
const CONSISTENCY_CHECKS = 2;

export async function checkClock(
  ctx: DoctorContext,
  progress: (text: string) => void,
): Promise<ClockFindings> {
  const key = await ctx.settings.keySource.get();
  const transport = createHttpProbeTransport({
    extraCaPems: ctx.settings.extraCaPems,
    ...(ctx.settings.proxy ? { proxy: ctx.settings.proxy } : {}),
    proxyCredentials: async () => key.proxyCredentials,
  });
  const url = new URL(ctx.settings.endpoint.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/Thingworx/`;
  const target = { name: 'endpoint', url, toleranceMs: DEFAULTS.skewToleranceMs };
  const measurements: SkewMeasurement[] = [];
  try {
    for (let i = 0; i < ctx.settings.clockMeasurements; i++) {
      progress(
        `clock: measurement ${i + 1} of ${ctx.settings.clockMeasurements} (${ctx.settings.clockBisections + 3} requests)`,
      );
      const m = await measureTarget(
        target,
        { transport, startClock: anchoredClock },
        {
          consistencyChecks: CONSISTENCY_CHECKS,
          maxBisections: ctx.settings.clockBisections,
          requestTimeoutMs: ctx.settings.requestTimeoutMs,
        },
      );
      measurements.push(m);
      if (m.outcome !== 'measured') break;
    }
  } finally {
    transport.close();
  }
  const measured = measurements.filter((m): m is MeasuredSkew => m.outcome === 'measured');
  const inconsistent = measurements.find((m) => m.outcome === 'inconsistent');
  const failed = measurements.find((m) => m.outcome === 'failed');
  const offset = measured[0];
  const results: CheckResult[] = [];

  if (offset) results.push(offsetCheck(offset));
  else if (failed?.outcome === 'failed') {
    results.push({
      id: 'clock.offset',
      status: 'WARN',
      evidence: `could not measure the server's clock: ${failed.failureReason} (${failed.detail})`,
      action: 'the skew monitor would publish MeasurementFailed: check the URL and the network path',
    });
  } else {
    results.push({
      id: 'clock.offset',
      status: 'skip',
      evidence: 'not measured: the answers cannot come from one clock (see clock.pool)',
    });
  }

  if (inconsistent?.outcome === 'inconsistent') {
    const cached =
      inconsistent.inconsistencyReason === 'cached-answer' ||
      inconsistent.inconsistencyReason === 'date-not-advancing';
    results.push({
      id: 'clock.pool',
      status: 'FAIL',
      ...(cached ? { cause: 'cached-response' } : {}),
      evidence: cached
        ? `the Date answers come from a cache: ${inconsistent.detail} (${inconsistent.inconsistencyReason})`
        : `the answers cannot come from one clock: ${inconsistent.detail} (${inconsistent.inconsistencyReason}): servers behind this address disagree`,
      action: cached
        ? CAUSE_GUIDE['cached-response'].action
        : 'fix NTP on every server of the pool (chronyc tracking / ntpq -p on each), or point the sync at one server; the skew monitor reports this as DateInconsistent',
    });
  } else if (measured.length >= 2) {
    const pairs = measured
      .slice(1)
      .map((m, i) =>
        pairwiseSkew({ name: `m${i + 2}`, ...m }, { name: 'm1', ...(measured[0] as MeasuredSkew) }),
      );
    const worst = pairs.reduce((a, b) =>
      Math.abs(b.skewMs) - b.boundMs > Math.abs(a.skewMs) - a.boundMs ? b : a,
    );
    const disagree = Math.abs(worst.skewMs) > worst.boundMs;
    results.push({
      id: 'clock.pool',
      status: disagree ? 'FAIL' : 'ok',
      evidence: disagree
        ? `${measured.length} measurements differ by ${worst.skewMs.toFixed(1)} ± ${worst.boundMs.toFixed(1)} ms: servers with different clocks answer at this address`
        : `${measured.length} measurements agree (they differ by at most ${worst.absSkewUpperMs.toFixed(1)} ms)`,
      ...(disagree ? { action: 'fix NTP on every server of the pool, or point the sync at one server' } : {}),
      details: { pairs },
    });
  } else {
    results.push({ id: 'clock.pool', status: 'skip', evidence: 'not compared: fewer than two measurements' });
  }
  return { results, ...(offset ? { offsetMs: offset.offsetMs } : {}) };
}

function offsetCheck(m: MeasuredSkew): CheckResult {
  const shown = `${m.offsetMs >= 0 ? '+' : ''}${(m.offsetMs / 1000).toFixed(3)} s ± ${m.boundMs.toFixed(1)} ms (server − ours, ${m.requests} requests)`;
  const details = { offsetMs: m.offsetMs, boundMs: m.boundMs, absOffsetUpperMs: m.absOffsetUpperMs };
  if (m.suspectedTimezone) {
    const minutes = Math.round(m.offsetMs / 60_000);
    return {
      id: 'clock.offset',
      status: 'FAIL',
      cause: 'clock-skew',
      evidence: `${shown}: ${minutes} minutes, a multiple of 15: a time zone or DST setting, not drift (SuspectedTimezone)`,
      action:
        "fix the server's time zone (or the zone its Date header is rendered in); NTP is not the problem",
      details,
    };
  }
  if (m.absOffsetUpperMs > CLIENT_SKEW_TOLERANCE_MS) {
    return {
      id: 'clock.offset',
      status: 'FAIL',
      cause: 'clock-skew',
      evidence: `${shown}: more than ${CLIENT_SKEW_TOLERANCE_MS / 1000} s${
        m.absOffsetUpperMs > SYNC_DEFAULTS.skewAllowanceCapMs
          ? `, beyond the ${SYNC_DEFAULTS.skewAllowanceCapMs / 60_000} minutes the sync widens its window by`
          : ''
      }`,
      action: CAUSE_GUIDE['clock-skew'].action,
      details,
    };
  }
  if (m.absOffsetUpperMs > DEFAULTS.skewToleranceMs) {
    return {
      id: 'clock.offset',
      status: 'WARN',
      evidence: `${shown}: over the skew alarm's default tolerance of ${DEFAULTS.skewToleranceMs / 1000} s; the sync widens its window by it`,
      action: "ask the server's operator to check NTP (chronyc tracking / ntpq -p)",
      details,
    };
  }
  return { id: 'clock.offset', status: 'ok', evidence: shown, details };
}
