// The time and attempt budget of one client: a timeout per attempt clipped to the run deadline, and
// backoff waits that are only taken when the wait plus a whole attempt still ends before the deadline.
import type { Clock } from '../shared/clock.js';
import type { LogSink } from '../shared/observability.js';
import { DeadlineExceededError } from './errors.js';
import { fullJitterBackoffMs, type RetryPolicy } from './retry-policy.js';

export interface RetryBudgetSettings {
  readonly deadlineEpochMs: number;
  readonly requestTimeoutMs: number;
  readonly retryPolicy: RetryPolicy;
  readonly clock: Clock;
  /** Uniform in [0, 1); drives the backoff jitter. */
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger: LogSink;
}

/** Below this much time left, a first attempt is not worth starting. */
const MIN_FIRST_ATTEMPT_MS = 100;

export class RetryBudget {
  constructor(private readonly settings: RetryBudgetSettings) {}

  /** Transient-failure attempts per call, the first included (at least one). */
  get maxAttempts(): number {
    return Math.max(1, this.settings.retryPolicy.maxAttempts);
  }

  /** The first attempt gets whatever time is left (clipped); a retry starts only if a full timeout fits. */
  attemptTimeoutMs(attempt: number, requestName: string, lastFailure: unknown): number {
    const { deadlineEpochMs, requestTimeoutMs, clock } = this.settings;
    const remainingMs = deadlineEpochMs - clock.nowMs();
    const neededMs = attempt === 1 ? MIN_FIRST_ATTEMPT_MS : requestTimeoutMs;
    if (remainingMs < neededMs) {
      throw new DeadlineExceededError(
        `${requestName}: ${remainingMs} ms left before the run deadline, not enough for attempt ${attempt}`,
        { cause: lastFailure },
      );
    }
    return Math.min(requestTimeoutMs, remainingMs);
  }

  /** Whether an attempt given `timeoutMs` got less than the request timeout because the run deadline came first. */
  cutShort(timeoutMs: number): boolean {
    return timeoutMs < this.settings.requestTimeoutMs;
  }

  /** The error for an attempt the deadline cut short that timed out: the time is up, the endpoint did not fail. */
  timeIsUp(requestName: string, timeoutMs: number, timeout: unknown): DeadlineExceededError {
    return new DeadlineExceededError(
      `${requestName}: no answer in the ${timeoutMs} ms left before the run deadline ` +
        `(less than the ${this.settings.requestTimeoutMs} ms request timeout)`,
      { cause: timeout, endpointFailed: false },
    );
  }

  /** Whether waiting `waitMs` and then making one whole attempt still ends before the deadline. */
  fitsBeforeDeadline(waitMs: number): boolean {
    const { clock, requestTimeoutMs, deadlineEpochMs } = this.settings;
    return clock.nowMs() + waitMs + requestTimeoutMs <= deadlineEpochMs;
  }

  /** The full-jitter wait before retry number `attempt`. */
  backoffDelayMs(attempt: number): number {
    return fullJitterBackoffMs(attempt, this.settings.retryPolicy, this.settings.random);
  }

  sleep(ms: number): Promise<void> {
    return this.settings.sleep(ms);
  }

  /** Waits before the next attempt (Retry-After when given, else backoff), or throws if that would cross the deadline. */
  async backoff(
    attempt: number,
    retryAfterMs: number | undefined,
    requestName: string,
    failure: unknown,
    what: string,
  ): Promise<void> {
    const delayMs = retryAfterMs ?? this.backoffDelayMs(attempt);
    if (!this.fitsBeforeDeadline(delayMs)) {
      throw new DeadlineExceededError(
        `${requestName}: not retrying after ${what}: waiting ${delayMs} ms${retryAfterMs === undefined ? '' : ' (Retry-After)'} ` +
          `plus a ${this.settings.requestTimeoutMs} ms attempt would end after the run deadline`,
        { cause: failure },
      );
    }
    this.settings.logger.warn('Retrying endpoint request', {
      request: requestName,
      attempt,
      after: what,
      delayMs,
    });
    await this.settings.sleep(delayMs);
  }
}
