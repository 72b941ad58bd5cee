// The client's diagnosis hooks: turns what one request met into a Diagnosis (with what this client saw
// earlier: accepted key versions, a replayed server Date, the secrets it was answered), and reports it as
// a log line, an `AuthFailure` count and the caller's onAccessDenied hook, exactly once per denial.
import type { AppKey } from '../app-key/key-source.js';
import type { Clock } from '../shared/clock.js';
import type { DimensionedMetricsSink, LogSink } from '../shared/observability.js';
import {
  AccessDeniedError,
  type Diagnosis,
  type DiagnosisInput,
  diagnose,
  type ObservedResponse,
  reportAccessDenied,
} from './diagnose.js';
import type { LearnedSecrets } from './learned-secrets.js';
import type { DateReplay } from './server-dates.js';

export interface DenialReporterSettings {
  /** Name used in logs and evidence. */
  readonly target: string;
  readonly clockSkewToleranceMs: number;
  readonly knownSkewMs?: number;
  readonly clock: Clock;
  readonly logger: LogSink;
  readonly metrics: DimensionedMetricsSink;
  readonly onAccessDenied?: (diagnosis: Diagnosis, recovered: boolean) => void;
  /** Secret values the client was answered: no diagnosis quotes them. */
  readonly learnedSecrets: LearnedSecrets;
}

/** What of the request, beyond the answer, bears on its diagnosis. */
export interface AnswerContext {
  readonly requestName: string;
  /** Set when the answer's Date is one a cache replayed. */
  readonly replayedDate?: DateReplay;
  /** The call answers a secret: its body is never quoted. */
  readonly bodyHoldsSecret?: boolean;
}

export class DenialReporter {
  /** Key versions the server accepted during this client's life (one run). */
  private readonly acceptedVersionIds = new Set<string>();

  constructor(private readonly settings: DenialReporterSettings) {}

  noteAccepted(key: AppKey): void {
    this.acceptedVersionIds.add(key.versionId);
  }

  diagnoseResponse(
    response: ObservedResponse,
    keyUsed: AppKey,
    currentKey: AppKey | undefined,
    context: AnswerContext,
  ): Diagnosis {
    const input: DiagnosisInput = {
      ...this.diagnosisBase(context.requestName),
      response,
      keyUsed,
      ...(currentKey ? { currentKey } : {}),
      ...(context.replayedDate ? { replayedDate: context.replayedDate } : {}),
      ...(context.bodyHoldsSecret ? { bodyHoldsSecret: true } : {}),
      sameKeyAcceptedEarlier: this.acceptedVersionIds.has(keyUsed.versionId),
    };
    return diagnose(input);
  }

  /** The diagnosis of a request the client refused to send. */
  refusedBeforeSending(
    reason: NonNullable<DiagnosisInput['refusedBeforeSending']>,
    keyUsed: AppKey,
    requestName: string,
  ): Diagnosis {
    return diagnose({ ...this.diagnosisBase(requestName), keyUsed, refusedBeforeSending: reason });
  }

  /** Reports a denial that ends the call and returns the error to throw. */
  denied(diagnosis: Diagnosis, recovered: boolean): AccessDeniedError {
    this.report(diagnosis, recovered);
    return new AccessDeniedError(diagnosis);
  }

  report(diagnosis: Diagnosis, recovered: boolean): void {
    const { logger, metrics, onAccessDenied } = this.settings;
    reportAccessDenied(diagnosis, { logger, metrics }, { recovered });
    onAccessDenied?.(diagnosis, recovered);
  }

  private diagnosisBase(requestName: string) {
    const { target, clock, clockSkewToleranceMs, knownSkewMs, learnedSecrets } = this.settings;
    return {
      target,
      request: requestName,
      learnedSecrets,
      nowMs: clock.nowMs(),
      clockSkewToleranceMs,
      ...(knownSkewMs === undefined ? {} : { knownSkewMs }),
    };
  }
}
