// The skew monitor's HTTP adapter: one keep-alive connection per origin, a send timed to the microsecond
// on the measurement clock, and the receive time stamped when the response head arrives (the Date was
// stamped before the head left the server; the body, if any, only has to be drained).
import http from 'node:http';
import https from 'node:https';
import { describeUrl, errorCode, flattenHeaders } from '../endpoint/http-request.js';
import type { MeasurementClock } from './measurement-clock.js';

export interface ProbeRequest {
  readonly method: 'HEAD' | 'GET';
  readonly url: URL;
  /** When to put the request on the wire, on `clock`; sent at once when already past. */
  readonly sendAtMs: number;
  readonly timeoutMs: number;
}

export interface ProbeResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** `clock.nowMs()` just before the request was written: no byte of it left earlier. */
  readonly sentAtMs: number;
  /** `clock.nowMs()` when the response head had arrived: the server had answered by then. */
  readonly receivedAtMs: number;
}

/** Why a probe got no answer: `timeout` (no response head in time) or `unreachable` (connection failed). */
export class ProbeFailedError extends Error {
  constructor(
    message: string,
    readonly reason: 'unreachable' | 'timeout',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProbeFailedError';
  }
}

export interface ProbeTransport {
  probe(request: ProbeRequest, clock: MeasurementClock): Promise<ProbeResponse>;
  /** Closes the kept-alive connections. */
  close(): void;
}

export interface HttpProbeTransportOptions {
  /** Extra trust anchor (PEM) for a private or self-signed certificate. */
  readonly caCertificatePem?: string;
  /** A GET answer's body is drained up to this; past it the connection is dropped instead. @default 65536 */
  readonly maxDrainBytes?: number;
}

/** Headers of every probe: ask caches to revalidate, and never an app key (a 401 carries a Date too). */
const PROBE_HEADERS = Object.freeze({
  'cache-control': 'no-cache',
  pragma: 'no-cache',
  accept: '*/*',
  'user-agent': 'syncwarden-clock-skew',
});

export function createHttpProbeTransport(options: HttpProbeTransportOptions = {}): ProbeTransport {
  const maxDrainBytes = options.maxDrainBytes ?? 65_536;
  const agents = new Map<string, http.Agent>();
  let sequence = 0;

  const agentFor = (url: URL): http.Agent => {
    let agent = agents.get(url.origin);
    if (!agent) {
      // One socket per origin, kept alive between probes: no connect or TLS handshake inside a bracket.
      agent =
        url.protocol === 'https:'
          ? new https.Agent({
              keepAlive: true,
              maxSockets: 1,
              ...(options.caCertificatePem ? { ca: options.caCertificatePem } : {}),
            })
          : new http.Agent({ keepAlive: true, maxSockets: 1 });
      agents.set(url.origin, agent);
    }
    return agent;
  };

  return {
    probe: (request, clock) =>
      new Promise<ProbeResponse>((resolve, reject) => {
        const url = new URL(request.url);
        // A fresh query on every probe, so no cache can answer it from a stored copy.
        url.searchParams.set('syncwardenProbe', `${Date.now().toString(36)}.${(sequence++).toString(36)}`);
        const target = `${request.method} ${describeUrl(request.url)}`;
        const transport = url.protocol === 'https:' ? https : http;
        let timer: NodeJS.Timeout | undefined;
        let sentAtMs: number | undefined;
        let settled = false;
        const fail = (error: ProbeFailedError) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          req.destroy();
          reject(error);
        };

        const req = transport.request(url, {
          method: request.method,
          headers: PROBE_HEADERS,
          agent: agentFor(url),
        });
        req.on('error', (error) => {
          fail(new ProbeFailedError(`${target}: ${errorCode(error)}`, 'unreachable', { cause: error }));
        });
        req.once('socket', () => {
          // The socket is attached, so end() writes synchronously: stamp, then send.
          void clock.sleepUntil(request.sendAtMs).then(() => {
            if (settled) return;
            timer = setTimeout(() => {
              fail(new ProbeFailedError(`${target}: no answer within ${request.timeoutMs} ms`, 'timeout'));
            }, request.timeoutMs);
            sentAtMs = clock.nowMs();
            req.end();
          });
        });
        req.on('response', (res) => {
          const receivedAtMs = clock.nowMs();
          if (settled || sentAtMs === undefined) return;
          settled = true;
          clearTimeout(timer);
          const response: ProbeResponse = {
            status: res.statusCode ?? 0,
            headers: flattenHeaders(res.headers),
            sentAtMs,
            receivedAtMs,
          };
          // Drain the body so the connection can carry the next probe; drop it when the body is large.
          let drainedBytes = 0;
          res.on('data', (chunk: Buffer) => {
            drainedBytes += chunk.length;
            if (drainedBytes > maxDrainBytes) res.destroy();
          });
          res.on('error', () => {
            // the answer is in; a body cut short only costs the kept-alive connection
          });
          res.on('close', () => resolve(response));
        });
      }),
    close: () => {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}
