/**
 * ThingWorx-compatible simulator: a real HTTP(S) server on 127.0.0.1 that behaves like the parts
 * of ThingWorx syncwarden depends on (stream query, application keys, auth refusals), with a
 * settable server clock and injectable faults. Default endpoint of `npm start`; peer of every
 * endpoint test.
 *
 * API (read this instead of the code):
 *   const sim = await startThingWorxSimulator({ seed, https, port, clockOffsetMs, backendClockOffsetsMs,
 *     thing, initialEntries, sameTimestampFraction, maxEntriesPerTimestamp, payloadBytes, sources,
 *     entriesPerSecond, lateFraction, maxLatenessMs })          all optional; see SimulatorOptions
 *   sim.baseUrl                      'http://127.0.0.1:PORT' or 'https://127.0.0.1:PORT'
 *   sim.port / sim.thing             the bound port; the Thing serving the stream ('SensorStream')
 *   sim.queryUrl                     full URL of the Thing's QueryStreamEntriesWithData service
 *   sim.caCertificatePem             the self-signed certificate to pass as `ca` (https only, else undefined)
 *   sim.keys.add({name?, keyId?, user?, expiresAtMs?, ipWhitelist?}) → {name, keyId}; user defaults to
 *                                    'Administrator', expiry to 24 h after creation (server clock)
 *   sim.keys.revoke(keyIdOrName)     key then answers 401
 *   sim.keys.remove(name)            deletes the key (as DeleteApplicationKey does)
 *   sim.keys.setExpiration(name, expiresAtMs)   epoch ms on the server clock
 *   sim.keys.grant(user, service) / sim.keys.deny(user, service)   service name or '*'; deny wins;
 *                                    'Administrator' may invoke everything unless denied, others nothing unless granted
 *   sim.keys.list()                  [{name, user, createdAtMs, expiresAtMs, revoked, expired, ipWhitelist}] (no key values)
 *   sim.keys.keyIdOf(name)           the key value of a key (e.g. one made through CreateApplicationKey)
 *   sim.stream.append(entry | entries) → StreamEntry[]   only `timestamp` required; past timestamps = late arrivals
 *   sim.stream.generate(count, {fromMs?, toMs?, atMs?, sameTimestampFraction?, maxEntriesPerTimestamp?, source?})
 *                                    seeded entries (default: over the last hour, clustered timestamps); atMs = all on one ms
 *   sim.stream.startGrowth({entriesPerSecond?, lateFraction?, maxLatenessMs?, sameTimestampFraction?, tickMs?})
 *                                    entries keep arriving; late ones are stamped up to maxLatenessMs in the past,
 *                                    some on the very timestamp of an entry already there
 *   sim.stream.stopGrowth() / sim.stream.isGrowing()
 *   sim.stream.all()                 ground truth, ascending by (timestamp, id), each with `arrivedAtMs` (server clock)
 *   sim.stream.size() / sim.stream.clear()
 *   sim.faults.set(rule | rules)     replaces all fault rules; sim.faults.add(...) appends; sim.faults.clear()
 *   sim.faults.list()                active rules, with `remaining` for `next` rules
 *                                    a rule = a Fault ({kind: 'latency', ms} | {kind: 'serverError', status?} |
 *                                    {kind: 'throttle', status?: 429|503, retryAfterSeconds?, retryAfterFormat?: 'seconds'|'http-date'} |
 *                                    {kind: 'authFlap', status?: 401|403} | {kind: 'htmlLogin'} | {kind: 'truncatedJson', keepBytes?} |
 *                                    {kind: 'frozenDate'} | {kind: 'proxyAuth'} | {kind: 'hang'})
 *                                    + trigger: always (default) | next: N | rate: 0..1 (seeded); + path?: substring | RegExp
 *   sim.clock.nowMs()                base server time = local Date.now() + offset (stream timestamps, key expiry)
 *   sim.clock.setOffsetMs(ms) / sim.clock.offsetMs()                    fractional ms allowed
 *   sim.clock.setBackendOffsetsMs(ms[]) / sim.clock.backendOffsetsMs()  pool of backends, each offset relative to the base
 *   sim.requests.list(filter?) / sim.requests.count(filter?) / sim.requests.reset()
 *                                    RecordedRequest: seq, method, path, query, body (JSON, key fields redacted), status,
 *                                    receivedAtMs, answeredAtMs, backend, faults, keyName, refusal, service; never a key value
 *                                    filter: {method?, path?, status?, service?, fault?} or a predicate
 *   await sim.stop()                 closes everything, keep-alive sockets and hanging responses included
 *
 * HTTP behaviour, in the order it is checked (after the fault layers, see below):
 *   - `appKey` in the query string (any path) → 401 "ApplicationKey Is Not Allowed As A URL Parameter".
 *   - Paths outside /Thingworx → 404 without auth. Inside: `appKey` header missing, unknown, revoked, expired
 *     (server clock) or from an address outside the key's ipWhitelist → 401 "Authentication failed" (one body for
 *     all; `requests.list()[i].refusal` says which).
 *   - GET/HEAD /Thingworx or /Thingworx/ with a valid key → 200 HTML; other non-service paths → 404.
 *   - Service paths `/Thingworx/<Collection>/<Entity>/Services/<Service>`: any method but POST → 405 with
 *     `Allow: POST` (ThingWorx refuses GET for services unless its deprecated method switch is on); a POST
 *     whose Content-Type is not application/json → 403 (ThingWorx's CSRF content-type filter); unknown
 *     entity/service → 404; a user without permission → 403 "Not authorized for ServiceInvoke on <Service> in <Entity>";
 *     body not a JSON object → 400; a service input it cannot use → 500 "Unable to Invoke Service ...".
 *   - Successful services answer InfoTable JSON only when `Accept` includes application/json (as ThingWorx
 *     does); otherwise an HTML table, 200 text/html.
 *   - Every response, whatever its status, carries `Date` from the answering backend's clock:
 *     new Date(floor(Date.now() + offset)).toUTCString(). Keep-alive is on.
 *
 * Services:
 *   POST /Thingworx/Things/<thing>/Services/QueryStreamEntriesWithData
 *     {startDate?, endDate?, maxItems = 500, oldestFirst = false, source?, query?}; dates as epoch ms or ISO-8601.
 *     Selects startDate <= timestamp <= endDate (both inclusive; a missing bound is open), then orders by
 *     (timestamp, id) ascending when oldestFirst, else the exact reverse; ties on timestamp are broken by `id`
 *     compared as plain strings (UTF-16 code units, not locale), so the order is total and stable; then keeps
 *     the first maxItems. `query` supports {filters: And/Or of EQ/NE/GT/GE/LT/LE/Between/NotBetween on a
 *     field}, e.g. for keyset pagination past a page full of one timestamp. Rows: id, timestamp (epoch ms),
 *     source, sourceType, location, tags, temperature, pressure, status, payload.
 *   POST /Thingworx/Resources/EntityServices/Services/CreateApplicationKey {name, userName|user?, expirationDate?, ipWhitelist?}
 *     user defaults to the caller's; expiry to 24 h after creation. Answers an empty InfoTable (the key value is
 *     read with GetKeyID, as on ThingWorx).
 *   POST /Thingworx/Resources/EntityServices/Services/DeleteApplicationKey {name} → empty InfoTable
 *   POST /Thingworx/ApplicationKeys/<name>/Services/GetKeyID → {rows: [{result: keyId}]}
 *   POST /Thingworx/ApplicationKeys/<name>/Services/IsExpired → {rows: [{result: boolean}]} (server clock)
 *   POST /Thingworx/ApplicationKeys/<name>/Services/SetExpirationDate {expirationDate} → empty InfoTable
 *   Each needs a key whose user may invoke that service name.
 *
 * Fault layers, outermost first (each inner one is only consulted when the outer ones let the request
 * through, so `next` counts are only used up by requests a fault actually changes): latency (all firing
 * latency rules add up) → proxyAuth 407 → frozenDate cache (a stored answer replayed without auth) →
 * htmlLogin 200 → throttle 429/503 → hang → serverError 5xx → ThingWorx → authFlap (only on a request that
 * would have succeeded) → truncatedJson (only on JSON answers). frozenDate: the first matching request is a
 * MISS with a live Date and is stored per method + path; later ones replay it (X-Cache: HIT, Age, same Date).
 *
 * For client authors:
 *   - Node's global fetch (undici) turns any 407 into a bare "fetch failed" TypeError, as the Fetch standard
 *     requires outside a browser; to see the 407 and its Proxy-Authenticate/Via, use node:http(s).
 *   - Send `Accept: application/json`, or successful answers are HTML tables (200 text/html).
 *   - Services without output answer an empty InfoTable here; a real server may send an empty 200 body, so
 *     treat both as "no result".
 */

