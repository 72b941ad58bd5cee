// The ThingWorx side of a rotation, built per invocation (each has its own deadline): key services
// authenticated with the admin key, and a client that authenticates with the pending key only.
import type { AppKey, KeySource } from '../app-key/key-source.js';
import type { HttpTransport } from '../endpoint/http-request.js';
import { nodeHttpTransport } from '../endpoint/http-request.js';
import type { InfoTable } from '../endpoint/infotable.js';
import { ThingWorxClient } from '../endpoint/thingworx-client.js';
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

export function createThingWorxAccess(
  endpoint: RotationConfig['endpoint'],
  deps: ThingWorxAccessDeps,
): ThingWorxAccess {
  const transport = deps.transport ?? nodeHttpTransport;
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  return {
    keyServices: (deadlineEpochMs) =>
      new ThingWorxKeyServices(
        {
          baseUrl: endpoint.baseUrl,
          adminKey: deps.adminKey,
          keyHeaderName: endpoint.keyHeader,
          requestTimeoutMs: endpoint.requestTimeoutMs,
          deadlineEpochMs,
        },
        { transport, clock: deps.clock, sleep, random },
      ),
    readerWithKey: (key, source, deadlineEpochMs) =>
      new ThingWorxClient(
        {
          baseUrl: endpoint.baseUrl.href,
          keySource: fixedKeySource(key, source),
          deadlineEpochMs,
          keyHeaderName: endpoint.keyHeader,
          requestTimeoutMs: endpoint.requestTimeoutMs,
        },
        { clock: deps.clock, logger: deps.logger, metrics: deps.metrics, transport, sleep, random },
      ),
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
