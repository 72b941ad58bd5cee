// Client for ThingWorx services (and any JSON API taking a key header): the key only in its header,
// no-cache headers, HTTPS except loopback, a per-request timeout, a run deadline no retry crosses,
// a size cap, a content-type check, retries for transient failures and the version-aware auth retry.
// Entity services that change state are sent once; their callers settle a lost answer by reading state.
import { assertKeyNotExpired, ExpiredKeyError } from '../app-key/key-expiry.js';
import type { AppKey, KeySource } from '../app-key/key-source.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { InvalidInputError } from '../shared/errors.js';
import type { DimensionedMetricsSink, LogSink } from '../shared/observability.js';
import { logger as powertoolsLogger, metrics as powertoolsMetrics } from '../shared/powertools.js';
import {
  type AccessDeniedCause,
  AccessDeniedError,
  type Diagnosis,
  type DiagnosisInput,
  diagnose,
  FROZEN_DATE_MIN_ELAPSED_MS,
  redact,
  reportAccessDenied,
} from './diagnose.js';
import {
  DeadlineExceededError,
  EndpointHttpError,
  EndpointUnreachableError,
  InsecureEndpointError,
  InvalidResponseError,
} from './errors.js';
import {
  assertSecureUrl,
  describeUrl,
  type HttpResponse,
  type HttpTransport,
  nodeHttpTransport,
} from './http-request.js';
import { type InfoTable, parseInfoTable } from './infotable.js';
import {
  DEFAULT_RETRY_POLICY,
  fullJitterBackoffMs,
  honoursRetryAfter,
  isRetryableStatus,
  parseRetryAfterMs,
  type RetryPolicy,
} from './retry-policy.js';

export interface ThingWorxClientOptions {
  /** e.g. `https://thingworx.example.com` (a path prefix is kept). HTTPS unless loopback. */
  readonly baseUrl: string;
  readonly keySource: KeySource;
  /** Epoch ms by which every request, retry and wait must be over (derived from the Lambda's remaining time). */
  readonly deadlineEpochMs: number;
  /** @default 'appKey' */
  readonly keyHeaderName?: string;
  /** @default 10_000 */
  readonly requestTimeoutMs?: number;
  /** @default 10 MiB */
  readonly maxResponseBytes?: number;
  /** @default DEFAULT_RETRY_POLICY (4 attempts, 250 ms base, 8 s cap) */
  readonly retry?: Partial<RetryPolicy>;
  /** A response Date further than this from our clock on a 401/403 is diagnosed as `clock-skew`. @default 60_000 */
  readonly clockSkewToleranceMs?: number;
  /** Last measured offset of this target's clock (server − ours), from the skew monitor. */
  readonly knownSkewMs?: number;
  /** Extra trust anchor (PEM) for a private or self-signed server certificate. */
  readonly caCertificatePem?: string;
  /** Name used in logs and evidence. @default the base URL's host */
  readonly target?: string;
}

export interface ThingWorxClientDeps {
  readonly clock?: Clock;
  /** Uniform in [0, 1); drives backoff and auth-wait jitter. */
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly transport?: HttpTransport;
  readonly logger?: LogSink;
  readonly metrics?: DimensionedMetricsSink;
  /** Told of every Access Denied diagnosis as it is reported (the sync records the causes in its ledger). */
  readonly onAccessDenied?: (diagnosis: Diagnosis, recovered: boolean) => void;
}

export interface EntityServiceOptions {
  /**
   * True for services that may be repeated (queries, setting an absolute value): transient failures are
   * retried. False for services that change state (create, delete): sent exactly once, and a network
   * error, timeout, 5xx or unreadable answer is thrown, since the service may have run.
   */
  readonly idempotent: boolean;
  /** Resolve a 404 (no such entity, e.g. no key of that name) as `undefined` instead of throwing. @default false */
  readonly notFoundAsUndefined?: boolean;
}

export type ProbeResult =
  | { readonly outcome: 'accepted'; readonly status: number; readonly serverDate?: string }
  | { readonly outcome: 'denied'; readonly diagnosis: Diagnosis }
  | { readonly outcome: 'failed'; readonly reason: string; readonly message: string };

