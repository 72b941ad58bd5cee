/**
 * ThingWorx-compatible simulator: a real HTTP(S) server on 127.0.0.1 that behaves like the parts
 * of ThingWorx syncwarden depends on (stream query, application keys, auth refusals), with a
 * settable server clock and injectable faults. Default endpoint of `npm start`; peer of every
 * endpoint test.
 *
 * API (read this instead of the code):
 *   const sim = await startThingWorxSimulator({ seed, https, port, clockOffsetMs, backendClockOffsetsMs,
 *     thing, initialEntries, sameTimestampFraction, maxEntriesPerTimestamp, payloadBytes, sources,
 *     entriesPerSecond, lateFraction, maxLatenessMs, upsertFraction, backend })   all optional; see SimulatorOptions
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
 *   sim.backend.get()                the server's stream semantics, every field resolved (see "Back-end profiles")
 *   sim.backend.set(profile | options)   changes them mid-test, as a server upgrade does; fields not given take
 *                                    their defaults (not their previous values); stored entries stay as they are
 *   sim.stream.append(entry | entries) → StreamEntry[]   only `timestamp` required; past timestamps = late arrivals;
 *                                    returns the entries as stored. append upserts: an entry whose (timestamp, source)
 *                                    is stored replaces it (see upsert below); one without a source gets a source not
 *                                    yet on its timestamp, so it never replaces anything by accident
 *   sim.stream.generate(count, {fromMs?, toMs?, atMs?, sameTimestampFraction?, maxEntriesPerTimestamp?, source?})
 *                                    seeded entries (default: over the last hour, clustered timestamps); atMs = all on one ms.
 *                                    The entries of one timestamp have distinct sources: the configured `sources`, then
 *                                    Sensor-NNNN numbered on from them (Sensor-0005 first after the four default ones);
 *                                    with `source` each entry gets a timestamp of its own (atMs then allows one entry)
 *   sim.stream.startGrowth({entriesPerSecond?, lateFraction?, maxLatenessMs?, sameTimestampFraction?, upsertFraction?, tickMs?})
 *                                    entries keep arriving, each on a source not yet on its timestamp; late ones are
 *                                    stamped up to maxLatenessMs in the past, some (sameTimestampFraction) on the very
 *                                    timestamp of an entry already there, and upsertFraction (default 0.02) of those on
 *                                    its source too: an update in place, as a Thing re-sending a reading
 *   sim.stream.stopGrowth() / sim.stream.isGrowing()
 *   sim.stream.all()                 ground truth, ascending by (timestamp, id), each with `arrivedAtMs` (server clock);
 *                                    current content only. An entry that replaced another has `replacedAtMs` and, when
 *                                    the upsert changed the id, `replacedId` (the old id); neither is ever served
 *   sim.stream.size() / sim.stream.clear()
 *   sim.faults.set(rule | rules)     replaces all fault rules; sim.faults.add(...) appends; sim.faults.clear()
 *   sim.faults.list()                active rules, with `remaining` for `next` rules
 *                                    a rule = a Fault ({kind: 'latency', ms} | {kind: 'serverError', status?} |
 *                                    {kind: 'throttle', status?: 429|503, retryAfterSeconds?, retryAfterFormat?: 'seconds'|'http-date'} |
 *                                    {kind: 'authFlap', status?: 401|403} | {kind: 'htmlLogin'} | {kind: 'truncatedJson', keepBytes?} |
 *                                    {kind: 'frozenDate', hidden?} | {kind: 'proxyAuth'} | {kind: 'hang'} |
 *                                    {kind: 'notFoundAsForbidden'}: an unknown entity answers 403 with a denial's body)
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
 * HTTP behaviour, in the order it is checked (after the fault layers, see below). Sources: PTC article CS264349
 * https://www.ptc.com/en/support/article?n=CS264349 (key in the URL); PTC's troubleshooting table in "Use REST API
 * to Access ThingWorx Part 4" https://community.ptc.com/t5/IoT-Tips/Use-REST-API-to-Access-ThingWorx-Part-4/ta-p/826284
 * (401, 403 "sometimes returned instead of a 404", 404, 405, 406 "Invalid JSON in PUT or POST request", 500
 * "Content-Type request header is not set for a service execution POST"); PTC's CSRF page
 * https://support.ptc.com/help/thingworx/platform/r9/en/ThingWorx/Help/REST_API/UpdatingtheRequestMethodandContentTypeFilteringforCSRFProtection.html
 * (content-type filter, X-XSRF-TOKEN); "Entity Not Found : [<name>]" as a ThingWorx client reads it
 * (tdhung80/ThingworxReact src/services/backend.js @0a9ae0de).
 *   - `appKey` in the query string (any path) → 401 with an empty body; ThingWorx writes "ApplicationKey Is Not
 *     Allowed As A URL Parameter" (URL_KEY_MESSAGE) only to its SecurityLog.log (refusal 'url-parameter').
 *   - Paths outside /Thingworx → 404 without auth. Inside: `appKey` header missing, unknown, revoked, expired
 *     (server clock), from an address outside the key's ipWhitelist, or a key without a user → 401 with an empty
 *     body (ThingWorx documents no 401 body; `requests.list()[i].refusal` says which).
 *   - GET/HEAD /Thingworx or /Thingworx/ with a valid key → 200 HTML; GET /Thingworx/ApplicationKeys → the keys
 *     as an entity list (rows of name, description) for a user allowed to read it (Administrator unless denied
 *     '*', or granted '*'), else 403; other non-service paths → 404.
 *   - Service paths `/Thingworx/<Collection>/<Entity>/Services/<Service>`: any method but POST → 405 with
 *     `Allow: POST` (ThingWorx refuses GET for services unless its deprecated method switch is on); a POST
 *     without Content-Type → 500 with an empty body, body or not; a Content-Type other than application/json → 403
 *     (ThingWorx's CSRF content-type filter); an unknown entity → 404 "Entity Not Found : [<Entity>]" (403 instead
 *     under the notFoundAsForbidden fault); an unknown service → 404; a user without permission → 403 "Not
 *     authorized for ServiceInvoke on <Service> in <Entity>"; a body that is not a JSON object → 406; a service
 *     input it cannot use → 500 "Unable to Invoke Service <Service> on <Entity> : ...".
 *   - `requests.list()[i].hadXsrfToken` says whether `X-XSRF-TOKEN: TWX-XSRF-TOKEN-VALUE` was sent (PTC's clients
 *     send it; the filter only demands it of multipart uploads, so the simulator requires it nowhere).
 *   - Successful services answer InfoTable JSON only when `Accept` includes application/json (as ThingWorx
 *     does); otherwise an HTML table, 200 text/html.
 *   - Every response, whatever its status, carries `Date` from the answering backend's clock:
 *     new Date(floor(Date.now() + offset)).toUTCString(). Keep-alive is on.
 *
 * Services:
 *   POST /Thingworx/Things/<thing>/Services/QueryStreamEntriesWithData
 *     {startDate?, endDate?, maxItems = 500, oldestFirst = false, source?, query?}; dates as epoch ms or ISO-8601.
 *     Selects the entries from startDate to endDate (a missing bound is open) by the back end's bounds: both
 *     inclusive by default (postgres: startDate <= timestamp <= endDate), the end exclusive on dse, the start
 *     with startExclusive (see Back-end profiles). Then orders by (timestamp, id) ascending when oldestFirst and
 *     the back end honours it, else the exact reverse; ties on timestamp are broken by `id` compared as plain
 *     strings (UTF-16 code units, not locale), so the order is total and stable; then keeps the first maxItems,
 *     or maxItemsCap when the back end caps lower. `query` supports {filters: And/Or of EQ/NE/GT/GE/LT/LE/
 *     Between/NotBetween on a field}, e.g. for keyset pagination past a page full of one timestamp. Rows: id,
 *     timestamp (epoch ms), source, sourceType, location, tags, temperature, pressure, status, payload.
 *   POST /Thingworx/Resources/EntityServices/Services/CreateApplicationKey {name, description?, user?, whitelist?,
 *     clientName?, projectName?, tags?, expirationDate?}: the inputs PTC declares
 *     (https://github.com/ptc-iot-sharing/ThingworxVSCodeProject/blob/6958a9da0c274cda37be359aec35d7a35fac47d4/static/base/Resources.d.ts#L2369-L2381);
 *     whitelist comma-separated. Without `user` the key has no user (keys.list() shows null; it authenticates
 *     nothing), never the caller's. Expiry defaults to 24 h after creation. Answers an empty InfoTable (the key
 *     value is read with GetKeyID, as on ThingWorx). What ThingWorx does with an input a service does not declare
 *     is undocumented, so every key service here refuses one with 500 "Unable to Invoke Service ..." naming it.
 *   POST /Thingworx/Resources/EntityServices/Services/DeleteApplicationKey {name} → empty InfoTable
 *   POST /Thingworx/ApplicationKeys/<name>/Services/GetKeyID → {rows: [{result: keyId}]}
 *   POST /Thingworx/ApplicationKeys/<name>/Services/IsExpired → {rows: [{result: boolean}]} (server clock)
 *   POST /Thingworx/ApplicationKeys/<name>/Services/GetExpirationDate → {rows: [{result: epoch ms}]} (DATETIME; PTC,
 *     "Application Key Services": "Returns the expiration date of the application key",
 *     http://support.ptc.com/help/thingworx_hc/thingworx_8_hc/en/ThingWorx/Help/Composer/Security/ApplicationKeys/ApplicationKeyServices.html)
 *   POST /Thingworx/ApplicationKeys/<name>/Services/SetExpirationDate {expirationDate} → empty InfoTable
 *   Each needs a key whose user may invoke that service name (else 403 "Not authorized for ServiceInvoke ..."):
 *     a key's own GetExpirationDate too, so sim.keys.grant(user, 'GetExpirationDate') lets a sync key read its expiry.
 *
 * Back-end profiles (backend-profile.ts; SimulatorOptions.backend, sim.backend.set; default 'postgres'):
 *   ThingWorx stream semantics differ by persistence provider and by what stands in front of the server, and the
 *   sync must hold under each, so they are settable. A profile fixes the end bound; every switch applies to both.
 *   "Streams" below is PTC's help page
 *   http://support.ptc.com/help/thingworx_hc/thingworx_8_hc/en/ThingWorx/Help/Composer/DataStorage/Streams.html,
 *   "the service page" is https://support.ptc.com/help/thingworx/platform/r9.6/en/ThingWorx/Help/Composer/Services/QueryStreamEntriesWithData.html
 *   - 'postgres' (PostgreSQL, H2): endDate inclusive; keyed by (timestamp, source). Streams: "In PostgreSQL and
 *     H2, stream entries are keyed by the unique key entries of the timestamp and source." (ThingWorx 9.5 keeps it
 *     for PostgreSQL: https://support.ptc.com/help/thingworx/platform/r9.5/en/ThingWorx/Help/Composer/DataStorage/Streams.html)
 *   - 'dse' (DataStax Enterprise): endDate exclusive. Streams: "When filtering stream data from DSE streams, the end
 *     date is not inclusive." Its key holds the source too: "If you are using DataStax Enterprise (DSE) as your
 *     persistence provider and you use the UpdateStreamEntry service with a different source than was initially
 *     used, the entry will not be updated to reflect the new source. The original source is retained on the record
 *     to comply with what the primary key was generated against." (DSE is not sold since ThingWorx 8.5.0, but
 *     installations remain: http://support.ptc.com/help/thingworx_hc/thingworx_8_hc/ja/ThingWorx/Help/ModelandDataBestPractices/data_storage_options.html)
 *   - upsert (default true): Streams: "The timestamp is a key field for streams. If you add an entry with the same
 *     timestamp, it will overwrite the previous timestamp (upsert)." With the key sentences above the key is
 *     (timestamp, source), on both profiles. upsert=false (a second entry stored beside, with its own id) is for
 *     providers whose key the docs do not state: undocumented, supported.
 *   - upsertKeepsId (default true): whether an overwritten entry keeps its id: undocumented: both supported.
 *   - startExclusive (default false): the service page describes startDate as "The timestamp after the stream
 *     entry was created" and endDate as "The timestamp before the stream entry was created", which reads exclusive,
 *     yet Streams singles out only DSE's end as not inclusive: undocumented: both supported.
 *   - ignoreOldestFirst (default false): oldestFirst defaults to newest first ("Retrieve from the oldest or the
 *     newest records. By default, this value is false.", the service page), so a server or gateway that drops the
 *     parameter answers newest first. No source documents one that does: supported, so that a client paging oldest
 *     first is tested against it.
 *   - cutKeepsNewest (default false): which rows a cut keeps is not stated ("This parameter is applied after all
 *     other filters are applied", the service page). A custom service that calls QueryStreamEntriesWithData with
 *     its default order (newest first) and sorts the result oldest first keeps the newest rows of the window in
 *     an answer that looks oldest first: undocumented, supported, because a pager that reads on from an
 *     answer's last row would skip everything before it.
 *   - maxItemsCap (default none): maxItems is the "Maximum number of items to return in the result set. The default
 *     value is 500. This parameter is applied after all other filters are applied." (the service page). ThingWorx 9's
 *     platform-settings.json has BasicSettings.MaxSearchItems (100000 in its sample,
 *     https://support.ptc.com/help/thingworx/platform/r9/en/ThingWorx/Help/Installation/Installation/platform_settings_json_configuration_details.html);
 *     whether it or a gateway caps stream queries is undocumented: any cap supported.
 *   - Microsoft SQL Server, Azure SQL and InfluxDB store streams too
 *     (http://support.ptc.com/help/thingworx_hc/thingworx_8_hc/ja/ThingWorx/Help/Composer/DataStorage/PersistenceProviders/PersistenceProviders.html,
 *     https://support.ptc.com/help/thingworx/platform/r9/de/ThingWorx/Help/Composer/DataStorage/PersistenceProviders/using_influxdb_as_the_persistence_provider.html),
 *     but the docs state neither their stream key nor their bounds: undocumented; model them with the switches.
 *     InfluxDB itself overwrites a point with the same measurement, tag set and timestamp
 *     (https://github.com/influxdata/influxdb/issues/4150), which is an upsert if the source is a tag.
 *   For a command line, parseBackendSpec reads "dse" or "postgres,startExclusive,maxItemsCap=200,upsertKeepsId=false";
 *   describeBackend(sim.backend.get()) prints one line, e.g. "dse (end exclusive), maxItemsCap 200".
 *
 * Fault layers, outermost first (each inner one is only consulted when the outer ones let the request
 * through, so `next` counts are only used up by requests a fault actually changes): latency (all firing
 * latency rules add up) → proxyAuth 407 → frozenDate cache (a stored answer replayed without auth) →
 * htmlLogin 200 → throttle 429/503 → hang → serverError 5xx → ThingWorx → notFoundAsForbidden (only on an
 * unknown entity) → authFlap (only on a request that would have succeeded; a 401 with an empty body) →
 * truncatedJson (only on JSON answers). frozenDate: the first matching request is a
 * MISS with a live Date and is stored per method + path; later ones replay it (X-Cache: HIT, Age, same Date);
 * with `hidden` the cache sends neither X-Cache nor Age, so only the replayed Date gives it away.
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
import type { BackendBehaviour, BackendOptions, BackendProfileName } from './backend-profile.js';
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

export type { BackendBehaviour, BackendOptions, BackendProfileName } from './backend-profile.js';
export { BACKEND_PROFILES, describeBackend, parseBackendSpec, resolveBackend } from './backend-profile.js';
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
  /** Default fraction of timestamp-reusing late arrivals that reuse the source too: an update in place. @default 0.02 */
  readonly upsertFraction?: number;
  /** The server's stream semantics, a profile name or options (see "Back-end profiles"). @default 'postgres' */
  readonly backend?: BackendOptions | BackendProfileName;
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

/** The server's stream semantics; `set` replaces them whole, as a server upgrade does. */
export interface SimulatorBackend {
  get(): BackendBehaviour;
  set(options: BackendOptions | BackendProfileName): void;
}

export interface ThingWorxSimulator {
  readonly baseUrl: string;
  readonly port: number;
  readonly thing: string;
  readonly queryUrl: string;
  readonly caCertificatePem: string | undefined;
  readonly keys: SimulatorKeys;
  readonly stream: SimulatorStream;
  readonly backend: SimulatorBackend;
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
    upsertFraction: options.upsertFraction ?? 0.02,
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
    backend: {
      get: () => stream.backend(),
      set: (backend) => stream.setBackend(backend),
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
