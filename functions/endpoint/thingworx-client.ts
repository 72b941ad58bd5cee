// Client for ThingWorx services (and any JSON API taking a key header): the service-call layer that
// turns calls into requests and answers into InfoTables. The rules every request follows (key in its
// header only, no-cache, HTTPS except loopback, deadline, retries, auth retry, Access Denied diagnosis)
// live in request-loop.ts and its collaborators. Entity services that change state are sent once.
import type { KeySource } from '../app-key/key-source.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { InvalidInputError } from '../shared/errors.js';
import type { DimensionedMetricsSink, LogSink } from '../shared/observability.js';
import { logger as powertoolsLogger, metrics as powertoolsMetrics } from '../shared/powertools.js';
import { AuthRetry } from './auth-retry.js';
import { DenialReporter } from './denial-reporter.js';
import { AccessDeniedError, type Diagnosis } from './diagnose.js';
import { EndpointUrls } from './endpoint-url.js';
import { EntityNotFoundError } from './errors.js';
import { describeUrl, type HttpTransport, nodeHttpTransport } from './http-request.js';
import { type InfoTable, parseInfoTable } from './infotable.js';
import { LearnedSecrets } from './learned-secrets.js';
import { RequestLoop, type SendMode } from './request-loop.js';
import { RetryBudget } from './retry-budget.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
import { ServerDates } from './server-dates.js';

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
  /**
   * For a service on one entity: whether that entity exists, asked only after a 403, because ThingWorx
   * sometimes answers 403 instead of 404 for an entity it does not have. False makes the 403 a not-found
   * (no Access Denied is reported); true or absent leaves it a denial. Decide it without a body text.
   */
  readonly entityExists?: () => Promise<boolean>;
  /**
   * The service answers a secret (GetKeyID: the key's value). Its body is then never quoted (no error,
   * log, ledger entry or DLQ message shows it, whatever the status), and the `result` values it answers
   * are redacted from everything this client reports afterwards. @default false
   */
  readonly answersSecret?: boolean;
  /**
   * A 401/403 is the service's own answer ("this key may not call it"), not a failure of the caller: it
   * is thrown as ServiceRefusedError at once, without re-reading the key, waiting, or reporting an
   * Access Denied (no log line, no AuthFailure). For optional lookups such as a key reading its own
   * expiry; a request the run depends on must never set it. @default false
   */
  readonly refusalIsAnswer?: boolean;
}

export type ProbeResult =
  | { readonly outcome: 'accepted'; readonly status: number; readonly serverDate?: string }
  | { readonly outcome: 'denied'; readonly diagnosis: Diagnosis }
  | { readonly outcome: 'failed'; readonly reason: string; readonly message: string };

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const DEFAULT_CLOCK_SKEW_TOLERANCE_MS = 60_000;

export class ThingWorxClient {
  private readonly urls: EndpointUrls;
  private readonly budget: RetryBudget;
  private readonly requests: RequestLoop;

  constructor(options: ThingWorxClientOptions, deps: ThingWorxClientDeps = {}) {
    this.urls = new EndpointUrls(options.baseUrl);
    const keyHeaderName = options.keyHeaderName ?? 'appKey';
    if (!/^[A-Za-z0-9-]+$/.test(keyHeaderName)) {
      throw new InvalidInputError(
        'keyHeaderName',
        'an HTTP header name (letters, digits, "-")',
        keyHeaderName,
      );
    }
    const clock = deps.clock ?? systemClock;
    const random = deps.random ?? Math.random;
    const logger = deps.logger ?? powertoolsLogger;
    const learnedSecrets = new LearnedSecrets();
    this.budget = new RetryBudget({
      deadlineEpochMs: options.deadlineEpochMs,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      retryPolicy: { ...DEFAULT_RETRY_POLICY, ...options.retry },
      clock,
      random,
      sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      logger,
    });
    const reporter = new DenialReporter({
      target: options.target ?? this.urls.host,
      clockSkewToleranceMs: options.clockSkewToleranceMs ?? DEFAULT_CLOCK_SKEW_TOLERANCE_MS,
      ...(options.knownSkewMs === undefined ? {} : { knownSkewMs: options.knownSkewMs }),
      clock,
      logger,
      metrics: deps.metrics ?? powertoolsMetrics,
      ...(deps.onAccessDenied ? { onAccessDenied: deps.onAccessDenied } : {}),
      learnedSecrets,
    });
    this.requests = new RequestLoop(
      {
        keyHeaderName,
        maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
        ...(options.caCertificatePem ? { caCertificatePem: options.caCertificatePem } : {}),
        transport: deps.transport ?? nodeHttpTransport,
        clock,
        logger,
      },
      {
        budget: this.budget,
        authRetry: new AuthRetry(
          { keySource: options.keySource, clock, random, logger },
          this.budget,
          reporter,
        ),
        reporter,
        dates: new ServerDates(),
        learnedSecrets,
      },
    );
  }

  /** POSTs a ThingWorx service and parses the InfoTable it answers. Use for idempotent (query) services: failures are retried. */
  async callService<Row = Record<string, unknown>>(
    thing: string,
    service: string,
    params: Readonly<Record<string, unknown>> = {},
  ): Promise<InfoTable<Row>> {
    const url = this.urls.service(thing, service);
    const json = await this.requests.send('POST', url, JSON.stringify(params), this.runMode());
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
    const url = this.urls.resolve(path);
    const mode: SendMode = {
      maxAttempts: options.idempotent ? this.runMode().maxAttempts : 1,
      authRetry: true,
      ...(options.answersSecret ? { answersSecret: true } : {}),
      entityService: {
        idempotent: options.idempotent,
        ...(options.entityExists ? { entityExists: options.entityExists } : {}),
        ...(options.refusalIsAnswer ? { refusalIsAnswer: true } : {}),
      },
    };
    try {
      const json = await this.requests.send('POST', url, JSON.stringify(params), mode);
      return parseInfoTable(json, `POST ${describeUrl(url)}`) as InfoTable<Row>;
    } catch (error) {
      if (options.notFoundAsUndefined && error instanceof EntityNotFoundError) {
        return undefined;
      }
      throw error;
    }
  }

  /** GETs a JSON document at `path` (relative to the base URL, starting with "/"). */
  async getJson(path: string): Promise<unknown> {
    return this.requests.send('GET', this.urls.resolve(path), undefined, this.runMode());
  }

  /**
   * One request, no retries (the secret may be re-read once to compare versions): what operator
   * tooling calls to ask "why is this endpoint denying us?".
   */
  async probe(
    request:
      | { readonly path: string }
      | {
          readonly thing: string;
          readonly service: string;
          /** The service's inputs. @default {} */
          readonly params?: Readonly<Record<string, unknown>>;
        },
  ): Promise<ProbeResult> {
    const isService = 'thing' in request;
    const url = isService
      ? this.urls.service(request.thing, request.service)
      : this.urls.resolve(request.path);
    try {
      const response = await this.requests.sendRaw(
        isService ? 'POST' : 'GET',
        url,
        isService ? JSON.stringify(request.params ?? {}) : undefined,
        { maxAttempts: 1, authRetry: false },
      );
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
    return { maxAttempts: this.budget.maxAttempts, authRetry: true };
  }
}
