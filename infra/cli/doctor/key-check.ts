// Check 4, the key: accepted, or which refusal (the sync's diagnosis, diagnose.ts), asked a few times so
// a server pool that disagrees about the key, or an auth layer that flaps, shows as what it is; then its
// expiry, from the key file's expiresAt and the server's GetExpirationDate (server-expiry.ts), judged as
// the run's expiry report judges it (expiry-report.ts).
import { findExpiry } from '../../../functions/app-key/expiry-report.js';
import type { AppKey } from '../../../functions/app-key/key-source.js';
import { askServerForExpiry, type ServerExpiryAnswer } from '../../../functions/app-key/server-expiry.js';
import { type AccessDeniedCause, CAUSE_GUIDE } from '../../../functions/endpoint/cause-guide.js';
import type { ProbeResult } from '../../../functions/endpoint/thingworx-client.js';
import type { DoctorContext } from './context.js';
import type { CheckResult } from './report.js';
import { describeProbe, probeStream } from './service-probes.js';

export interface KeyFindings {
  readonly results: CheckResult[];
  /** The first probe: the permission and content checks judge it. */
  readonly first: ProbeResult;
  /** Every probe of the real key, the earlier ones included. */
  readonly probes: readonly ProbeResult[];
  /** The server authenticated the key (200, or a 403 that is about something else). */
  readonly authenticated: boolean;
}

/** Probes of the key: enough to see a pool that disagrees or a flapping layer, cheap enough to always run. */
export const KEY_PROBES = 4;
/** As the key-expiry alarm (infra/aws/key-alarms.ts KEY_EXPIRY_ALARM_DAYS; a unit test keeps them equal). */
export const KEY_EXPIRY_WARN_DAYS = 7;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** ThingWorx gives a key created without an expiration date 24 hours of life. */
const DEFAULT_KEY_LIFE_MS = DAY_MS;
/** A 403 with these causes was answered to an authenticated key: it is about permission or content. */
const AUTHENTICATED_DENIALS: ReadonlySet<AccessDeniedCause> = new Set([
  'permission-denied',
  'content-type-rejected',
]);
/** These mean something else answered; the key's verdict waits for the proxy or cache to be fixed. */
const NOT_THE_SERVER: ReadonlySet<AccessDeniedCause> = new Set(['proxy-auth', 'cached-response']);
const BARE_401 =
  'ThingWorx answers an unknown, revoked, expired (by its clock) or IP-not-allowed key alike with a bare 401; ' +
  'its SecurityLog.log says which';

/** `earlier`: the real key's probes made before (proxy and cache checks); they count too. */
export async function checkKey(
  ctx: DoctorContext,
  earlier: readonly ProbeResult[] = [],
): Promise<KeyFindings> {
  const probes: ProbeResult[] = [...earlier];
  for (let i = 0; i < KEY_PROBES; i++) probes.push(await probeStream(ctx));
  const first = probes[0] as ProbeResult;
  const accepted = probes.filter((p) => p.outcome === 'accepted' || isAuthenticatedDenial(p));
  const authenticated = accepted.length === probes.length;
  const results = [acceptedCheck(probes, accepted.length)];
  const key = await ctx.settings.keySource.get();
  results.push(
    authenticated ? await expiryCheck(ctx, key) : skipped('key.expiry', 'the key was not accepted'),
  );
  return { results, first, probes, authenticated };
}

function acceptedCheck(probes: readonly ProbeResult[], acceptedCount: number): CheckResult {
  const seen = `${acceptedCount} of ${probes.length} requests`;
  const refusals = probes.filter((p) => p.outcome !== 'accepted' && !isAuthenticatedDenial(p));
  const firstRefusal = refusals[0];
  if (!firstRefusal) {
    return {
      id: 'key.accepted',
      status: 'ok',
      evidence: `accepted: ${seen} authenticated (${describeProbe(probes[0] as ProbeResult)})`,
    };
  }
  if (firstRefusal.outcome !== 'denied') {
    return {
      id: 'key.accepted',
      status: 'FAIL',
      evidence: `no answer to judge the key by: ${describeProbe(firstRefusal)}`,
      action: 'fix what the network, proxy and permission lines say first',
    };
  }
  const { cause, evidence, action, meaning } = firstRefusal.diagnosis;
  if (NOT_THE_SERVER.has(cause)) {
    return skipped('key.accepted', `ThingWorx did not answer (${cause}); see proxy and cache`);
  }
  if (acceptedCount > 0) {
    return {
      id: 'key.accepted',
      status: 'FAIL',
      cause,
      evidence:
        `intermittent: ${seen} accepted the key, ${refusals.length} refused it (${cause}, HTTP ${evidence.status}): ` +
        'the same key is accepted and refused by the same address',
      action:
        'servers of a load-balanced pool disagree about the key (one lacks it, or has another clock), or an auth layer in front flaps: ' +
        'compare the servers behind the address and their SecurityLog.log; point the sync at one server until they agree',
    };
  }
  return {
    id: 'key.accepted',
    status: 'FAIL',
    cause,
    evidence:
      `refused: ${cause}, ${evidence.status === undefined ? 'refused before sending' : `HTTP ${evidence.status}`}: ${meaning}` +
      (evidence.signals.length > 0 ? ` (${evidence.signals.join('; ')})` : '') +
      (cause === 'invalid-key' ? `. ${BARE_401}` : ''),
    action,
  };
}