/** How much of an error answer an entity-service error quotes. */
const ERROR_BODY_SNIPPET_CHARS = 200;
/** Below this much time left, a first attempt is not worth starting. */
const MIN_FIRST_ATTEMPT_MS = 100;
/** The wait before re-reading an unchanged secret after a 401/403: 1–3 s, long enough for a rotation to land. */
const AUTH_WAIT_MIN_MS = 1_000;
const AUTH_WAIT_JITTER_MS = 2_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const DEFAULT_CLOCK_SKEW_TOLERANCE_MS = 60_000;
/** Proxy, cache, content-type and key-in-URL denials do not depend on which key was sent: no re-read. */
const CAUSES_A_NEWER_KEY_MAY_FIX: ReadonlySet<AccessDeniedCause> = new Set<AccessDeniedCause>([
  'invalid-key',
  'permission-denied',
  'expired-key',
  'clock-skew',
  'unknown',
]);

/** Where one call stands in its budgets, across the parse retries of one exchange. */
interface Exchange {
  /** The transient-failure attempt being made (1 for the first). */
  attempt: number;
  /** Whether the one retry with a newer key version was made. */
  authRetried: boolean;
}

interface SendMode {
  /** Transient-failure attempts allowed, the first included. */
  readonly maxAttempts: number;
  /** Whether a 401/403 may be retried with a newer key version. */
  readonly authRetry: boolean;
  /** Set for entity services: an empty 2xx body is a void answer, and an HTTP error quotes the answer. */
  readonly entityService?: { readonly idempotent: boolean };
}

export class ThingWorxClient {
  private readonly baseUrl: URL;
  private readonly keyHeaderName: string;
  private readonly requestTimeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly clockSkewToleranceMs: number;
  private readonly target: string;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly transport: HttpTransport;
  private readonly logger: LogSink;
  private readonly metrics: DimensionedMetricsSink;
  private readonly onAccessDenied: ThingWorxClientDeps['onAccessDenied'];
  /** Key versions the server accepted during this client's life (one run). */
  private readonly acceptedVersionIds = new Set<string>();
  private lastDate?: { serverDateMs: number; localMs: number };

  constructor(
    private readonly options: ThingWorxClientOptions,
    deps: ThingWorxClientDeps = {},
  ) {
    let baseUrl: URL;
    try {
      baseUrl = new URL(options.baseUrl);
    } catch {
      throw new InvalidInputError('baseUrl', 'an absolute URL such as https://thingworx.example.com');
    }
    assertSecureUrl(baseUrl);
    if (baseUrl.search !== '' || baseUrl.hash !== '') {
      throw new InsecureEndpointError(
        `endpoint ${describeUrl(baseUrl)} has a query string or fragment; the base URL must be scheme, host and path only`,
      );
    }
    this.baseUrl = baseUrl;
    this.keyHeaderName = options.keyHeaderName ?? 'appKey';
    if (!/^[A-Za-z0-9-]+$/.test(this.keyHeaderName)) {
      throw new InvalidInputError(
        'keyHeaderName',
        'an HTTP header name (letters, digits, "-")',
        this.keyHeaderName,
      );
    }
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.clockSkewToleranceMs = options.clockSkewToleranceMs ?? DEFAULT_CLOCK_SKEW_TOLERANCE_MS;
    this.target = options.target ?? baseUrl.host;
    this.clock = deps.clock ?? systemClock;
    this.random = deps.random ?? Math.random;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.transport = deps.transport ?? nodeHttpTransport;
    this.logger = deps.logger ?? powertoolsLogger;
    this.metrics = deps.metrics ?? powertoolsMetrics;
    this.onAccessDenied = deps.onAccessDenied;
  }

  /** POSTs a ThingWorx service and parses the InfoTable it answers. Use for idempotent (query) services: failures are retried. */
  async callService<Row = Record<string, unknown>>(
    thing: string,
    service: string,
    params: Readonly<Record<string, unknown>> = {},
  ): Promise<InfoTable<Row>> {
    const url = this.serviceUrl(thing, service);
    const json = await this.send('POST', url, JSON.stringify(params), this.runMode());
    return parseInfoTable(json, `POST ${describeUrl(url)}`) as InfoTable<Row>;
  }

