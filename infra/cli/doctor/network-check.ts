// Check 1, network and TLS: DNS, TCP connect, the certificate chain (the CA problem named), the HTTP
// versions the server offers, and one keyless GET of /Thingworx/ whose answer the proxy check reads too.
// A redirect is noted, never followed (following one would hand the key to another host).
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import { type Diagnosis, diagnose } from '../../../functions/endpoint/diagnose.js';
import { redactHeaderValue } from '../../../functions/endpoint/evidence.js';
import { describeUrl, errorCode, type HttpResponse } from '../../../functions/endpoint/http-request.js';
import { proxyFor } from '../../../functions/endpoint/proxy-route.js';
import { openTunnel } from '../../../functions/endpoint/proxy-tunnel.js';
import { secureContextFor } from '../../../functions/endpoint/tls-trust.js';
import type { DoctorContext } from './context.js';
import type { CheckResult } from './report.js';

export interface NetworkFindings {
  readonly results: CheckResult[];
  /** False when nothing further can reach the server: later families are skipped. */
  readonly reachable: boolean;
  /** The keyless GET's answer and its diagnosis by the sync's rules (proxy check). */
  readonly keyless?: { readonly response: HttpResponse; readonly diagnosis: Diagnosis };
  /** The proxy refused the CONNECT with this status (407: it wants credentials). */
  readonly tunnelRefusal?: { readonly status: number; readonly proxyAuthenticate?: string };
}

/** Node's verify-error codes, in words an operator can act on. */
const CERTIFICATE_PROBLEMS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server presents a self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed root Node does not trust (a private CA)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    'the issuing CA is not trusted here (a private or corporate CA, or a TLS-inspecting proxy)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'the server sends its certificate without the intermediate CA (an incomplete chain), or its CA is private',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  CERT_NOT_YET_VALID: 'the server certificate is not valid yet (check the clocks)',
};

export async function checkNetwork(ctx: DoctorContext): Promise<NetworkFindings> {
  const { endpoint, proxy, requestTimeoutMs } = ctx.settings;
  const results: CheckResult[] = [];
  const proxyUrl = proxyFor(endpoint, proxy);
  const hop = proxyUrl ?? endpoint;
  const hopHost = hop.hostname.replace(/^\[|\]$/g, '');
  const hopPort = Number(hop.port || (hop.protocol === 'https:' ? 443 : 80));
  const through = proxyUrl ? ` (the proxy ${proxyUrl.origin}; it resolves ${endpoint.hostname})` : '';

  // DNS
  if (net.isIP(hopHost) !== 0) {
    results.push({ id: 'network.dns', status: 'ok', evidence: `${hopHost} is an address: no lookup needed` });
  } else {
    try {
      const addresses = await lookup(hopHost, { all: true });
      results.push({
        id: 'network.dns',
        status: 'ok',
        evidence: `${hopHost}${through} resolves to ${addresses.map((a) => a.address).join(', ')}`,
      });
    } catch (error) {
      results.push({
        id: 'network.dns',
        status: 'FAIL',
        evidence: `${hopHost} does not resolve (${errorCode(error as Error)})`,
        action: 'check the host name, and the DNS this machine (or the Lambda) uses',
      });
      return { results, reachable: false };
    }
  }

  // TCP connect
  const connectStartMs = performance.now();
  let socket: net.Socket;
  try {
    socket = await connect(hopHost, hopPort, requestTimeoutMs);
  } catch (error) {
    results.push({
      id: 'network.connect',
      status: 'FAIL',
      evidence: `cannot connect to ${hopHost}:${hopPort}${through}: ${(error as Error).message}`,
      action: 'check the port, firewalls and security groups between here and the server (or the proxy)',
    });
    return { results, reachable: false };
  }
  const connectMs = performance.now() - connectStartMs;
  socket.destroy();
  results.push({
    id: 'network.connect',
    status: 'ok',
    evidence: `TCP connect to ${hopHost}:${hopPort}${through} in ${connectMs.toFixed(1)} ms`,
    details: { connectMs },
  });

  // TLS (and the HTTP versions the server offers by ALPN)
  const secureContext = secureContextFor(ctx.settings.extraCaPems);
  let tunnelRefusal: NetworkFindings['tunnelRefusal'];
  if (endpoint.protocol === 'https:') {
    const tlsResult = await tlsFacts(ctx, proxyUrl, secureContext);
    if ('refusal' in tlsResult) tunnelRefusal = tlsResult.refusal;
    else results.push(tlsResult.result);
    if ('result' in tlsResult && tlsResult.result.status === 'FAIL') return { results, reachable: false };
  } else {
    results.push({
      id: 'network.tls',
      status: 'ok',
      evidence: `plain HTTP to the loopback host ${endpoint.hostname} (HTTPS is required for any other host)`,
    });
  }

  // One keyless GET through the same transport the sync uses: status, redirect, what answers.
  const url = new URL(endpoint.href);
  url.pathname = `${endpoint.pathname.replace(/\/+$/, '')}/Thingworx/`;
  let response: HttpResponse;
  try {
    response = await ctx.transport({
      method: 'GET',
      url,
      headers: { Accept: 'application/json', 'Cache-Control': 'no-cache, no-store', Pragma: 'no-cache' },
      timeoutMs: requestTimeoutMs,
      maxResponseBytes: 1024 * 1024,
    });
  } catch (error) {
    results.push({
      id: 'network.http',
      status: 'FAIL',
      evidence: `GET ${describeUrl(url)} got no answer: ${(error as Error).message}`,
      action: 'check that the server (or the proxy) speaks HTTP on this port and answers within the timeout',
    });
    return { results, reachable: false, ...(tunnelRefusal ? { tunnelRefusal } : {}) };
  }
  const key = await ctx.settings.keySource.get();
  const diagnosis = diagnose({
    target: endpoint.host,
    request: `GET ${describeUrl(url)}`,
    response,
    keyUsed: key,
    nowMs: Date.now(),
    clockSkewToleranceMs: 60_000,
  });
  const location = response.headers.location;
  const redirected = response.status >= 300 && response.status < 400;
  results.push({
    id: 'network.http',
    status: redirected ? 'WARN' : 'ok',
    evidence:
      `HTTP/1.1: GET ${url.pathname} without a key answered ${response.status}` +
      (redirected
        ? `, a redirect to ${location ? redactHeaderValue('location', location, { keys: [key] }) : 'nowhere'} (not followed)`
        : ', no redirect'),
    ...(redirected
      ? {
          action:
            'point --endpoint (endpoint.baseUrl) at the URL the redirect names, if it is the server; a redirect to a login page is a gateway (see proxy)',
        }
      : {}),
    details: { status: response.status },
  });
  return {
    results,
    reachable: true,
    keyless: { response, diagnosis },
    ...(tunnelRefusal ? { tunnelRefusal } : {}),
  };
}

