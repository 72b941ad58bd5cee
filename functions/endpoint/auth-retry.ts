// Which key to send, and the version-aware auth retry: after a 401/403 the secret is re-read; if its
// version is unchanged the client waits 1–3 s (a rotation may be landing) and re-reads once more, and it
// retries only with a newer version. A revoked key so fails after one request, a rotation costs nothing.
import { assertKeyNotExpired, ExpiredKeyError } from '../app-key/key-expiry.js';
import type { AppKey, KeySource } from '../app-key/key-source.js';
import type { Clock } from '../shared/clock.js';
import type { LogSink } from '../shared/observability.js';
import type { AnswerContext, DenialReporter } from './denial-reporter.js';
import type { AccessDeniedCause } from './diagnose.js';
import type { HttpResponse } from './http-request.js';
import type { RetryBudget } from './retry-budget.js';

export interface AuthRetrySettings {
  readonly keySource: KeySource;
  readonly clock: Clock;
  /** Uniform in [0, 1); drives the auth-wait jitter. */
  readonly random: () => number;
  readonly logger: LogSink;
}

/**
 * How a denial may re-read the secret: `retry` is the design's rule; `compare` reads once to tell a stale
 * key from an invalid one but never resends (probe); `none` after the one retry, whose key was just read.
 */
export type Rereading = 'retry' | 'compare' | 'none';

/** The wait before re-reading an unchanged secret after a 401/403: 1–3 s, long enough for a rotation to land. */
const AUTH_WAIT_MIN_MS = 1_000;
const AUTH_WAIT_JITTER_MS = 2_000;
/** Proxy, cache, content-type and key-in-URL denials do not depend on which key was sent: no re-read. */
const CAUSES_A_NEWER_KEY_MAY_FIX: ReadonlySet<AccessDeniedCause> = new Set<AccessDeniedCause>([
  'invalid-key',
  'permission-denied',
  'expired-key',
  'clock-skew',
  'unknown',
]);

export class AuthRetry {
  constructor(
    private readonly settings: AuthRetrySettings,
    private readonly budget: RetryBudget,
    private readonly reporter: DenialReporter,
  ) {}

  /** The key to start with; an expired cached copy is re-read once, since the store may already hold a new one. */
  async usableKey(requestName: string): Promise<AppKey> {
    const { keySource, clock } = this.settings;
    const source = keySource.describe();
    let key = await keySource.get();
    try {
      assertKeyNotExpired(key, source, clock.nowMs());
      return key;
    } catch (error) {
      if (!(error instanceof ExpiredKeyError)) throw error;
    }
    key = await keySource.refresh();
    try {
      assertKeyNotExpired(key, source, clock.nowMs());
      return key;
    } catch (error) {
      if (!(error instanceof ExpiredKeyError)) throw error;
      throw this.reporter.denied(this.reporter.refusedBeforeSending('expired-key', key, requestName), false);
    }
  }

  /**
   * After a 401/403 answered to `key`: resolves with a newer key worth one retry (the denial is then
   * reported as recovered), or throws the classified AccessDeniedError.
   */
  async afterDenial(
    response: HttpResponse,
    key: AppKey,
    context: AnswerContext,
    rereading: Rereading,
  ): Promise<AppKey> {
    const { reporter } = this;
    const { requestName } = context;
    const withoutRefresh = reporter.diagnoseResponse(response, key, undefined, context);
    if (!CAUSES_A_NEWER_KEY_MAY_FIX.has(withoutRefresh.cause)) throw reporter.denied(withoutRefresh, false);
    // After an auth retry the key in hand was just read, so it is the current one.
    let current: AppKey | undefined = key;
    if (rereading !== 'none') {
      const reread =
        rereading === 'retry'
          ? await this.rereadAfterDenial(key, requestName)
          : { current: await this.refreshQuietly(requestName) };
      if (reread.newer) {
        reporter.report(reporter.diagnoseResponse(response, key, reread.newer, context), true);
        return reread.newer;
      }
      current = reread.current;
    }
    throw reporter.denied(reporter.diagnoseResponse(response, key, current, context), false);
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
    const waitMs = AUTH_WAIT_MIN_MS + Math.floor(this.settings.random() * AUTH_WAIT_JITTER_MS);
    if (!this.budget.fitsBeforeDeadline(waitMs)) return { current: first };
    this.settings.logger.info('Key rejected and secret unchanged; re-reading once more after a short wait', {
      request: requestName,
      versionId: used.versionId,
      waitMs,
    });
    await this.budget.sleep(waitMs);
    const second = await this.refreshQuietly(requestName);
    if (second === undefined) return { current: first };
    return second.versionId !== used.versionId ? { newer: second } : { current: second };
  }

  /** A store that cannot be read after a denial must not hide the denial's diagnosis: log and carry on. */
  private async refreshQuietly(requestName: string): Promise<AppKey | undefined> {
    const { keySource, logger } = this.settings;
    try {
      return await keySource.refresh();
    } catch (error) {
      logger.warn('Could not re-read the app key after a denial', {
        request: requestName,
        source: keySource.describe(),
        error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error',
      });
      return undefined;
    }
  }
}
