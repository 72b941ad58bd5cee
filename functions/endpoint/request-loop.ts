// One call's requests: the attempt loop that sends with the key in its header only, sorts each answer
// (data, denial, redirect, transient failure, final failure) and retries within one attempt budget.
// Budget, auth retry and suspicion heuristics are collaborators; this module only decides the order.
import type { AppKey } from '../app-key/key-source.js';
import type { Clock } from '../shared/clock.js';
import type { LogSink } from '../shared/observability.js';
import { cacheHeadersSay, suspicionOf, urlCarriesKey } from './answer-suspicion.js';
import type { AuthRetry } from './auth-retry.js';
import type { AnswerContext, DenialReporter } from './denial-reporter.js';
import { AccessDeniedError } from './diagnose.js';
import {
  EndpointHttpError,
  EndpointUnreachableError,
  EntityNotFoundError,
  InvalidResponseError,
  ServiceRefusedError,
} from './errors.js';
import {
  redactHeaderValue,
  redactResults,
  redactSecrets,
  type Secrets,
  snippet,
  WITHHELD_BODY,
} from './evidence.js';
import { describeUrl, type HttpResponse, type HttpTransport } from './http-request.js';
import type { LearnedSecrets } from './learned-secrets.js';
import type { RetryBudget } from './retry-budget.js';
import { honoursRetryAfter, isRetryableStatus, parseRetryAfterMs } from './retry-policy.js';
import { type DatedAnswer, dateHeaderMs, type ServerDates } from './server-dates.js';

export interface SendMode {
  /** Transient-failure attempts allowed, the first included. */
  readonly maxAttempts: number;
  /** Whether a 401/403 may be retried with a newer key version. */
  readonly authRetry: boolean;
  /**
   * The call answers a secret (GetKeyID: the key's value): no error or log quotes its body, whatever the
   * status, and the `result` values of its successful answers are redacted from everything reported later.
   */
  readonly answersSecret?: boolean;
  /** Set for entity services: an empty 2xx body is a void answer, and an HTTP error quotes the answer. */
  readonly entityService?: {
    readonly idempotent: boolean;
    /** Asked on a 403 before it counts as a denial: false makes it an EntityNotFoundError. */
    readonly entityExists?: () => Promise<boolean>;
    /** A 401/403 is the service's answer: thrown as ServiceRefusedError, with no re-read, wait or report. */
    readonly refusalIsAnswer?: boolean;
  };
}

/** Where one call stands in its budgets, across the parse retries of one exchange. */
export interface Exchange {
  /** The transient-failure attempt being made (1 for the first). */
  attempt: number;
  /** Whether the one retry with a newer key version was made. */
  authRetried: boolean;
  /** Whether the one retry after a Date that looked replayed was made. */
  replayRetried?: boolean;
  /** The failure the next attempt retries (an unparseable body), so a deadline error still names it. */
  lastFailure?: unknown;
}

export interface RequestLoopSettings {
  readonly keyHeaderName: string;
  readonly maxResponseBytes: number;
  readonly caCertificatePem?: string;
  readonly transport: HttpTransport;
  readonly clock: Clock;
  readonly logger: LogSink;
}

export interface RequestLoopParts {
  readonly budget: RetryBudget;
  readonly authRetry: AuthRetry;
  readonly reporter: DenialReporter;
  readonly dates: ServerDates;
  readonly learnedSecrets: LearnedSecrets;
}

/** How much of an error answer an entity-service error quotes. */
const ERROR_BODY_SNIPPET_CHARS = 200;
/**
 * Sent on every request, as PTC's own clients do (ptc-iot-sharing/ThingworxVSCodeProject gulpfile.js;
 * PTC's "Use REST API to Access ThingWorx" guide): ThingWorx's CSRF content-type filter requires it on
 * multipart requests and ignores it elsewhere, so no request of ours can trip over that filter.
 * https://support.ptc.com/help/thingworx/platform/r9/en/ThingWorx/Help/REST_API/UpdatingtheRequestMethodandContentTypeFilteringforCSRFProtection.html
 */
