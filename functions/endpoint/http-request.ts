// One HTTP exchange over node:http/https with a hard timeout and a response size cap, directly or
// through a CONNECT proxy, trusting Node's roots plus any extra CAs; plus the URL policy (HTTPS except
// loopback). Redirects are never followed: following one would send the key header to whatever host
// the Location names.
import http from 'node:http';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { EndpointUnreachableError, InsecureEndpointError, ResponseTooLargeError } from './errors.js';
import { type ProxyCredentials, type ProxyRoute, proxyFor } from './proxy-route.js';
import { openTunnel, ProxyRefusedError, type TunnelRefusal, type TunnelResult } from './proxy-tunnel.js';
import { parsePemCertificates, secureContextFor } from './tls-trust.js';

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Extra CA (PEM) for a private or self-signed server certificate, trusted in addition to Node's roots. */
  readonly caCertificatePem?: string;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The seam the client talks through; tests of retry logic pass a scripted one. */
export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

/** `origin + path`, never the query: what may appear in logs and error messages. */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Throws `InsecureEndpointError` unless the URL is HTTPS, or HTTP to a loopback host, without credentials. */
/** HTTPS, or plain HTTP to a loopback host: the only schemes an app key header may travel over. */
export function carriesKeySafely(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

export function assertSecureUrl(url: URL): void {
  if (url.username !== '' || url.password !== '') {
    throw new InsecureEndpointError(
      `endpoint ${describeUrl(url)} has credentials in the URL; URLs end up in logs, so credentials go in headers only`,
    );
  }
  if (carriesKeySafely(url)) return;
  throw new InsecureEndpointError(
    `endpoint ${describeUrl(url)} is not HTTPS; plain HTTP is only allowed for loopback hosts ` +
      '(localhost, 127.0.0.0/8, ::1) because the app key travels in a request header',
  );
}

/** What comes with the app key and belongs to the connection: the proxy's credentials and extra CAs. */
export interface ConnectionSecrets {
  readonly proxyCredentials?: ProxyCredentials;
  /** PEM of extra CAs, from the secret. */
  readonly caCertificatesPem?: string;
}

export interface NodeHttpTransportOptions {
  /** Forward proxy (CONNECT) for every host NO_PROXY does not exempt. @default - direct connections */
  readonly proxy?: ProxyRoute;
  /** Extra CAs (PEM certificates) from configuration, trusted in addition to Node's roots. @default [] */
  readonly extraCaPems?: readonly string[];
  /**
   * Read before each request (a cached key source answers from memory): the secret's proxy credentials
   * and CAs, so a password changed in the secret is used once the key cache picks it up.
   */
  readonly connectionSecrets?: () => Promise<ConnectionSecrets>;
}

/**
 * The node:http/https transport. Through a proxy, each request opens its own CONNECT tunnel and runs
 * TLS to the server inside it (the proxy sees only `host:port`); a 407 from the proxy is answered as
 * the response, so the client's diagnosis names it `proxy-auth`.
 */
export function createNodeHttpTransport(options: NodeHttpTransportOptions = {}): HttpTransport {
  return async (request) => {
    const target = `${request.method} ${describeUrl(request.url)}`;
    const controller = new AbortController();
    const timedOut = () =>
      new EndpointUnreachableError(`${target}: no complete answer within ${request.timeoutMs} ms`, 'timeout');
    const timer = setTimeout(() => controller.abort(), request.timeoutMs);
    try {
      const secrets = options.connectionSecrets ? await options.connectionSecrets() : {};
      const extraCaPems = [
        ...(options.extraCaPems ?? []),
        ...(secrets.caCertificatesPem
          ? parsePemCertificates('caCertificatesPem (secret)', secrets.caCertificatesPem)
          : []),
        ...(request.caCertificatePem ? [request.caCertificatePem] : []),
      ];
      const secureContext = secureContextFor(extraCaPems);
      const proxyUrl = proxyFor(request.url, options.proxy);
      if (!proxyUrl) return await exchange(request, target, { secureContext }, controller.signal, timedOut);

      const authority = authorityOf(request.url);
      const via = `${target} via proxy ${proxyUrl.origin}`;
      let tunnel: TunnelResult;
      try {
        tunnel = await openTunnel({
          proxyUrl,
          authority,
          ...(secrets.proxyCredentials ? { credentials: secrets.proxyCredentials } : {}),
          ...(secureContext ? { secureContext } : {}),
          signal: controller.signal,
        });
      } catch (error) {
        if (controller.signal.aborted) throw timedOut();
        throw new EndpointUnreachableError(`${via}: ${errorCode(error as Error)}`, 'network', {
          cause: error,
        });
      }
      if ('refusal' in tunnel) return refusalAnswer(tunnel.refusal, `${via}: CONNECT ${authority}`);
      return await exchange(
        request,
        via,
        { secureContext, tunnel: tunnel.socket },
        controller.signal,
        timedOut,
      );
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Direct connections, Node's roots plus the request's `caCertificatePem`. */
export const nodeHttpTransport: HttpTransport = createNodeHttpTransport();

/** `host:port` as CONNECT names it, the port always given (RFC 9110 §9.3.6). */
function authorityOf(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
}

/**
 * A 407 is the proxy's answer to give the client (its Proxy-Authenticate names the scheme); a 5xx means
 * the proxy could not reach the server, retried like a network failure; any other refusal (403: the
 * destination is not allowed) is final.
 */
function refusalAnswer(refusal: TunnelRefusal, what: string): HttpResponse {
  if (refusal.status === 407) return { status: 407, headers: refusal.headers, body: '' };
  if (refusal.status >= 500 || refusal.status === 0) {
    throw new EndpointUnreachableError(`${what}: the proxy answered ${refusal.status}`, 'network');
  }
  throw new ProxyRefusedError(
    `${what}: the proxy refused the tunnel with ${refusal.status}; allow this host on the proxy or list it in NO_PROXY`,
    refusal.status,
  );
}

interface Connection {
  readonly secureContext: tls.SecureContext | undefined;
  /** An open CONNECT tunnel to run the exchange over; absent for a direct connection. */
  readonly tunnel?: Duplex;
}

function exchange(
  request: HttpRequest,
  target: string,
  connection: Connection,
  signal: AbortSignal,
  timedOut: () => Error,
): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: { response: HttpResponse } | { error: Error }) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if ('error' in outcome) {
        req.destroy();
        connection.tunnel?.destroy();
        reject(outcome.error);
      } else {
        resolve(outcome.response);
      }
    };
    const onAbort = () => finish({ error: timedOut() });
    if (signal.aborted) {
      reject(timedOut());
      connection.tunnel?.destroy();
      return;
    }
    signal.addEventListener('abort', onAbort);

    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const isHttps = request.url.protocol === 'https:';
    const options: https.RequestOptions = { method: request.method, headers };
    const { tunnel } = connection;
    if (!tunnel && isHttps && connection.secureContext)
      options.agent = keepAliveAgentFor(connection.secureContext);
    if (tunnel) {
      // TLS to the server inside the tunnel: the proxy relays bytes it cannot read.
      options.createConnection = () =>
        isHttps
          ? tls.connect(tunnelTlsOptions(request.url, tunnel, connection.secureContext))
          : (tunnel as Socket);
    }
    const transport = isHttps ? https : http;

    const req = transport.request(request.url, options, (res) => {
      const tooLarge = () =>
        new ResponseTooLargeError(`${target}: response exceeds the ${request.maxResponseBytes}-byte cap`);
      const declaredBytes = Number(res.headers['content-length']);
      if (Number.isFinite(declaredBytes) && declaredBytes > request.maxResponseBytes) {
        finish({ error: tooLarge() });
        return;
      }
      const chunks: Buffer[] = [];
      let receivedBytes = 0;
      res.on('data', (chunk: Buffer) => {
        receivedBytes += chunk.length;
        if (receivedBytes > request.maxResponseBytes) finish({ error: tooLarge() });
        else chunks.push(chunk);
      });
      res.on('end', () => {
        finish({
          response: {
            status: res.statusCode ?? 0,
            headers: flattenHeaders(res.headers),
            body: Buffer.concat(chunks).toString('utf8'),
          },
        });
        // A tunnel carries one exchange; the direct case leaves the socket to the global agent.
        tunnel?.destroy();
      });
      res.on('error', (error) => {
        finish({
          error: new EndpointUnreachableError(
            `${target}: response cut short (${errorCode(error)})`,
            'network',
            {
              cause: error,
            },
          ),
        });
      });
      res.on('close', () => {
        if (!res.complete) {
          finish({ error: new EndpointUnreachableError(`${target}: response cut short`, 'network') });
        }
      });
    });

    req.on('error', (error) => {
      finish({
        error: new EndpointUnreachableError(`${target}: ${errorCode(error)}`, 'network', { cause: error }),
      });
    });
    req.end(request.body);
  });
}

