// Opens a CONNECT tunnel through a forward proxy (RFC 9110 §9.3.6): one request to the proxy naming
// `host:port`, authenticated with `Proxy-Authorization` when the secret carries credentials; on a 2xx
// the socket is a byte pipe to the server, over which the caller runs TLS to the server itself, so the
// proxy never sees the app key. Node's client API for it: the request's 'connect' event
// (https://nodejs.org/api/http.html#event-connect).

import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { SyncWardenError } from '../shared/errors.js';
import { flattenHeaders } from './http-request.js';
import type { ProxyCredentials } from './proxy-route.js';

/** The proxy answered the CONNECT with something other than 2xx (its status and headers, for diagnosis). */
export interface TunnelRefusal {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
}

export type TunnelResult = { readonly socket: Duplex } | { readonly refusal: TunnelRefusal };

/** The proxy refused the tunnel for a reason new credentials or a retry will not change (e.g. 403). */
export class ProxyRefusedError extends SyncWardenError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message, 'proxy-refused');
  }
}

export interface TunnelRequest {
  readonly proxyUrl: URL;
  /** `host:port` of the server; IPv6 hosts in brackets. */
  readonly authority: string;
  readonly credentials?: ProxyCredentials;
  /** Trust for an https:// proxy's own certificate. */
  readonly secureContext?: tls.SecureContext;
  readonly signal: AbortSignal;
}

export function openTunnel(request: TunnelRequest): Promise<TunnelResult> {
  return new Promise<TunnelResult>((resolve, reject) => {
    const headers: Record<string, string> = { host: request.authority };
    if (request.credentials) headers['proxy-authorization'] = request.credentials.authorization();
    const module = request.proxyUrl.protocol === 'https:' ? https : http;
    const req = module.request({
      protocol: request.proxyUrl.protocol,
      hostname: request.proxyUrl.hostname.replace(/^\[|\]$/g, ''),
      port: request.proxyUrl.port || (request.proxyUrl.protocol === 'https:' ? 443 : 80),
      method: 'CONNECT',
      path: request.authority,
      headers,
      // A tunnel is one connection for one exchange: no pooling, so no socket outlives its request.
      agent: false,
      signal: request.signal,
      ...(request.secureContext ? { secureContext: request.secureContext } : {}),
    });
    const refused = (res: http.IncomingMessage) => {
      res.resume();
      req.destroy();
      resolve({ refusal: { status: res.statusCode ?? 0, headers: flattenHeaders(res.headers) } });
    };
    req.once('connect', (res, socket, head) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        socket.destroy();
        resolve({ refusal: { status, headers: flattenHeaders(res.headers) } });
        return;
      }
      // Bytes the proxy sent past its answer belong to the server's side of the pipe.
      if (head.length > 0) socket.unshift(head);
      resolve({ socket });
    });
    // Some proxies answer a refused CONNECT as an ordinary response.
    req.once('response', refused);
    req.once('error', reject);
    req.end();
  });
}