  /**
   * POSTs the service at `path` (relative to the base URL, e.g. `/Thingworx/ApplicationKeys/<name>/Services/GetKeyID`)
   * and parses the InfoTable it answers; an empty 2xx body is an empty InfoTable. A 401/403 may be
   * retried once with a newer key version even when not idempotent: ThingWorx ran nothing.
   */
  callEntityService<Row = Record<string, unknown>>(
    path: string,
    params: Readonly<Record<string, unknown>>,
    options: EntityServiceOptions & { readonly notFoundAsUndefined: true },
  ): Promise<InfoTable<Row> | undefined>;
  callEntityService<Row = Record<string, unknown>>(
    path: string,
    params: Readonly<Record<string, unknown>>,
    options: EntityServiceOptions & { readonly notFoundAsUndefined?: false },
  ): Promise<InfoTable<Row>>;
  async callEntityService<Row>(
    path: string,
    params: Readonly<Record<string, unknown>>,
    options: EntityServiceOptions,
  ): Promise<InfoTable<Row> | undefined> {
    const url = this.resolve(path);
    const mode: SendMode = {
      maxAttempts: options.idempotent ? this.runMode().maxAttempts : 1,
      authRetry: true,
      entityService: { idempotent: options.idempotent },
    };
    try {
      const json = await this.send('POST', url, JSON.stringify(params), mode);
      return parseInfoTable(json, `POST ${describeUrl(url)}`) as InfoTable<Row>;
    } catch (error) {
      if (options.notFoundAsUndefined && error instanceof EndpointHttpError && error.status === 404) {
        return undefined;
      }
      throw error;
    }
  }

  /** GETs a JSON document at `path` (relative to the base URL, starting with "/"). */
  async getJson(path: string): Promise<unknown> {
    return this.send('GET', this.resolve(path), undefined, this.runMode());
  }

  /**
   * One request, no retries (the secret may be re-read once to compare versions): what operator
   * tooling calls to ask "why is this endpoint denying us?".
   */
  async probe(
    request: { readonly path: string } | { readonly thing: string; readonly service: string },
  ): Promise<ProbeResult> {
    const isService = 'thing' in request;
    const url = isService ? this.serviceUrl(request.thing, request.service) : this.resolve(request.path);
    try {
      const response = await this.sendRaw(isService ? 'POST' : 'GET', url, isService ? '{}' : undefined, {
        maxAttempts: 1,
        authRetry: false,
      });
      const serverDate = response.headers.date;
      return { outcome: 'accepted', status: response.status, ...(serverDate ? { serverDate } : {}) };
    } catch (error) {
      if (error instanceof AccessDeniedError) return { outcome: 'denied', diagnosis: error.diagnosis };
      const reason = (error as { reason?: unknown }).reason;
      return {
        outcome: 'failed',
        reason: typeof reason === 'string' ? reason : 'unexpected',
        message: error instanceof Error ? error.message : String(error),
      };
    }
  }

  private runMode(): SendMode {
    return { maxAttempts: Math.max(1, this.retryPolicy.maxAttempts), authRetry: true };
  }

  private serviceUrl(thing: string, service: string): URL {
    if (thing.trim() === '') throw new InvalidInputError('thing', 'a non-empty Thing name');
    if (service.trim() === '') throw new InvalidInputError('service', 'a non-empty service name');
    return this.resolve(
      `/Thingworx/Things/${encodeURIComponent(thing)}/Services/${encodeURIComponent(service)}`,
    );
  }

  private resolve(path: string): URL {
    if (!path.startsWith('/'))
      throw new InvalidInputError('path', 'a path starting with "/"', path.split('?')[0]);
    const url = new URL(this.baseUrl.href);
    const [pathname = '', query] = path.split('?', 2);
    url.pathname = `${this.baseUrl.pathname.replace(/\/+$/, '')}${pathname}`;
    if (query !== undefined) url.search = `?${query}`;
    return url;
  }

  /** The parsed JSON body of a successful exchange. */
  private async send(
    method: 'GET' | 'POST',
    url: URL,
    body: string | undefined,
    mode: SendMode,
  ): Promise<unknown> {
    // One attempt budget for transport failures and unparseable bodies alike: a body cut short uses up an
    // attempt, so a flaky gateway costs at most maxAttempts requests, not maxAttempts per parse retry.
    // The auth retry, too, happens at most once per call, whatever the parse retries.
    const exchange: Exchange = { attempt: 1, authRetried: false };
    for (;;) {
      const response = await this.sendRaw(method, url, body, mode, exchange);
      const { attempt } = exchange;
      // A fresh empty InfoTable each time: parseInfoTable hands back the objects it was given.
      if (mode.entityService && response.body.trim() === '')
        return { dataShape: { fieldDefinitions: {} }, rows: [] };
      try {
        return JSON.parse(response.body);
      } catch {
        // A complete 200 with half a JSON document is a glitch on the way (gateway, truncation): worth one more try.
        const error = new InvalidResponseError(
          `${method} ${describeUrl(url)}: body is not valid JSON (${response.body.length} chars; truncated?)`,
          true,
        );
        const delayMs = fullJitterBackoffMs(attempt, this.retryPolicy, this.random);
        if (attempt >= mode.maxAttempts || !this.fitsBeforeDeadline(delayMs)) throw error;
        this.logger.warn('Retrying after an unparseable JSON body', { request: describeUrl(url), delayMs });
        await this.sleep(delayMs);
        exchange.attempt = attempt + 1;
      }
    }
  }