function connect(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection within ${timeoutMs} ms (ETIMEDOUT)`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(errorCode(error)));
    });
  });
}

/**
 * A TLS handshake that does not give up on a bad certificate, so the problem can be named: Node's
 * verification result (`authorizationError`) and the name check are read after the handshake.
 */
async function tlsFacts(
  ctx: DoctorContext,
  proxyUrl: URL | undefined,
  secureContext: tls.SecureContext | undefined,
): Promise<{ result: CheckResult } | { refusal: NonNullable<NetworkFindings['tunnelRefusal']> }> {
  const { endpoint, requestTimeoutMs } = ctx.settings;
  const host = endpoint.hostname.replace(/^\[|\]$/g, '');
  const port = Number(endpoint.port || 443);
  let underlying: net.Socket | undefined;
  if (proxyUrl) {
    const key = await ctx.settings.keySource.get();
    const tunnel = await openTunnel({
      proxyUrl,
      authority: `${host}:${port}`,
      ...(key.proxyCredentials ? { credentials: key.proxyCredentials } : {}),
      ...(secureContext ? { secureContext } : {}),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    if ('refusal' in tunnel) {
      const proxyAuthenticate = tunnel.refusal.headers['proxy-authenticate'];
      return {
        refusal: { status: tunnel.refusal.status, ...(proxyAuthenticate ? { proxyAuthenticate } : {}) },
      };
    }
    underlying = tunnel.socket as net.Socket;
  }
  return new Promise((resolve) => {
    const socket = tls.connect({
      ...(underlying ? { socket: underlying } : { host, port }),
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      ALPNProtocols: ['h2', 'http/1.1'],
      ...(secureContext ? { secureContext } : {}),
      rejectUnauthorized: false,
    });
    const timer = setTimeout(
      () => finish(failure(`no TLS handshake within ${requestTimeoutMs} ms`)),
      requestTimeoutMs,
    );
    const failure = (evidence: string, action?: string): CheckResult => ({
      id: 'network.tls',
      status: 'FAIL',
      evidence,
      action: action ?? 'check that the port speaks TLS (https://) and what stands in front of the server',
    });
    const finish = (result: CheckResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ result });
    };
    socket.once('error', (error) => finish(failure(`TLS to ${host}:${port} failed: ${errorCode(error)}`)));
    socket.once('secureConnect', () => {
      const certificate = socket.getPeerCertificate();
      const subject = certificate.subject?.CN ?? '(no CN)';
      const issuer = certificate.issuer?.CN ?? '(no issuer CN)';
      const facts = `${socket.getProtocol()}, certificate ${subject} issued by ${issuer}, valid to ${certificate.valid_to}`;
      const verifyError = socket.authorizationError ? String(socket.authorizationError) : undefined;
      const nameError = tls.checkServerIdentity(host, certificate);
      if (verifyError) {
        const problem = CERTIFICATE_PROBLEMS[verifyError] ?? `Node refuses the chain (${verifyError})`;
        finish(
          failure(
            `${facts}: ${problem} [${verifyError}]`,
            'pass the CA that issued it with --ca-file <pem> (endpoint.caFile / ENDPOINT_CA_FILE for the sync), or fix the chain the server sends',
          ),
        );
        return;
      }
      if (nameError) {
        finish(
          failure(
            `${facts}: the certificate does not name ${host} (${nameError.message})`,
            'use the host name the certificate is issued for in --endpoint, or reissue the certificate',
          ),
        );
        return;
      }
      const alpn = socket.alpnProtocol;
      finish({
        id: 'network.tls',
        status: 'ok',
        evidence: `${facts}; chain trusted${ctx.settings.extraCaPems.length > 0 ? ' (with --ca-file)' : ''}; ALPN ${alpn || 'none'} (the sync speaks HTTP/1.1)`,
        details: { protocol: socket.getProtocol(), alpn: alpn || undefined, validTo: certificate.valid_to },
      });
    });
  });
}