const XSRF_TOKEN = { 'X-XSRF-TOKEN': 'TWX-XSRF-TOKEN-VALUE' } as const;
/** What a status means when ThingWorx answers it, for the error message (the body is not needed). */
const THINGWORX_STATUS_MEANINGS: Readonly<Record<number, string>> = {
  // PTC's troubleshooting table: https://community.ptc.com/t5/IoT-Tips/Use-REST-API-to-Access-ThingWorx-Part-4/ta-p/826284
  406: 'ThingWorx answers 406 to a request body that is not valid JSON',
};

export class RequestLoop {
  constructor(
    private readonly settings: RequestLoopSettings,
    private readonly parts: RequestLoopParts,
  ) {}

  /** The parsed JSON body of a successful exchange (a fresh empty InfoTable for a void entity-service answer). */
  async send(method: 'GET' | 'POST', url: URL, body: string | undefined, mode: SendMode): Promise<unknown> {
    // One attempt budget for transport failures and unparseable bodies alike: a body cut short uses up an
    // attempt, so a flaky gateway costs at most maxAttempts requests, not maxAttempts per parse retry.
    // The auth retry, too, happens at most once per call, whatever the parse retries.
    const { budget } = this.parts;
    const exchange: Exchange = { attempt: 1, authRetried: false };
    for (;;) {
      const response = await this.sendRaw(method, url, body, mode, exchange);
      const { attempt } = exchange;
      // A fresh empty InfoTable each time: parseInfoTable hands back the objects it was given.
      if (mode.entityService && response.body.trim() === '')
        return { dataShape: { fieldDefinitions: {} }, rows: [] };
      let json: unknown;
      try {
        json = JSON.parse(response.body);
      } catch {
        // A complete 200 with half a JSON document is a glitch on the way (gateway, truncation): worth one more try.
        const error = new InvalidResponseError(
          `${method} ${describeUrl(url)}: body is not valid JSON (${response.body.length} chars; truncated?)`,
          true,
        );
        const delayMs = budget.backoffDelayMs(attempt);
        if (attempt >= mode.maxAttempts || !budget.fitsBeforeDeadline(delayMs)) throw error;
        this.settings.logger.warn('Retrying after an unparseable JSON body', {
          request: describeUrl(url),
          delayMs,
        });
        await budget.sleep(delayMs);
        exchange.attempt = attempt + 1;
        exchange.lastFailure = error;
        continue;
      }
      if (mode.answersSecret) this.parts.learnedSecrets.learnResults(json);
      return json;
    }
  }

