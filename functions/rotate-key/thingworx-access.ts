// The ThingWorx side of a rotation, built per invocation (each has its own deadline): key services
// authenticated with the admin key, and a client that authenticates with the pending key only. Both
// are the endpoint client, so the same header, HTTPS, deadline, retry and Access Denied rules apply.
import { CachedKeySource } from '../app-key/cached-key-source.js';
import type { AppKey, KeySource } from '../app-key/key-source.js';
import type { HttpTransport } from '../endpoint/http-request.js';
import { nodeHttpTransport } from '../endpoint/http-request.js';
import type { InfoTable } from '../endpoint/infotable.js';
import { ThingWorxClient, type ThingWorxClientOptions } from '../endpoint/thingworx-client.js';
import type { Clock } from '../shared/clock.js';
import { sleep as realSleep } from '../shared/concurrency.js';
import type { DimensionedMetricsSink, LogSink } from '../shared/observability.js';
import type { RotationConfig } from './rotation-config.js';
import { type KeyServices, ThingWorxKeyServices } from './thingworx-keys.js';

export interface KeyReader {
  callService(thing: string, service: string, params: Readonly<Record<string, unknown>>): Promise<InfoTable>;
}

export interface ThingWorxAccess {
  keyServices(deadlineEpochMs: number): KeyServices;
  /** A client that sends `key` and nothing else: a denial is not retried with some other key. */
  readerWithKey(key: AppKey, source: string, deadlineEpochMs: number): KeyReader;
}

export interface ThingWorxAccessDeps {
  readonly adminKey: KeySource;
  readonly clock: Clock;
  readonly logger: LogSink;
  readonly metrics: DimensionedMetricsSink;
  readonly transport?: HttpTransport;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** Key service answers are one-row InfoTables: a small cap is plenty. */
const KEY_SERVICE_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Reads are cheap: three attempts within the deadline is plenty for a step Secrets Manager retries anyway. */
const KEY_SERVICE_MAX_ATTEMPTS = 3;

export function createThingWorxAccess(
  endpoint: RotationConfig['endpoint'],
  deps: ThingWorxAccessDeps,
): ThingWorxAccess {
  const clientDeps = {
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
    transport: deps.transport ?? nodeHttpTransport,
    sleep: deps.sleep ?? realSleep,
    random: deps.random ?? Math.random,
  };
  const clientWith = (
    keySource: KeySource,
    deadlineEpochMs: number,
    options: Partial<ThingWorxClientOptions> = {},
  ) =>
    new ThingWorxClient(
      {
        baseUrl: endpoint.baseUrl.href,
        keySource,
        deadlineEpochMs,
        keyHeaderName: endpoint.keyHeader,
        requestTimeoutMs: endpoint.requestTimeoutMs,
        ...options,
      },
      clientDeps,
    );
  return {
    // The admin key is read once per invocation (the cache lives as long as the client); a 401/403
    // re-reads it, so a key replaced by hand mid-step is used at once and a bad one is reported.
    keyServices: (deadlineEpochMs) =>
      new ThingWorxKeyServices(
        clientWith(new CachedKeySource(deps.adminKey, { clock: deps.clock }), deadlineEpochMs, {
          maxResponseBytes: KEY_SERVICE_MAX_RESPONSE_BYTES,
          retry: { maxAttempts: KEY_SERVICE_MAX_ATTEMPTS },
        }),
        deps.adminKey.describe(),
      ),
    readerWithKey: (key, source, deadlineEpochMs) => clientWith(fixedKeySource(key, source), deadlineEpochMs),
  };
}

/** Always the same key: re-reading after a denial finds no newer version, so the denial stands. */
function fixedKeySource(key: AppKey, source: string): KeySource {
  return {
    get: () => Promise.resolve(key),
    refresh: () => Promise.resolve(key),
    describe: () => source,
  };
}
