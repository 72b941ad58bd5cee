// Check 3, caching in front of the server. Passive: Age, X-Cache-style HITs (the sync's own rule,
// answer-suspicion.ts) and Cache-Control on every answer doctor got. Active: the same request with the real
// key, then with a made-up key, then with the real key again. A cache keyed without the key header answers
// the made-up key like the real one (200), or replays the made-up key's 401 to the real key; on a clean path
// the made-up key gets 401 and the real one 200 both times.
import { randomUUID } from 'node:crypto';
import { cacheHeadersSay } from '../../../functions/endpoint/answer-suspicion.js';
import { CAUSE_GUIDE } from '../../../functions/endpoint/cause-guide.js';
import type { ProbeResult } from '../../../functions/endpoint/thingworx-client.js';
import type { DoctorContext } from './context.js';
import type { CheckResult } from './report.js';
import { describeProbe, probeStream } from './service-probes.js';

export interface CacheFindings {
  readonly results: CheckResult[];
  /** A cache answers for the server: what the later checks would see is not the server's word. */
  readonly blocked: boolean;
  /** The real key's probes, for the key check to count. */
  readonly realProbes: readonly ProbeResult[];
}

/** Longer than one Date second: a replayed Date then cannot be a fresh answer within the same second. */
const REPLAY_WAIT_MS = 1_100;
/** Cache-Control directives that let a shared cache store the answer. */
const STORABLE = /\b(public|s-maxage\s*=\s*[1-9]|max-age\s*=\s*[1-9])/i;

export async function checkCache(ctx: DoctorContext): Promise<CacheFindings> {
  const real = await probeStream(ctx);
  const madeUp = await probeStream(
    ctx,
    ctx.clientWithKey({ appKey: `syncwarden-doctor-${randomUUID()}`, versionId: 'made-up' }),
  );
  const madeUpAnswer = ctx.exchanges.at(-1);
  const realAgain = await probeStream(ctx);
  // A refusal of the real key after the made-up key's 401 is a cache only if the 401 itself comes back:
  // a cache replays the stored answer, Date and all, where a server (or a flapping layer) stamps a new one.
  let replayed = false;
  if (real.outcome === 'accepted' && realAgain.outcome === 'denied' && madeUpAnswer) {
    await new Promise((resolve) => setTimeout(resolve, REPLAY_WAIT_MS));
    const probe = await probeStream(ctx);
    const answer = ctx.exchanges.at(-1);
    replayed =
      probe.outcome === 'denied' &&
      answer !== undefined &&
      answer.status === madeUpAnswer.status &&
      answer.headers.date !== undefined &&
      answer.headers.date === madeUpAnswer.headers.date;
  }
  const passive = passiveCheck(ctx, [real, madeUp, realAgain]);
  const active = activeCheck(real, madeUp, realAgain, replayed);
  return {
    results: [passive, active],
    blocked: passive.status === 'FAIL' || active.status === 'FAIL',
    realProbes: [real, realAgain],
  };
}

function passiveCheck(ctx: DoctorContext, probes: readonly ProbeResult[]): CheckResult {
  const flagged = ctx.exchanges.filter((e) => cacheHeadersSay({ ...e, body: '' }));
  const denial = probes.find((p) => p.outcome === 'denied' && p.diagnosis.cause === 'cached-response');
  if (flagged.length > 0 || denial) {
    const signals =
      denial?.outcome === 'denied'
        ? denial.diagnosis.evidence.signals
        : flagged.map((e) => `${e.request}: ${cacheHeaderText(e.headers)}`);
    return {
      id: 'cache.headers',
      status: 'FAIL',
      cause: 'cached-response',
      evidence: `${CAUSE_GUIDE['cached-response'].meaning}: ${[...new Set(signals)].join('; ')}`,
      action: CAUSE_GUIDE['cached-response'].action,
    };
  }
  const controls = [...new Set(ctx.exchanges.map((e) => e.headers['cache-control'] ?? '(none)'))];
  const storable = controls.filter((c) => STORABLE.test(c));
  if (storable.length > 0) {
    return {
      id: 'cache.headers',
      status: 'WARN',
      evidence: `answers allow a shared cache to store them (Cache-Control: ${storable.join(' | ')})`,
      action:
        'have the server or gateway send Cache-Control: no-store on service answers; the sync asks for no-cache, but a cache may ignore it',
    };
  }
  return {
    id: 'cache.headers',
    status: 'ok',
    evidence: `no Age or X-Cache on ${ctx.exchanges.length} answers; Cache-Control: ${controls.join(' | ')}`,
  };
}

function activeCheck(
  real: ProbeResult,
  madeUp: ProbeResult,
  realAgain: ProbeResult,
  replayed: boolean,
): CheckResult {
  const seen = `real key ${describeProbe(real)}, made-up key ${describeProbe(madeUp)}, real key again ${describeProbe(realAgain)}`;
  const details = { real: real.outcome, madeUp: madeUp.outcome, realAgain: realAgain.outcome };
  const cached = (evidence: string): CheckResult => ({
    id: 'cache.key-in-cache-key',
    status: 'FAIL',
    cause: 'cached-response',
    evidence: `${evidence} (${seen})`,
    action:
      "turn caching off for /Thingworx on the load balancer, CDN or proxy in front of ThingWorx (or make it vary on the appKey header); it hands one caller's answer to another",
    details,
  });
  if (madeUp.outcome === 'accepted') {
    return cached(
      'a made-up key was answered like the real one: a cache in front stores answers without the key in its cache key',
    );
  }
  if (madeUp.outcome === 'denied' && madeUp.diagnosis.cause === 'cached-response') {
    return cached('the made-up key got a cached answer');
  }
  if (replayed) {
    return cached(
      "after the made-up key's 401 the real key was refused with that very answer (same status and Date, over a second later): a cache in front replays authentication answers to valid keys",
    );
  }
  const clean =
    real.outcome === 'accepted' &&
    realAgain.outcome === 'accepted' &&
    madeUp.outcome === 'denied' &&
    madeUp.diagnosis.cause === 'invalid-key';
  if (clean) {
    return {
      id: 'cache.key-in-cache-key',
      status: 'ok',
      evidence: `the made-up key was refused and the real key accepted, before and after it (${seen})`,
      details,
    };
  }
  return {
    id: 'cache.key-in-cache-key',
    status: 'skip',
    evidence: `cannot tell: the real key was not accepted both times (${seen}); see key`,
    details,
  };
}

function cacheHeaderText(headers: Readonly<Record<string, string>>): string {
  return ['age', 'x-cache', 'x-cache-status', 'cf-cache-status']
    .filter((name) => headers[name] !== undefined)
    .map((name) => `${name}: ${headers[name]}`)
    .join(', ');
}