  /**
   * Runs the retry and auth rules; resolves only with a 2xx JSON answer that did not come from a cache.
   * Attempts are counted on from `exchange.attempt`, which is left at the one that got the answer.
   */
  async sendRaw(
    method: 'GET' | 'POST',
    url: URL,
    body: string | undefined,
    mode: SendMode,
    exchange: Exchange = { attempt: 1, authRetried: false },
  ): Promise<HttpResponse> {
    const { budget, authRetry, reporter } = this.parts;
    const { clock, logger } = this.settings;
    const requestName = `${method} ${describeUrl(url)}`;
    let key = await authRetry.usableKey(requestName);
    let { authRetried } = exchange;
    let lastFailure: unknown = exchange.lastFailure;

    for (let attempt = exchange.attempt; ; attempt++) {
      if (urlCarriesKey(url, key, this.settings.keyHeaderName)) {
        throw reporter.denied(reporter.refusedBeforeSending('key-in-url', key, requestName), false);
      }
      const timeoutMs = budget.attemptTimeoutMs(attempt, requestName, lastFailure);

      let response: HttpResponse;
      const sentAtMs = clock.nowMs();
      try {
        response = await this.settings.transport({
          method,
          url,
          headers: this.headers(key, body !== undefined),
          ...(body === undefined ? {} : { body }),
          timeoutMs,
          maxResponseBytes: this.settings.maxResponseBytes,
          ...(this.settings.caCertificatePem ? { caCertificatePem: this.settings.caCertificatePem } : {}),
        });
      } catch (error) {
        // A first attempt the run deadline cut short that timed out says the time is up, not that the
        // endpoint failed: it might have answered within the request timeout it is owed.
        if (isTimeout(error) && lastFailure === undefined && budget.cutShort(timeoutMs)) {
          throw budget.timeIsUp(requestName, timeoutMs, error);
        }
        if (!(error instanceof EndpointUnreachableError) || attempt >= mode.maxAttempts) throw error;
        lastFailure = error;
        await budget.backoff(attempt, undefined, requestName, error, error.message);
        continue;
      }

      const context = this.answerContext(response, sentAtMs, mode, requestName);
      const { replayedDate } = context;
      const { status } = response;

      if (status >= 200 && status < 300) {
        const contentType = response.headers['content-type'] ?? '';
        // A service without output may answer an empty 200 (any content type) on a real server.
        const voidAnswer = mode.entityService !== undefined && response.body.trim() === '';
        // Only suspicious answers are diagnosed: a healthy page of data is not scanned or redacted.
        const suspicion = suspicionOf(response, replayedDate, voidAnswer);
        if (suspicion) {
          const diagnosis = reporter.diagnoseResponse(response, key, undefined, context);
          // A Date alone may come from a pool node not seen yet: one more request tells it from a cache.
          const delayMs = budget.backoffDelayMs(attempt);
          if (
            suspicion === 'replayed-date' &&
            !exchange.replayRetried &&
            attempt < mode.maxAttempts &&
            budget.fitsBeforeDeadline(delayMs)
          ) {
            logger.warn('Answer Date looks replayed by a cache; retrying once', {
              request: requestName,
              signals: diagnosis.evidence.signals,
              delayMs,
            });
            exchange.replayRetried = true;
            lastFailure = new AccessDeniedError(diagnosis);
            await budget.sleep(delayMs);
            continue;
          }
          throw reporter.denied(diagnosis, false);
        }
        if (!voidAnswer && !/^application\/([\w.+-]*\+)?json\b/i.test(contentType)) {
          const shown = redactHeaderValue('content-type', contentType, this.secrets(key));
          throw new InvalidResponseError(`${requestName}: expected application/json, got "${shown}"`, false);
        }
        reporter.noteAccepted(key);
        exchange.attempt = attempt;
        return response;
      }

      if ((status === 401 || status === 403) && mode.entityService?.refusalIsAnswer) {
        throw new ServiceRefusedError(`${requestName} answered ${status}`, status, {
          bodySnippet: this.errorBodySnippet(response.body, key, mode),
        });
      }
      if (status === 403) await this.refuseMissingEntity(response, key, mode, requestName);
      if (status === 401 || status === 403) {
        const rereading = authRetried ? 'none' : mode.authRetry ? 'retry' : 'compare';
        key = await authRetry.afterDenial(response, key, context, rereading);
        authRetried = true;
        exchange.authRetried = true;
        attempt--; // an auth retry is not a transient-failure attempt
        continue;
      }

      if (status === 407 || (status >= 300 && status < 400)) {
        const diagnosis = reporter.diagnoseResponse(response, key, undefined, context);
        if (status === 407 || diagnosis.cause === 'proxy-auth') throw reporter.denied(diagnosis, false);
        throw new EndpointHttpError(`${requestName} answered ${status} (redirects are not followed)`, status);
      }

      if (isRetryableStatus(status) && attempt < mode.maxAttempts) {
        lastFailure = new EndpointHttpError(`${requestName} answered ${status}`, status);
        const retryAfterMs = honoursRetryAfter(status)
          ? parseRetryAfterMs(response.headers['retry-after'], clock.nowMs())
          : undefined;
        await budget.backoff(attempt, retryAfterMs, requestName, lastFailure, `HTTP ${status}`);
        continue;
      }
      const sentOnce = mode.entityService?.idempotent === false;
      const attempts = sentOnce ? ' (sent once: not idempotent)' : ` after ${attempt} attempts`;
      const meaning = THINGWORX_STATUS_MEANINGS[status];
      const ErrorClass = status === 404 && mode.entityService ? EntityNotFoundError : EndpointHttpError;
      throw new ErrorClass(
        `${requestName} answered ${status}${isRetryableStatus(status) ? attempts : ''}${meaning ? ` (${meaning})` : ''}`,
        status,
        mode.entityService ? { bodySnippet: this.errorBodySnippet(response.body, key, mode) } : {},
      );
    }
  }

