// Check 5, permission and content negotiation, read from the key check's first probe of the stream
// service: ServiceInvoke allowed (403 "Not authorized" is `permission-denied` by the sync's rule), JSON
// answered to `Accept: application/json` (an HTML page means a gateway or a lost header), and the request's
// Content-Type accepted (a 403 naming it, or 415, is `content-type-rejected`).
import { CAUSE_GUIDE } from '../../../functions/endpoint/cause-guide.js';
import type { ProbeResult } from '../../../functions/endpoint/thingworx-client.js';
import type { DoctorContext } from './context.js';
import { skipped } from './key-check.js';
import type { CheckResult } from './report.js';

/** `probe` is judged; `all` (every probe of the real key) shows a permission that comes and goes. */
export function checkPermission(
  ctx: DoctorContext,
  probe: ProbeResult,
  all: readonly ProbeResult[] = [probe],
): CheckResult[] {
  const { thing, service } = ctx.settings;
  const on = `ServiceInvoke on ${service} in ${thing}`;
  const refused = all.filter((p) => p.outcome === 'denied' && p.diagnosis.cause === 'permission-denied');
  const allowed = all.filter((p) => p.outcome === 'accepted');
  if (refused.length > 0 && allowed.length > 0) {
    return [
      {
        id: 'permission.invoke',
        status: 'FAIL',
        cause: 'permission-denied',
        evidence: `intermittent: ${on} allowed ${allowed.length} times and refused ${refused.length} times (HTTP 403 "Not authorized") by the same address`,
        action:
          'servers of a load-balanced pool disagree about the permission (one lacks the grant), or a layer in front flaps: compare the servers behind the address',
      },
      { id: 'content.json', status: 'ok', evidence: 'application/json answered to Accept: application/json' },
      { id: 'content.type', status: 'ok', evidence: 'Content-Type: application/json accepted' },
    ];
  }
  if (probe.outcome === 'accepted') {
    return [
      { id: 'permission.invoke', status: 'ok', evidence: `${on}: allowed` },
      { id: 'content.json', status: 'ok', evidence: 'application/json answered to Accept: application/json' },
      { id: 'content.type', status: 'ok', evidence: 'Content-Type: application/json accepted' },
    ];
  }
  if (probe.outcome === 'denied') {
    const { cause, evidence, action } = probe.diagnosis;
    if (cause === 'permission-denied') {
      return [
        {
          id: 'permission.invoke',
          status: 'FAIL',
          cause,
          evidence: `${on}: refused, HTTP ${evidence.status} (${evidence.bodySnippet ?? 'no body'})`,
          action:
            `${action}. ThingWorx sometimes answers 403 instead of 404 for a Thing that does not exist: check that ` +
            `${thing} is the Thing's exact name too`,
        },
        skipped('content.json', 'the service did not run'),
        {
          id: 'content.type',
          status: 'ok',
          evidence: 'Content-Type: application/json accepted (the 403 is about permission)',
        },
      ];
    }
    if (cause === 'content-type-rejected') {
      return [
        skipped('permission.invoke', 'the request was refused before the service'),
        skipped('content.json', 'the service did not run'),
        {
          id: 'content.type',
          status: 'FAIL',
          cause,
          evidence: `${CAUSE_GUIDE[cause].meaning}: HTTP ${evidence.status} (${evidence.bodySnippet ?? 'no body'})`,
          action,
        },
      ];
    }
    if (evidence.signals.some((s) => /HTML/.test(s))) return htmlInsteadOfJson(evidence.signals.join('; '));
    return [
      skipped('permission.invoke', `the key was refused (${cause})`),
      skipped('content.json', `the key was refused (${cause})`),
      skipped('content.type', `the key was refused (${cause})`),
    ];
  }
  if (probe.reason === 'invalid-response' && /expected application\/json/.test(probe.message)) {
    return htmlInsteadOfJson(probe.message);
  }
  if (probe.reason === 'endpoint-http-error' && /answered 404/.test(probe.message)) {
    return [
      {
        id: 'permission.invoke',
        status: 'FAIL',
        evidence: `${probe.message}: there is no Thing ${thing}, or it has no service ${service}`,
        action: 'check --thing and --service (endpoint.thing, endpoint.service): names are case-sensitive',
      },
      skipped('content.json', 'the service was not found'),
      skipped('content.type', 'the service was not found'),
    ];
  }
  return [
    { id: 'permission.invoke', status: 'FAIL', evidence: `the service call failed: ${probe.message}` },
    skipped('content.json', 'the service call failed'),
    skipped('content.type', 'the service call failed'),
  ];
}

function htmlInsteadOfJson(evidence: string): CheckResult[] {
  return [
    skipped('permission.invoke', 'the answer was not the service'),
    {
      id: 'content.json',
      status: 'FAIL',
      evidence: `an HTML page answered the service call sent with Accept: application/json (${evidence})`,
      action:
        'a gateway answers instead of ThingWorx, or drops the Accept header on the way (ThingWorx answers HTML without it): let Accept through',
    },
    skipped('content.type', 'the answer was not the service'),
  ];
}
