// The HTTP side of the simulator: reads each request, lets the fault layers in front of
// ThingWorx act, asks the ThingWorx behaviour for its reply, and writes it with a Date header
// from the answering backend's clock (never Node's own, which is cached per second).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpDate, type SimulatorClock } from './clock.js';
import { type FaultInjector, type FrontResponse, frontResponse } from './faults.js';
import { bodyForLog, type RequestLog, type RequestRecord } from './requests.js';
import {
  type ApiContext,
  type ApiReply,
  handleApiRequest,
  NOT_AUTHORIZED_MESSAGE,
  UNAUTHORIZED_MESSAGE,
} from './thingworx-api.js';

const MAX_BODY_BYTES = 1024 * 1024;
/** The fixed token PTC's content-type filter looks for on multipart uploads (and PTC's clients always send). */
const XSRF_TOKEN_VALUE = 'TWX-XSRF-TOKEN-VALUE';

export interface HandlerDeps {
  readonly api: ApiContext;
  readonly clock: SimulatorClock;
  readonly faults: FaultInjector;
  readonly log: RequestLog;
  /** Aborted when the simulator stops: ends latency waits. */
  readonly stopping: AbortSignal;
  /** Responses held open by the hang fault, closed on stop. */
  readonly hanging: Set<ServerResponse>;
}

export function createRequestHandler(deps: HandlerDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(deps, req, res).catch((error: unknown) => {
      // Only the message: nothing about the request (its headers hold the key) goes to the log.
      console.error(`thingworx-simulator: request failed: ${(error as Error)?.message ?? String(error)}`);
      if (!res.headersSent && !res.destroyed) {
        res.sendDate = false;
        res.writeHead(500, { Date: httpDate(deps.clock.nowMs()), 'Content-Type': 'text/plain' });
        res.end('Internal Server Error');
      }
    });
  };
}

async function handle(deps: HandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { clock, faults } = deps;
  res.sendDate = false;
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://simulator.invalid');
  const path = url.pathname;
  const appKey = headerValue(req.headers.appkey);
  const record = deps.log.start({
    method,
    path,
    search: url.searchParams,
    backend: clock.takeBackend(),
    hadAppKeyHeader: appKey !== undefined,
    hadXsrfToken: headerValue(req.headers['x-xsrf-token']) === XSRF_TOKEN_VALUE,
  });
  const send = (response: FrontResponse, extra: Record<string, string> = {}, dateMs?: number) =>
    write(res, method, record, response, {
      ...extra,
      Date: httpDate(dateMs ?? clock.backendNowMs(record.backend)),
    });

  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === undefined) return send({ status: 413, headers: {}, body: 'Request Entity Too Large' });
  record.body = bodyForLog(body);

  const latencyMs = faults.latencyMs(path);
  if (latencyMs > 0) {
    record.faults.push('latency');
    try {
      await sleep(latencyMs, undefined, { signal: deps.stopping });
    } catch {
      return; // stopping: the socket is being closed
    }
  }
  if (res.destroyed) return;

  // The layers in front of ThingWorx, outermost first; each answers instead of the server.
  const proxy = faults.take(['proxyAuth'], path);
  if (proxy) {
    record.faults.push('proxyAuth');
    return send(frontResponse(proxy, clock.nowMs()));
  }
  const cacheKey = `${method} ${path}`;
  const cache = faults.take(['frozenDate'], path);
  const behindCache = cache !== undefined;
  if (behindCache) {
    record.faults.push('frozenDate');
    const stored = faults.cached(cacheKey);
    if (stored) {
      const ageSeconds = Math.max(0, Math.floor((clock.backendNowMs(record.backend) - stored.dateMs) / 1000));
      const cacheHeaders: Record<string, string> = cache.hidden
        ? {}
        : { Age: String(ageSeconds), 'X-Cache': 'HIT' };
      return send(stored, cacheHeaders, stored.dateMs);
    }
  }
  const gateway = faults.take(['htmlLogin'], path) ?? faults.take(['throttle'], path);
  if (gateway) {
    record.faults.push(gateway.kind);
    return send(frontResponse(gateway, clock.nowMs()));
  }
  if (faults.take(['hang'], path)) {
    record.faults.push('hang');
    deps.hanging.add(res);
    res.on('close', () => deps.hanging.delete(res));
    return;
  }
  const failure = faults.take(['serverError'], path);
  if (failure) {
    record.faults.push('serverError');
    return send(frontResponse(failure, clock.nowMs()));
  }

  const reply: ApiReply = handleApiRequest(deps.api, {
    method,
    pathname: path,
    query: url.searchParams,
    appKey,
    contentType: headerValue(req.headers['content-type']),
    accept: headerValue(req.headers.accept),
    body,
    remoteAddress: req.socket.remoteAddress,
  });
  record.keyName = reply.keyName;
  record.refusal = reply.refusal;
  record.service = reply.service;

  let response: FrontResponse = reply;
  if (reply.missingEntity !== undefined && faults.take(['notFoundAsForbidden'], path)) {
    record.faults.push('notFoundAsForbidden');
    response = {
      status: 403,
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      body: `${NOT_AUTHORIZED_MESSAGE} on ${reply.service} in ${reply.missingEntity}`,
    };
  }
  if (reply.status < 300 && reply.keyName !== undefined) {
    const flap = faults.take(['authFlap'], path);
    if (flap) {
      record.faults.push('authFlap');
      record.refusal = 'fault';
      const status = flap.status ?? 401;
      const message =
        status === 401
          ? UNAUTHORIZED_MESSAGE
          : `${NOT_AUTHORIZED_MESSAGE} on ${reply.service} in ${path.split('/')[3]}`;
      response = { status, headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, body: message };
    }
  }
  if (response.headers['Content-Type']?.startsWith('application/json')) {
    const cut = faults.take(['truncatedJson'], path);
    if (cut) {
      record.faults.push('truncatedJson');
      const bytes = Buffer.from(response.body);
      const keep = Math.min(cut.keepBytes ?? Math.floor(bytes.length / 2), Math.max(0, bytes.length - 1));
      response = { ...response, body: bytes.subarray(0, keep) };
    }
  }

  const dateMs = clock.backendNowMs(record.backend);
  if (behindCache) {
    faults.store(cacheKey, {
      status: response.status,
      headers: response.headers,
      body: response.body,
      dateMs,
    });
    return send(response, cache?.hidden ? {} : { 'X-Cache': 'MISS' }, dateMs);
  }
  return send(response, {}, dateMs);
}

function write(
  res: ServerResponse,
  method: string,
  record: RequestRecord,
  response: FrontResponse,
  extra: Record<string, string>,
): void {
  if (res.destroyed) return;
  const bytes = typeof response.body === 'string' ? Buffer.from(response.body) : response.body;
  res.writeHead(response.status, {
    'Cache-Control': 'no-store, no-cache',
    ...response.headers,
    ...extra,
    'Content-Length': String(bytes.length),
  });
  if (method === 'HEAD') res.end();
  else res.end(bytes);
  record.status = response.status;
  record.answeredAtMs = Date.now();
}

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