  /**
   * Runs the retry and auth rules; resolves only with a 2xx JSON answer that did not come from a cache.
   * Attempts are counted on from `exchange.attempt`, which is left at the one that got the answer.
   */
  private async sendRaw(
    method: 'GET' | 'POST',
    url: URL,
    body: string | undefined,
    mode: SendMode,
    exchange: Exchange = { attempt: 1, authRetried: false },
  ): Promise<HttpResponse> {
    const requestName = `${method} ${describeUrl(url)}`;
    let key = await this.usableKey(requestName);
    let { authRetried } = exchange;
    let lastFailure: unknown;

    for (let attempt = exchange.attempt; ; attempt++) {
      this.refuseKeyInUrl(url, key, requestName);
      const timeoutMs = this.attemptTimeoutMs(attempt, requestName, lastFailure);

      let response: HttpResponse;
      try {
        response = await this.transport({
          method,
          url,
          headers: this.headers(key, body !== undefined),
          ...(body === undefined ? {} : { body }),
          timeoutMs,
          maxResponseBytes: this.maxResponseBytes,
          ...(this.options.caCertificatePem ? { caCertificatePem: this.options.caCertificatePem } : {}),
        });
      } catch (error) {
        if (!(error instanceof EndpointUnreachableError) || attempt >= mode.maxAttempts) throw error;
        lastFailure = error;
        await this.backoff(attempt, undefined, requestName, error, error.message);
        continue;
      }

      const previousDate = this.lastDate;
      this.rememberDate(response);
      const { status } = response;

      if (status >= 200 && status < 300) {
        const contentType = response.headers['content-type'] ?? '';
        // A service without output may answer an empty 200 (any content type) on a real server.
        const voidAnswer = mode.entityService !== undefined && response.body.trim() === '';
        const cachedOrHtml = this.classifyUnexpectedSuccess(
          response,
          key,
          previousDate,
          requestName,
          voidAnswer,
        );
        if (cachedOrHtml) throw this.denied(cachedOrHtml, false);
        if (!voidAnswer && !/^application\/([\w.+-]*\+)?json\b/i.test(contentType)) {
          throw new InvalidResponseError(
            `${requestName}: expected application/json, got "${contentType}"`,
            false,
          );
        }
        this.acceptedVersionIds.add(key.versionId);
        exchange.attempt = attempt;
        return response;
      }

      if (status === 401 || status === 403) {
        const withoutRefresh = this.diagnoseResponse(response, key, undefined, previousDate, requestName);
        if (!CAUSES_A_NEWER_KEY_MAY_FIX.has(withoutRefresh.cause)) throw this.denied(withoutRefresh, false);
        // After an auth retry the key in hand was just read, so it is the current one.
        let current: AppKey | undefined = key;
        if (!authRetried) {
          const reread = mode.authRetry
            ? await this.rereadAfterDenial(key, requestName)
            : { current: await this.refreshQuietly(requestName) };
          if (reread.newer) {
            this.report(this.diagnoseResponse(response, key, reread.newer, previousDate, requestName), true);
            key = reread.newer;
            authRetried = true;
            exchange.authRetried = true;
            attempt--; // an auth retry is not a transient-failure attempt
            continue;
          }
          current = reread.current;
        }
        throw this.denied(this.diagnoseResponse(response, key, current, previousDate, requestName), false);
      }

      if (status === 407 || (status >= 300 && status < 400)) {
        const diagnosis = this.diagnoseResponse(response, key, undefined, previousDate, requestName);
        if (status === 407 || diagnosis.cause === 'proxy-auth') throw this.denied(diagnosis, false);
        throw new EndpointHttpError(`${requestName} answered ${status} (redirects are not followed)`, status);
      }

      if (isRetryableStatus(status) && attempt < mode.maxAttempts) {
        lastFailure = new EndpointHttpError(`${requestName} answered ${status}`, status);
        const retryAfterMs = honoursRetryAfter(status)
          ? parseRetryAfterMs(response.headers['retry-after'], this.clock.nowMs())
          : undefined;
        await this.backoff(attempt, retryAfterMs, requestName, lastFailure, `HTTP ${status}`);
        continue;
      }
      const sentOnce = mode.entityService?.idempotent === false;
      const attempts = sentOnce ? ' (sent once: not idempotent)' : ` after ${attempt} attempts`;
      throw new EndpointHttpError(
        `${requestName} answered ${status}${isRetryableStatus(status) ? attempts : ''}`,
        status,
        mode.entityService ? { bodySnippet: errorBodySnippet(response.body, key) } : {},
      );
    }
  }