import { createServer as createHttpServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { SimulatorClock } from './clock.js';
import { type ActiveFault, FaultInjector, type FaultSpec } from './faults.js';
import { type ApplicationKeyInfo, type ApplicationKeyInput, KeyRegistry } from './keys.js';
import { createPrng } from './prng.js';
import { type RecordedRequest, type RequestFilter, RequestLog } from './requests.js';
import { createRequestHandler } from './server.js';
import {
  type GenerateOptions,
  type GrowthOptions,
  type StreamEntry,
  type StreamEntryInput,
  StreamStore,
} from './stream.js';
import { STREAM_QUERY_SERVICE } from './thingworx-api.js';
import { selfSignedCertificate } from './tls.js';

export type { ActiveFault, Fault, FaultKind, FaultRule, FaultSpec, FaultTrigger } from './faults.js';
export type { FieldDefinition, InfoTable } from './infotable.js';
export { STREAM_ENTRY_FIELDS } from './infotable.js';
export type { ApplicationKeyInfo, ApplicationKeyInput, AuthFailureReason } from './keys.js';
export { ADMINISTRATOR, DEFAULT_KEY_LIFETIME_MS } from './keys.js';
export type { RecordedRequest, RequestFilter } from './requests.js';
export type {
  GenerateOptions,
  GrowthOptions,
  QueryFilter,
  StreamEntry,
  StreamEntryInput,
  StreamLocation,
  StreamTag,
} from './stream.js';
export { compareEntries } from './stream.js';
export type { RefusalCause } from './thingworx-api.js';
export {
  DEFAULT_MAX_ITEMS,
  NOT_AUTHORIZED_MESSAGE,
  STREAM_QUERY_SERVICE,
  UNAUTHORIZED_MESSAGE,
  URL_KEY_MESSAGE,
} from './thingworx-api.js';

export interface SimulatorOptions {
  /** Seed of every random choice (data, key values, fault rates). @default 1 */
  readonly seed?: number;
  /** Serve HTTPS with a self-signed certificate made at start. @default false */
  readonly https?: boolean;
  /** @default 0 (a free port); the server always binds 127.0.0.1 */
  readonly port?: number;
  /** Server clock = local Date.now() + this (fractional allowed). @default 0 */
  readonly clockOffsetMs?: number;
  /** A pool of backends behind one address, answering round-robin per request; each backend's clock is
   *  the server clock + its entry here. @default [] (one backend) */
  readonly backendClockOffsetsMs?: readonly number[];
  /** The Thing whose QueryStreamEntriesWithData serves the stream. @default 'SensorStream' */
  readonly thing?: string;
  /** Entries generated at start (see `stream.generate`). @default 0 */
  readonly initialEntries?: number;
  /** Fraction of generated timestamps shared by several entries. @default 0.25 */
  readonly sameTimestampFraction?: number;
  /** Largest cluster of generated entries on one timestamp. @default 20 */
  readonly maxEntriesPerTimestamp?: number;
  /** Characters of filler in each entry's `payload` field. @default 0 */
  readonly payloadBytes?: number;
  /** Entry sources. @default ['Press-01', 'Press-02', 'Oven-A', 'Conveyor-7'] */
  readonly sources?: readonly string[];
  /** When > 0, the stream grows from the start at this rate; also the default of `startGrowth`. @default 0 */
  readonly entriesPerSecond?: number;
  /** Default fraction of late arrivals while growing. @default 0.1 */
  readonly lateFraction?: number;
  /** Default greatest lateness of a late arrival. @default 60_000 */
  readonly maxLatenessMs?: number;
}

export interface SimulatorKeys {
  add(key?: ApplicationKeyInput): { name: string; keyId: string };
  revoke(keyIdOrName: string): void;
  remove(name: string): boolean;
  setExpiration(name: string, expiresAtMs: number): void;
  grant(user: string, service: string): void;
  deny(user: string, service: string): void;
  list(): ApplicationKeyInfo[];
  keyIdOf(name: string): string | undefined;
}

export interface SimulatorStream {
  append(entries: StreamEntryInput | readonly StreamEntryInput[]): StreamEntry[];
  generate(count: number, options?: GenerateOptions): StreamEntry[];
  startGrowth(options?: Partial<GrowthOptions>): void;
  stopGrowth(): void;
  isGrowing(): boolean;
  all(): StreamEntry[];
  size(): number;
  clear(): void;
}

export interface SimulatorFaults {
  set(spec: FaultSpec): void;
  add(spec: FaultSpec): void;
  clear(): void;
  list(): ActiveFault[];
}

export interface SimulatorClockControl {
  nowMs(): number;
  offsetMs(): number;
  setOffsetMs(ms: number): void;
  backendOffsetsMs(): readonly number[];
  setBackendOffsetsMs(offsetsMs: readonly number[]): void;
}

export interface SimulatorRequests {
  list(filter?: RequestFilter): RecordedRequest[];
  count(filter?: RequestFilter): number;
  reset(): void;
}

export interface ThingWorxSimulator {
  readonly baseUrl: string;
  readonly port: number;
  readonly thing: string;
  readonly queryUrl: string;
  readonly caCertificatePem: string | undefined;
  readonly keys: SimulatorKeys;
  readonly stream: SimulatorStream;
  readonly faults: SimulatorFaults;
  readonly clock: SimulatorClockControl;
  readonly requests: SimulatorRequests;
  stop(): Promise<void>;
}

export async function startThingWorxSimulator(options: SimulatorOptions = {}): Promise<ThingWorxSimulator> {
  const seed = options.seed ?? 1;
  const thing = options.thing ?? 'SensorStream';
  const clock = new SimulatorClock(options.clockOffsetMs ?? 0, options.backendClockOffsetsMs ?? []);
  const keys = new KeyRegistry(clock, createPrng(seed, 'keys'));
  const stream = new StreamStore(clock, createPrng(seed, 'stream'), options);
  const faults = new FaultInjector(createPrng(seed, 'faults'));
  const log = new RequestLog();
  const stopping = new AbortController();
  const hanging = new Set<ServerResponse>();
  const growthDefaults: GrowthOptions = {
    entriesPerSecond: options.entriesPerSecond || 10,
    lateFraction: options.lateFraction ?? 0.1,
    maxLatenessMs: options.maxLatenessMs ?? 60_000,
  };

  if (options.initialEntries) stream.generate(options.initialEntries);

  const handler = createRequestHandler({
    api: { thing, keys, stream },
    clock,
    faults,
    log,
    stopping: stopping.signal,
    hanging,
  });
  const certificate = options.https ? await selfSignedCertificate() : undefined;
  const server: Server = certificate
    ? createHttpsServer({ key: certificate.keyPem, cert: certificate.certPem }, handler)
    : createHttpServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `${certificate ? 'https' : 'http'}://127.0.0.1:${port}`;
  if (options.entriesPerSecond && options.entriesPerSecond > 0) stream.startGrowth(growthDefaults);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((resolve) => {
      stream.stopGrowth();
      stopping.abort();
      server.close(() => resolve());
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    });
    return stopped;
  };

  return {
    baseUrl,
    port,
    thing,
    queryUrl: `${baseUrl}/Thingworx/Things/${encodeURIComponent(thing)}/Services/${STREAM_QUERY_SERVICE}`,
    caCertificatePem: certificate?.certPem,
    keys: {
      add: (key) => keys.add(key),
      revoke: (keyIdOrName) => keys.revoke(keyIdOrName),
      remove: (name) => keys.remove(name),
      setExpiration: (name, expiresAtMs) => keys.setExpiration(name, expiresAtMs),
      grant: (user, service) => keys.grant(user, service),
      deny: (user, service) => keys.deny(user, service),
      list: () => keys.list(),
      keyIdOf: (name) => keys.keyIdOf(name),
    },
    stream: {
      append: (entries) => stream.append(entries),
      generate: (count, generateOptions) => stream.generate(count, generateOptions),
      startGrowth: (growth) => stream.startGrowth({ ...growthDefaults, ...growth }),
      stopGrowth: () => stream.stopGrowth(),
      isGrowing: () => stream.isGrowing(),
      all: () => stream.all(),
      size: () => stream.size(),
      clear: () => stream.clear(),
    },
    faults: {
      set: (spec) => faults.set(spec),
      add: (spec) => faults.add(spec),
      clear: () => faults.clear(),
      list: () => faults.list(),
    },
    clock: {
      nowMs: () => clock.nowMs(),
      offsetMs: () => clock.offsetMs(),
      setOffsetMs: (ms) => clock.setOffsetMs(ms),
      backendOffsetsMs: () => clock.backendOffsetsMs(),
      setBackendOffsetsMs: (offsetsMs) => clock.setBackendOffsetsMs(offsetsMs),
    },
    requests: {
      list: (filter) => log.list(filter),
      count: (filter) => log.count(filter),
      reset: () => log.reset(),
    },
    stop,
  };
}
