// The keyed requests the key, permission and content checks judge: the stream service probed with the
// sync's own client (`probe()`: one request, no retries, the diagnosis of the sync's runtime rules),
// asking for one row so a probe costs the server next to nothing.
import type { ProbeResult, ThingWorxClient } from '../../../functions/endpoint/thingworx-client.js';
import type { DoctorContext } from './context.js';

/** The smallest real question to the stream service: its oldest entry. */
export const ONE_ROW = Object.freeze({ maxItems: 1, oldestFirst: true });

export function probeStream(ctx: DoctorContext, client: ThingWorxClient = ctx.client): Promise<ProbeResult> {
  return client.probe({ thing: ctx.settings.thing, service: ctx.settings.service, params: ONE_ROW });
}

/** `accepted (HTTP 200)`, `denied invalid-key (HTTP 401)`, `failed: <message>`: for evidence. */
export function describeProbe(result: ProbeResult): string {
  if (result.outcome === 'accepted') return `accepted (HTTP ${result.status})`;
  if (result.outcome === 'denied') {
    const status = result.diagnosis.evidence.status;
    return `denied ${result.diagnosis.cause} (${status === undefined ? 'refused before sending' : `HTTP ${status}`})`;
  }
  return `failed: ${result.message}`;
}