  private headers(key: AppKey, hasBody: boolean): Record<string, string> {
    return {
      [this.keyHeaderName]: key.appKey,
      Accept: 'application/json',
      ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
      // Ask every cache on the way not to answer for the server: a cached 401 or page is not the truth.
      'Cache-Control': 'no-cache, no-store',
      Pragma: 'no-cache',
    };
  }

  /** The key to start with; an expired cached copy is re-read once, since the store may already hold a new one. */
  private async usableKey(requestName: string): Promise<AppKey> {
    const source = this.options.keySource.describe();
    let key = await this.options.keySource.get();
    try {
      assertKeyNotExpired(key, source, this.clock.nowMs());
      return key;
    } catch (error) {
      if (!(error instanceof ExpiredKeyError)) throw error;
    }
    key = await this.options.keySource.refresh();
    try {
      assertKeyNotExpired(key, source, this.clock.nowMs());
      return key;
    } catch (error) {
      if (!(error instanceof ExpiredKeyError)) throw error;
      throw this.denied(
        diagnose({ ...this.diagnosisBase(requestName), keyUsed: key, refusedBeforeSending: 'expired-key' }),
        false,
      );
    }
  }

  /**
   * The design's auth rule: re-read now; if unchanged, wait 1–3 s and re-read once more. `newer` is a
   * key worth one retry; `current` the last version read (undefined if the store could not be read).
   */
  private async rereadAfterDenial(
    used: AppKey,
    requestName: string,
  ): Promise<{ readonly newer?: AppKey; readonly current?: AppKey }> {
    const first = await this.refreshQuietly(requestName);
    if (first === undefined) return {};
    if (first.versionId !== used.versionId) return { newer: first };
    const waitMs = AUTH_WAIT_MIN_MS + Math.floor(this.random() * AUTH_WAIT_JITTER_MS);
    if (!this.fitsBeforeDeadline(waitMs)) return { current: first };
    this.logger.info('Key rejected and secret unchanged; re-reading once more after a short wait', {
      request: requestName,
      versionId: used.versionId,
      waitMs,
    });
    await this.sleep(waitMs);
    const second = await this.refreshQuietly(requestName);
    if (second === undefined) return { current: first };
    return second.versionId !== used.versionId ? { newer: second } : { current: second };
  }

  /** A store that cannot be read after a denial must not hide the denial's diagnosis: log and carry on. */
  private async refreshQuietly(requestName: string): Promise<AppKey | undefined> {
    try {
      return await this.options.keySource.refresh();
    } catch (error) {
      this.logger.warn('Could not re-read the app key after a denial', {
        request: requestName,
        source: this.options.keySource.describe(),
        error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error',
      });
      return undefined;
    }
  }

  private refuseKeyInUrl(url: URL, key: AppKey, requestName: string): void {
    const names = [...url.searchParams.keys()].map((name) => name.toLowerCase());
    const leaks =
      names.includes(this.keyHeaderName.toLowerCase()) ||
      names.includes('appkey') ||
      url.href.includes(key.appKey) ||
      url.href.includes(encodeURIComponent(key.appKey));
    if (leaks) {
      throw this.denied(
        diagnose({ ...this.diagnosisBase(requestName), keyUsed: key, refusedBeforeSending: 'key-in-url' }),
        false,
      );
    }
  }