async function expiryCheck(ctx: DoctorContext, key: AppKey): Promise<CheckResult> {
  const keyName = key.keyName ?? ctx.settings.keyName;
  const named: AppKey = keyName ? { ...key, keyName } : key;
  // Asked even when the file gives expiresAt: the two must agree, or the alarm watches the wrong date.
  const server: ServerExpiryAnswer | undefined = keyName
    ? await askServerForExpiry(ctx.client, keyName)
    : undefined;
  const finding = findExpiry(named, server ?? { kind: 'failed', message: 'not asked' }, undefined);
  if (finding.status !== 'known') {
    const why = finding.why;
    return {
      id: 'key.expiry',
      status: 'WARN',
      evidence: `expiry unknown: ${why}. ThingWorx keys live 24 h unless created with an expiration date`,
      action:
        'add "expiresAt" to the key file or secret, or name the key (--key-name, the secret\'s "keyName") and grant its user GetExpirationDate, so the expiry alarm has data',
    };
  }
  const nowMs = Date.now();
  const leftMs = finding.expiresAtMs - nowMs;
  const disagree =
    key.expiresAt !== undefined &&
    server?.kind === 'expires' &&
    Math.abs(key.expiresAt.getTime() - server.expiresAtMs) > 60_000;
  const sources = [
    key.expiresAt
      ? `the key file's expiresAt${disagree ? ` ${key.expiresAt.toISOString()}` : ''}`
      : undefined,
    server?.kind === 'expires'
      ? `the server's GetExpirationDate${disagree ? ` ${new Date(server.expiresAtMs).toISOString()}` : ''}`
      : undefined,
  ].filter((s): s is string => s !== undefined);
  const left =
    leftMs >= DAY_MS * 2 ? `${(leftMs / DAY_MS).toFixed(1)} days` : `${(leftMs / HOUR_MS).toFixed(1)} h`;
  const evidence = `expires ${new Date(finding.expiresAtMs).toISOString()}, in ${left} (${sources.join(' and ')}${sources.length > 1 && !disagree ? ' agree' : ''})`;
  const details = { expiresAt: new Date(finding.expiresAtMs).toISOString(), daysLeft: leftMs / DAY_MS };
  if (leftMs <= 0) {
    return {
      id: 'key.expiry',
      status: 'FAIL',
      cause: 'expired-key',
      evidence,
      action: CAUSE_GUIDE['expired-key'].action,
      details,
    };
  }
  if (disagree) {
    return {
      id: 'key.expiry',
      status: 'WARN',
      evidence: `${evidence}: the two disagree`,
      action:
        'put the server\'s expiration date in the secret\'s "expiresAt": the expiry alarm reads the secret first',
      details,
    };
  }
  if (leftMs <= KEY_EXPIRY_WARN_DAYS * DAY_MS) {
    const defaultLife = leftMs <= DEFAULT_KEY_LIFE_MS;
    return {
      id: 'key.expiry',
      status: 'WARN',
      evidence: `${evidence}: within ${KEY_EXPIRY_WARN_DAYS} days${defaultLife ? ', as a ThingWorx key created without an expiration date (24 h life)' : ''}`,
      action:
        'create the key with an expiration date that fits your rotation, or let syncwarden rotate it (README: Rotate the key automatically)',
      details,
    };
  }
  return { id: 'key.expiry', status: 'ok', evidence, details };
}

function isAuthenticatedDenial(probe: ProbeResult): boolean {
  return probe.outcome === 'denied' && AUTHENTICATED_DENIALS.has(probe.diagnosis.cause);
}

export function skipped(id: string, why: string): CheckResult {
  return { id, status: 'skip', evidence: `not checked: ${why}` };
}