// The global agent pools sockets by host and `ca`, not by secure context: an agent of its own per context
// keeps connections alive between pages without ever reusing one made under other trust.
const agents = new WeakMap<tls.SecureContext, https.Agent>();

function keepAliveAgentFor(secureContext: tls.SecureContext): https.Agent {
  let agent = agents.get(secureContext);
  if (!agent) {
    agent = new https.Agent({ keepAlive: true, secureContext });
    agents.set(secureContext, agent);
  }
  return agent;
}

/** TLS options for the server inside a tunnel: verified against the server's name, never the proxy's. */
export function tunnelTlsOptions(
  url: URL,
  socket: Duplex,
  secureContext: tls.SecureContext | undefined,
): tls.ConnectionOptions {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return {
    socket,
    host,
    // SNI carries host names only (RFC 6066 §3); an IP address is checked against the certificate's IP SANs.
    ...(net.isIP(host) === 0 ? { servername: host } : {}),
    ALPNProtocols: ['http/1.1'],
    ...(secureContext ? { secureContext } : {}),
  };
}

/** Node's header object as lower-case name → single string (repeated headers joined with ", "). */
export function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** A socket error as `CODE: message` (ECONNREFUSED, ETIMEDOUT, ...), the part an operator can act on. */
export function errorCode(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}
