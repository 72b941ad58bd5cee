// One HTTP exchange over node:http/https with a hard timeout and a response size cap, plus the URL
// policy (HTTPS except loopback). Redirects are never followed: following one would send the key
// header to whatever host the Location names.
import http from 'node:http';
import https from 'node:https';
import { EndpointUnreachableError, InsecureEndpointError, ResponseTooLargeError } from './errors.js';

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Extra trust anchor (PEM) for a private or self-signed server certificate. */
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
export function assertSecureUrl(url: URL): void {
  if (url.username !== '' || url.password !== '') {
    throw new InsecureEndpointError(
      `endpoint ${describeUrl(url)} has credentials in the URL; URLs end up in logs, so credentials go in headers only`,
    );
  }
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return;
  throw new InsecureEndpointError(
    `endpoint ${describeUrl(url)} is not HTTPS; plain HTTP is only allowed for loopback hosts ` +
      '(localhost, 127.0.0.0/8, ::1) because the app key travels in a request header',
  );
}

export const nodeHttpTransport: HttpTransport = (request) =>
  new Promise<HttpResponse>((resolve, reject) => {
    const target = `${request.method} ${describeUrl(request.url)}`;
    let settled = false;
    const finish = (outcome: { response: HttpResponse } | { error: Error }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if ('error' in outcome) {
        req.destroy();
        reject(outcome.error);
      } else {
        resolve(outcome.response);
      }
    };

    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const options: https.RequestOptions = { method: request.method, headers };
    if (request.caCertificatePem !== undefined) options.ca = request.caCertificatePem;
    const transport = request.url.protocol === 'https:' ? https : http;

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

    const timer = setTimeout(() => {
      finish({
        error: new EndpointUnreachableError(
          `${target}: no complete answer within ${request.timeoutMs} ms`,
          'timeout',
        ),
      });
    }, request.timeoutMs);

    req.on('error', (error) => {
      finish({
        error: new EndpointUnreachableError(`${target}: ${errorCode(error)}`, 'network', { cause: error }),
      });
    });
    req.end(request.body);
  });

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
