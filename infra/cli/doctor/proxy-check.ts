// Check 2, proxy: a 407, Proxy-Authenticate, a login page or a login redirect in front of ThingWorx, by
// the sync's own rule (diagnose.ts names them `proxy-auth`), and any Via header on the answers.
import { CAUSE_GUIDE } from '../../../functions/endpoint/cause-guide.js';
import type { ProbeResult } from '../../../functions/endpoint/thingworx-client.js';
import type { DoctorContext } from './context.js';
import type { NetworkFindings } from './network-check.js';
import type { CheckResult } from './report.js';

export interface ProxyFindings {
  readonly result: CheckResult;
  /** Something other than ThingWorx answers: checks of the server's own answers are skipped. */
  readonly blocked: boolean;
}

export function checkProxy(ctx: DoctorContext, network: NetworkFindings, keyed: ProbeResult): ProxyFindings {
  const proxyNote = ctx.settings.proxy ? `through the proxy ${ctx.settings.proxy.url.origin}` : 'direct';
  const refusal = network.tunnelRefusal;
  if (refusal) {
    const wantsAuth = refusal.status === 407;
    return {
      blocked: true,
      result: {
        id: 'proxy.auth',
        status: 'FAIL',
        cause: wantsAuth ? 'proxy-auth' : 'proxy-refused',
        evidence: `the proxy ${ctx.settings.proxy?.url.origin} answered CONNECT with ${refusal.status}${
          refusal.proxyAuthenticate ? ` (Proxy-Authenticate: ${refusal.proxyAuthenticate})` : ''
        }`,
        action: wantsAuth
          ? 'put the proxy\'s username and password in the key\'s secret ("proxy": {"username", "password"}), or have the proxy let this host through'
          : 'allow this host on the proxy, or list it in NO_PROXY',
      },
    };
  }
  const diagnoses = [
    keyed.outcome === 'denied' ? keyed.diagnosis : undefined,
    network.keyless?.diagnosis,
  ].filter((d) => d?.cause === 'proxy-auth');
  const first = diagnoses[0];
  if (first) {
    return {
      blocked: true,
      result: {
        id: 'proxy.auth',
        status: 'FAIL',
        cause: 'proxy-auth',
        evidence: `${CAUSE_GUIDE['proxy-auth'].meaning}: ${first.evidence.signals.join('; ')} (${first.evidence.request})`,
        action: CAUSE_GUIDE['proxy-auth'].action,
      },
    };
  }
  if (keyed.outcome === 'failed' && keyed.reason === 'proxy-refused') {
    return {
      blocked: true,
      result: {
        id: 'proxy.auth',
        status: 'FAIL',
        cause: 'proxy-refused',
        evidence: keyed.message,
        action: 'allow this host on the proxy, or list it in NO_PROXY',
      },
    };
  }
  const vias = [...new Set(ctx.exchanges.map((e) => e.headers.via).filter((v): v is string => Boolean(v)))];
  return {
    blocked: false,
    result: {
      id: 'proxy.auth',
      status: 'ok',
      evidence:
        vias.length > 0
          ? `${proxyNote}; a proxy or gateway answers in front of ThingWorx (Via: ${vias.join(' | ')}), without asking for credentials or showing a login page`
          : `${proxyNote}; no 407, Proxy-Authenticate, Via or login page on ${ctx.exchanges.length} answers`,
      details: { via: vias },
    },
  };
}
