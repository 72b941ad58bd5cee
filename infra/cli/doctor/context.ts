// What every doctor check shares: the settings it was called with, the endpoint client (the sync's own,
// built with no retries so each answer is the server's first word), and a record of every exchange, so
// the proxy and cache checks can read headers the client does not keep. Read-only by construction: only
// query services are called, and no check builds a request of its own that writes.
import type { AppKey, KeySource } from '../../../functions/app-key/key-source.js';
import { redactSecrets } from '../../../functions/endpoint/evidence.js';
import {
  createNodeHttpTransport,
  describeUrl,
  type HttpResponse,
  type HttpTransport,
} from '../../../functions/endpoint/http-request.js';
import type { ProxyRoute } from '../../../functions/endpoint/proxy-route.js';
import { ThingWorxClient } from '../../../functions/endpoint/thingworx-client.js';
import type { DimensionedMetricsSink, LogSink } from '../../../functions/shared/observability.js';
import type { DoctorFamily } from './report.js';

export interface DoctorSettings {
  /** Base URL, e.g. https://tw.example.com (a path prefix is kept). */
  readonly endpoint: URL;
  readonly thing: string;
  readonly service: string;
  readonly keyHeader: string;
  readonly keySource: KeySource;
  /** The key's name on the server (the key file's keyName, or --key-name): lets doctor ask its expiry. */
  readonly keyName?: string;
  readonly proxy?: ProxyRoute;
  readonly extraCaPems: readonly string[];
  readonly timestampField: string;
  readonly keyFields: readonly string[];
  readonly pageSize: number;
  readonly requestTimeoutMs: number;
  /** Families to run; the others print `skip`. */
  readonly families: ReadonlySet<DoctorFamily>;
  /** Clock measurements to compare pairwise (each is the skew monitor's 11 requests). */
  readonly clockMeasurements: number;
  /** Requests aimed at the server's second boundary per measurement (the monitor's maxBisections). */
  readonly clockBisections: number;
}

/** One request as it crossed the wire: what the proxy and cache checks read. Never a header we sent. */
export interface Exchange {
  readonly request: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly elapsedMs: number;
}

export interface DoctorContext {
  readonly settings: DoctorSettings;
  /** The sync's client with the operator's key: no retries, nothing logged or counted. */
  readonly client: ThingWorxClient;
  /** Every exchange any client of this context made, in order. */
  readonly exchanges: Exchange[];
  /** The transport the clients use (proxy, CAs, recording). */
  readonly transport: HttpTransport;
  /** A client that sends `key` instead of the operator's (the cache check's made-up key). */
  clientWithKey(key: AppKey): ThingWorxClient;
  /** Every key doctor has sent: none may be printed. */
  readonly keysInPlay: AppKey[];
  redact(text: string): string;
}

/** Doctor reports what it finds itself; the client's log lines and metrics would only repeat it. */
const quietLogger: LogSink = { debug() {}, info() {}, warn() {}, error() {} };
const noMetrics: DimensionedMetricsSink = {
  addMetric() {},
  singleMetric: () => ({ addMetric() {}, addDimension() {} }),
};
/** Long enough for the slowest family (the stream read); every request still has its own timeout. */
const DOCTOR_DEADLINE_MS = 15 * 60_000;

export async function doctorContext(settings: DoctorSettings): Promise<DoctorContext> {
  const exchanges: Exchange[] = [];
  const keysInPlay: AppKey[] = [];
  const inner = createNodeHttpTransport({
    ...(settings.proxy ? { proxy: settings.proxy } : {}),
    extraCaPems: settings.extraCaPems,
    connectionSecrets: () => settings.keySource.get(),
  });
  const transport: HttpTransport = async (request) => {
    const startedMs = performance.now();
    const response: HttpResponse = await inner(request);
    exchanges.push({
      request: `${request.method} ${describeUrl(request.url)}`,
      status: response.status,
      headers: response.headers,
      elapsedMs: performance.now() - startedMs,
    });
    return response;
  };
  const clientFor = (keySource: KeySource) =>
    new ThingWorxClient(
      {
        baseUrl: settings.endpoint.href.replace(/\/+$/, ''),
        keySource,
        deadlineEpochMs: Date.now() + DOCTOR_DEADLINE_MS,
        keyHeaderName: settings.keyHeader,
        requestTimeoutMs: settings.requestTimeoutMs,
        retry: { maxAttempts: 1 },
      },
      { transport, logger: quietLogger, metrics: noMetrics },
    );
  const recordingKeySource: KeySource = {
    describe: () => settings.keySource.describe(),
    get: async () => remember(await settings.keySource.get()),
    refresh: async () => remember(await settings.keySource.refresh()),
  };
  function remember(key: AppKey): AppKey {
    if (!keysInPlay.some((known) => known.appKey === key.appKey)) keysInPlay.push(key);
    return key;
  }
  return {
    settings,
    client: clientFor(recordingKeySource),
    exchanges,
    transport,
    keysInPlay,
    clientWithKey(key) {
      remember(key);
      return clientFor({
        describe: () => 'made up by doctor',
        get: async () => key,
        refresh: async () => key,
      });
    },
    redact: (text) => redactSecrets(text, { keys: keysInPlay }),
  };
}