  /**
   * ThingWorx sometimes answers 403 instead of 404 for an entity that does not exist, with a body no
   * different from a denial's; the caller's entityExists (e.g. the collection's entity list) decides.
   */
  private async refuseMissingEntity(
    response: HttpResponse,
    key: AppKey,
    mode: SendMode,
    requestName: string,
  ): Promise<void> {
    const entityExists = mode.entityService?.entityExists;
    if (entityExists === undefined || (await entityExists())) return;
    throw new EntityNotFoundError(
      `${requestName} answered 403 for an entity the server does not list: read as not found`,
      response.status,
      { bodySnippet: this.errorBodySnippet(response.body, key, mode) },
    );
  }

  /**
   * The start of an error answer for the operator: every secret and key service `result` redacted before
   * it is cut, so no prefix survives; nothing at all of a call that answers a secret.
   */
  private errorBodySnippet(body: string, key: AppKey, mode: SendMode): string {
    if (mode.answersSecret) return WITHHELD_BODY;
    const redacted = redactResults(redactSecrets(body, this.secrets(key)));
    return snippet(redacted, ERROR_BODY_SNIPPET_CHARS) || 'empty body';
  }

  private secrets(key: AppKey): Secrets {
    return { keys: [key], values: this.parts.learnedSecrets };
  }

  /** What the answer's Date and the call say about it, for its diagnosis; the Date is remembered if trusted. */
  private answerContext(
    response: HttpResponse,
    sentAtMs: number,
    mode: SendMode,
    requestName: string,
  ): AnswerContext {
    const { dates } = this.parts;
    const dated = datedAnswer(response, sentAtMs, this.settings.clock.nowMs());
    const replayedDate = dated && dates.replayOf(dated);
    // Only answers no cache is suspected of measure the pool: a replay must not widen what it is judged by.
    if (dated && !replayedDate && !cacheHeadersSay(response)) dates.remember(dated);
    return {
      requestName,
      ...(replayedDate ? { replayedDate } : {}),
      ...(mode.answersSecret ? { bodyHoldsSecret: true } : {}),
    };
  }

  private headers(key: AppKey, hasBody: boolean): Record<string, string> {
    return {
      [this.settings.keyHeaderName]: key.appKey,
      Accept: 'application/json',
      ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
      // Ask every cache on the way not to answer for the server: a cached 401 or page is not the truth.
      'Cache-Control': 'no-cache, no-store',
      Pragma: 'no-cache',
      ...XSRF_TOKEN,
    };
  }
}

function datedAnswer(
  response: HttpResponse,
  sentAtMs: number,
  receivedAtMs: number,
): DatedAnswer | undefined {
  const dateMs = dateHeaderMs(response.headers);
  return dateMs === undefined ? undefined : { dateMs, sentAtMs, receivedAtMs };
}

function isTimeout(error: unknown): boolean {
  return error instanceof EndpointUnreachableError && error.kind === 'timeout';
}
