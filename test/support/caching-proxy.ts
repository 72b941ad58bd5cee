/**
 * A real caching reverse proxy on 127.0.0.1 for tests, misconfigured the way the field found load
 * balancers to be: it keys its cache on method + URL only (never on the appKey header), stores every
 * answer whatever its status (401s included) and whatever Cache-Control says, and replays the stored
 * answer byte for byte, Date included. It adds `Via: 1.1 test-cache` to every answer, and with `announce`
 * also `X-Cache: HIT|MISS` and `Age` (a quiet cache sends neither: only an active test finds it).
 *
 *   const cache = await startCachingProxy({ upstream: sim.baseUrl, announce?: false, statuses?: [401] })
 *   cache.url                 'http://127.0.0.1:PORT': the endpoint to give the client
 *   cache.hits / cache.misses counts of answers replayed / fetched
 *   cache.clear() / await cache.stop()
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CachingProxyOptions {
  /** Where misses go, e.g. the simulator's base URL (http only). */
  readonly upstream: string;
  /** Send X-Cache and Age. @default false */
  readonly announce?: boolean;
  /** Only answers with these statuses are stored. @default every status */
  readonly statuses?: readonly number[];
}

export interface CachingProxy {
  readonly url: string;
  readonly hits: number;
  readonly misses: number;
  clear(): void;
  stop(): Promise<void>;
}

interface Stored {
  readonly status: number;
  readonly headers: http.OutgoingHttpHeaders;
  readonly body: Buffer;
  readonly storedAtMs: number;
}

/** Connection-level headers a proxy must not forward (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

export async function startCachingProxy(options: CachingProxyOptions): Promise<CachingProxy> {
  const upstream = new URL(options.upstream);
  const cache = new Map<string, Stored>();
  let hits = 0;
  let misses = 0;

  const server = http.createServer((req, res) => {
    const cacheKey = `${req.method} ${req.url}`;
    const stored = cache.get(cacheKey);
    if (stored) {
      hits += 1;
      const extra = options.announce
        ? { 'x-cache': 'HIT', age: String(Math.floor((Date.now() - stored.storedAtMs) / 1000)) }
        : {};
      req.resume();
      res.writeHead(stored.status, { ...stored.headers, ...extra }).end(stored.body);
      return;
    }
    misses += 1;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const forward = http.request(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            const headers: http.OutgoingHttpHeaders = { via: '1.1 test-cache' };
            for (const [name, value] of Object.entries(answer.headers)) {
              if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
            }
            const status = answer.statusCode ?? 502;
            const whole = Buffer.concat(body);
            headers['content-length'] = String(whole.length);
            if (!options.statuses || options.statuses.includes(status)) {
              cache.set(cacheKey, { status, headers, body: whole, storedAtMs: Date.now() });
            }
            res
              .writeHead(status, { ...headers, ...(options.announce ? { 'x-cache': 'MISS' } : {}) })
              .end(whole);
          });
        },
      );
      forward.on('error', () => res.writeHead(502, { via: '1.1 test-cache' }).end('Bad Gateway'));
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get hits() {
      return hits;
    },
    get misses() {
      return misses;
    },
    clear: () => cache.clear(),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