  /** A 2xx that must not become data: served by a cache, or an HTML page instead of JSON (an empty void answer is no page). */
  private classifyUnexpectedSuccess(
    response: HttpResponse,
    key: AppKey,
    previousDate: ThingWorxClient['lastDate'],
    requestName: string,
    voidAnswer = false,
  ): Diagnosis | undefined {
    const { headers } = response;
    const serverDateMs = Date.parse(headers.date ?? '');
    const dateFrozen =
      previousDate !== undefined &&
      serverDateMs <= previousDate.serverDateMs &&
      this.clock.nowMs() - previousDate.localMs >= FROZEN_DATE_MIN_ELAPSED_MS;
    const suspicious =
      dateFrozen ||
      Number(headers.age) > 0 ||
      (!voidAnswer && /html/i.test(headers['content-type'] ?? '')) ||
      ['x-cache', 'x-cache-status', 'cf-cache-status'].some((name) => /\bhit\b/i.test(headers[name] ?? ''));
    // Only suspicious answers are diagnosed: a healthy page of data is not scanned or redacted.
    return suspicious
      ? this.diagnoseResponse(response, key, undefined, previousDate, requestName)
      : undefined;
  }

  private diagnoseResponse(
    response: HttpResponse,
    keyUsed: AppKey,
    currentKey: AppKey | undefined,
    previousDate: ThingWorxClient['lastDate'],
    requestName: string,
  ): Diagnosis {
    const input: DiagnosisInput = {
      ...this.diagnosisBase(requestName),
      response,
      keyUsed,
      ...(currentKey ? { currentKey } : {}),
      ...(previousDate ? { previousDate } : {}),
      sameKeyAcceptedEarlier: this.acceptedVersionIds.has(keyUsed.versionId),
    };
    return diagnose(input);
  }

  private diagnosisBase(requestName: string) {
    return {
      target: this.target,
      request: requestName,
      nowMs: this.clock.nowMs(),
      clockSkewToleranceMs: this.clockSkewToleranceMs,
      ...(this.options.knownSkewMs === undefined ? {} : { knownSkewMs: this.options.knownSkewMs }),
    };
  }

  private denied(diagnosis: Diagnosis, recovered: boolean): AccessDeniedError {
    this.report(diagnosis, recovered);
    return new AccessDeniedError(diagnosis);
  }

  private report(diagnosis: Diagnosis, recovered: boolean): void {
    reportAccessDenied(diagnosis, { logger: this.logger, metrics: this.metrics }, { recovered });
    this.onAccessDenied?.(diagnosis, recovered);
  }

  private rememberDate(response: HttpResponse): void {
    const serverDateMs = Date.parse(response.headers.date ?? '');
    if (!Number.isNaN(serverDateMs)) this.lastDate = { serverDateMs, localMs: this.clock.nowMs() };
  }

  /** The first attempt gets whatever time is left (clipped); a retry starts only if a full timeout fits. */
  private attemptTimeoutMs(attempt: number, requestName: string, lastFailure: unknown): number {
    const remainingMs = this.options.deadlineEpochMs - this.clock.nowMs();
    const neededMs = attempt === 1 ? MIN_FIRST_ATTEMPT_MS : this.requestTimeoutMs;
    if (remainingMs < neededMs) {
      throw new DeadlineExceededError(
        `${requestName}: ${remainingMs} ms left before the run deadline, not enough for attempt ${attempt}`,
        { cause: lastFailure },
      );
    }
    return Math.min(this.requestTimeoutMs, remainingMs);
  }

  private fitsBeforeDeadline(waitMs: number): boolean {
    return this.clock.nowMs() + waitMs + this.requestTimeoutMs <= this.options.deadlineEpochMs;
  }

  private async backoff(
    attempt: number,
    retryAfterMs: number | undefined,
    requestName: string,
    failure: unknown,
    what: string,
  ): Promise<void> {
    const delayMs = retryAfterMs ?? fullJitterBackoffMs(attempt, this.retryPolicy, this.random);
    if (!this.fitsBeforeDeadline(delayMs)) {
      throw new DeadlineExceededError(
        `${requestName}: not retrying after ${what}: waiting ${delayMs} ms${retryAfterMs === undefined ? '' : ' (Retry-After)'} ` +
          `plus a ${this.requestTimeoutMs} ms attempt would end after the run deadline`,
        { cause: failure },
      );
    }
    this.logger.warn('Retrying endpoint request', { request: requestName, attempt, after: what, delayMs });
    await this.sleep(delayMs);
  }
}

/** The start of an error answer for the operator: redacted before it is cut, so no key prefix survives. */
function errorBodySnippet(body: string, key: AppKey): string {
  const text = redact(body, key)
    .slice(0, ERROR_BODY_SNIPPET_CHARS * 4)
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '') return 'empty body';
  return text.length > ERROR_BODY_SNIPPET_CHARS ? `${text.slice(0, ERROR_BODY_SNIPPET_CHARS)}…` : text;
}
