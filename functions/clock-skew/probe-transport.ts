// The skew monitor's HTTP adapter: one keep-alive connection per origin, a send timed to the microsecond
// on the measurement clock, and the receive time stamped when the response head arrives (the Date was
// stamped before the head left the server; the body, if any, only has to be drained).
//
// A target behind the endpoint's forward proxy is measured through it: the origin's one connection is a
// CONNECT tunnel, opened before the first bracket and kept alive like a direct socket, so the CONNECT
// exchange never falls inside a measured interval. The relay does lengthen every round trip; the
// interval method turns that into a wider bound, never a wrong offset (the true offset stays inside
// [S − t_recv, S + 1 s − t_send) whatever the delays). A refused CONNECT fails the probe: the proxy's own
// Date is not the target's clock.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { describeUrl, errorCode, flattenHeaders, tunnelTlsOptions } from '../endpoint/http-request.js';
import { type ProxyCredentials, type ProxyRoute, proxyFor } from '../endpoint/proxy-route.js';
import { openTunnel } from '../endpoint/proxy-tunnel.js';
import { secureContextFor } from '../endpoint/tls-trust.js';
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
  /** Extra CA (PEM) for a private or self-signed certificate, trusted in addition to Node's roots. */
  readonly caCertificatePem?: string;
  /** More extra CAs (PEM certificates), e.g. the endpoint's configured ones. @default [] */
  readonly extraCaPems?: readonly string[];
  /** Forward proxy for targets NO_PROXY does not exempt. @default - direct connections */
  readonly proxy?: ProxyRoute;
  /** The proxy's credentials, asked once per tunnel. @default - none (an open proxy) */
  readonly proxyCredentials?: () => Promise<ProxyCredentials | undefined>;
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

  const secureContext = secureContextFor([
    ...(options.extraCaPems ?? []),
    ...(options.caCertificatePem ? [options.caCertificatePem] : []),
  ]);
  const agentFor = (url: URL): http.Agent => {
    let agent = agents.get(url.origin);
    if (!agent) {
      // One socket per origin, kept alive between probes: no connect or TLS handshake inside a bracket.
      const proxyUrl = proxyFor(url, options.proxy);
      agent = proxyUrl
        ? tunnelAgent(url, proxyUrl, secureContext, options.proxyCredentials)
        : url.protocol === 'https:'
          ? new https.Agent({ keepAlive: true, maxSockets: 1, ...(secureContext ? { secureContext } : {}) })
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

/**
 * A keep-alive agent whose one connection is a CONNECT tunnel through the proxy (TLS to the target
 * inside it for https). Node lets an agent hand its socket to a callback: "by passing the socket/stream
 * to callback" (https://nodejs.org/api/http.html#agentcreateconnectionoptions-callback).
 */
function tunnelAgent(
  target: URL,
  proxyUrl: URL,
  secureContext: tls.SecureContext | undefined,
  proxyCredentials: (() => Promise<ProxyCredentials | undefined>) | undefined,
): http.Agent {
  const isHttps = target.protocol === 'https:';
  // The agent's protocol must be the target's (Node refuses an http agent for an https request).
  const agent = isHttps
    ? new https.Agent({ keepAlive: true, maxSockets: 1 })
    : new http.Agent({ keepAlive: true, maxSockets: 1 });
  const authority = `${target.hostname}:${target.port || (isHttps ? 443 : 80)}`;
  Object.assign(agent, {
    createConnection: (_options: unknown, callback: (error: Error | null, socket?: Socket) => void) => {
      void (async () => {
        const credentials = await proxyCredentials?.();
        const tunnel = await openTunnel({
          proxyUrl,
          authority,
          ...(credentials ? { credentials } : {}),
          ...(secureContext ? { secureContext } : {}),
          signal: AbortSignal.timeout(30_000),
        });
        if ('refusal' in tunnel) {
          throw new Error(
            `proxy ${proxyUrl.origin} answered ${tunnel.refusal.status} to CONNECT ${authority}; no Date of the target`,
          );
        }
        if (!isHttps) return tunnel.socket as Socket;
        return tls.connect(tunnelTlsOptions(target, tunnel.socket, secureContext));
      })().then(
        (socket) => callback(null, socket),
        (error: Error) => callback(error),
      );
      return undefined;
    },
  });
  return agent;
}
