// Access Denied explained: turns a 401/403/407 (or an HTML page instead of JSON) into one named cause
// with the evidence that led to it, logs it as one structured line and counts it in `AuthFailure`
// by `Cause`. Classification is a pure function so every rule is testable without a server.
// A 401 body is never required: ThingWorx documents none and answers a key in the URL with a bare 401
// (PTC article CS264349, https://www.ptc.com/en/support/article?n=CS264349), so every 401 cause is
// decided by status, headers and what the client knows; a body may only add detail.
import type { AppKey } from '../app-key/key-source.js';
import { SyncWardenError } from '../shared/errors.js';
import type { DimensionedMetricsSink, LogSink } from '../shared/observability.js';
import { type AccessDeniedCause, CAUSE_GUIDE } from './cause-guide.js';
import {
  CACHE_STATUS_HEADERS,
  pickEvidenceHeaders,
  redactHeaders,
  redactResults,
  redactSecrets,
  type Secrets,
  snippet,
  WITHHELD_BODY,
} from './evidence.js';
import type { DateReplay } from './server-dates.js';

export { ACCESS_DENIED_CAUSES, type AccessDeniedCause, CAUSE_GUIDE } from './cause-guide.js';
export { redact } from './evidence.js';

const BODY_SNIPPET_CHARS = 300;

export interface ObservedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface DiagnosisInput {
  /** Host or configured target name, for the operator. */
  readonly target: string;
  /** Method and URL without query string. */
  readonly request: string;
  /** Absent when the client refused before sending (expired key, key in URL). */
  readonly response?: ObservedResponse;
  readonly keyUsed: AppKey;
  /** The store's current key after a refresh, when one was made. */
  readonly currentKey?: AppKey;
  readonly nowMs: number;
  readonly clockSkewToleranceMs: number;
  /** Last measured offset of the target's clock (server − ours), from the skew monitor. */
  readonly knownSkewMs?: number;
  /** Set when the answer's Date is one a cache replayed (server-dates.ts): identical, too far apart. */
  readonly replayedDate?: DateReplay;
  /** Secret values the client was answered earlier (a new key's value): redacted like the keys. */
  readonly learnedSecrets?: Iterable<string>;
  /** The call answers a secret (GetKeyID): its body is never quoted, whatever the status. */
  readonly bodyHoldsSecret?: boolean;
  /** This key version was accepted earlier in the same run (server-side inconsistency or revocation). */
  readonly sameKeyAcceptedEarlier?: boolean;
  /** Set when the client refused to send: the reason it refused. */
  readonly refusedBeforeSending?: 'expired-key' | 'key-in-url';
}

export interface Evidence {
  readonly target: string;
  readonly request: string;
  readonly status?: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodySnippet?: string;
  readonly versionIdUsed: string;
  readonly versionIdCurrent?: string;
  readonly keyName?: string;
  readonly expiresAt?: string;
  readonly checkedAt: string;
  /** Server Date − our clock, from this response (1 s resolution). */
  readonly responseClockOffsetMs?: number;
  readonly knownSkewMs?: number;
  readonly sameKeyAcceptedEarlier?: boolean;
  /** The observations that decided the cause, in words. */
  readonly signals: readonly string[];
}

export interface Diagnosis {
  readonly cause: AccessDeniedCause;
  readonly meaning: string;
  readonly action: string;
  readonly evidence: Evidence;
}

/** A classified access failure. `reason` and `cause` both hold the cause id (safe for metrics). */
export class AccessDeniedError extends SyncWardenError {
  declare readonly cause: AccessDeniedCause;
  readonly evidence: Evidence;

  constructor(readonly diagnosis: Diagnosis) {
    const { cause, evidence } = diagnosis;
    const status = evidence.status === undefined ? 'refused before sending' : `HTTP ${evidence.status}`;
    super(
      `Access denied (${cause}) for ${evidence.request} [${status}]: ${diagnosis.meaning}. ` +
        `What to do: ${diagnosis.action}. Signals: ${evidence.signals.join('; ') || 'none'}`,
      cause,
      { cause },
    );
    this.evidence = evidence;
  }
}

/** Classifies one denial. Pure: the same input always gives the same cause. */
export function diagnose(input: DiagnosisInput): Diagnosis {
  const { response, keyUsed, currentKey } = input;
  // Learned values are read once: every header and the body are redacted against the same list.
  const secrets: Secrets = {
    keys: [keyUsed, currentKey],
    values: input.learnedSecrets && [...input.learnedSecrets],
  };
  // Rules read the headers as answered ('' when absent); evidence, signals and messages quote them
  // redacted only.
  const headers = response ? pickEvidenceHeaders(response.headers) : {};
  const header = (name: string): string => headers[name] ?? '';
  const quoted = redactHeaders(headers, secrets);
  // NaN when the answer has no readable Date, and so is the offset: no comparison with NaN holds.
  const serverDateMs = Date.parse(header('date'));
  const dateOffsetMs = serverDateMs - input.nowMs;
  const expiresAt = keyUsed.expiresAt?.toISOString();
  const body = response ? redactResults(redactSecrets(response.body, secrets)) : undefined;
  const bodySnippet =
    body === undefined
      ? undefined
      : input.bodyHoldsSecret
        ? WITHHELD_BODY
        : snippet(body, BODY_SNIPPET_CHARS);

  const evidence = (signals: string[]): Evidence =>
    withoutUndefined({
      target: input.target,
      request: input.request,
      status: response?.status,
      headers: quoted,
      bodySnippet,
      versionIdUsed: keyUsed.versionId,
      versionIdCurrent: currentKey?.versionId,
      keyName: keyUsed.keyName,
      expiresAt,
      checkedAt: new Date(input.nowMs).toISOString(),
      responseClockOffsetMs: Number.isNaN(dateOffsetMs) ? undefined : dateOffsetMs,
      knownSkewMs: input.knownSkewMs,
      sameKeyAcceptedEarlier: input.sameKeyAcceptedEarlier,
      signals,
    });
  const result = (cause: AccessDeniedCause, signals: string[]): Diagnosis => ({
    cause,
    ...CAUSE_GUIDE[cause],
    evidence: evidence(signals),
  });

  if (input.refusedBeforeSending === 'key-in-url')
    return result('key-in-url', ['the request URL carried the key']);
  if (input.refusedBeforeSending === 'expired-key') {
    return result('expired-key', [`expiresAt ${expiresAt} is not after now`]);
  }
  if (!response) return result('unknown', ['no response']);

  const status = response.status;
  const text = body ?? '';
  const isHtml = /html/i.test(header('content-type')) || /^\s*<(!doctype|html)/i.test(text);

  const proxySignals = [
    status === 407 ? 'HTTP 407 Proxy Authentication Required' : undefined,
    quoted['proxy-authenticate'] ? `Proxy-Authenticate: ${quoted['proxy-authenticate']}` : undefined,
    status >= 300 && status < 400 && /login|signin|sso|auth/i.test(header('location'))
      ? `redirect to a login page (${quoted.location})`
      : undefined,
    status < 300 && isHtml && /login|log in|sign in|password/i.test(text)
      ? 'an HTML login page answered instead of JSON'
      : undefined,
  ].filter(isString);
  if (proxySignals.length > 0) {
    if (quoted.via) proxySignals.push(`Via: ${quoted.via}`);
    return result('proxy-auth', proxySignals);
  }

  const cacheSignals = [
    Number(headers.age) > 0 ? `Age: ${quoted.age}` : undefined,
    ...CACHE_STATUS_HEADERS.map((name) =>
      /\bhit\b/i.test(header(name)) ? `${name}: ${quoted[name]}` : undefined,
    ),
    replayedDateSignal(input.replayedDate),
  ].filter(isString);
  if (cacheSignals.length > 0) return result('cached-response', cacheSignals);

  // Not 406: ThingWorx answers 406 to a body that is not valid JSON, which no gateway or key explains.
  if (status === 415 || (status === 403 && /content.?type|media.?type|csrf|xsrf/i.test(text))) {
    return result('content-type-rejected', [
      `HTTP ${status}${status === 403 ? ' mentioning the content type' : ''}`,
    ]);
  }

  if (status < 300 && isHtml) {
    const signals = ['HTML instead of JSON with a success status'];
    if (quoted.via) {
      signals.push(`Via: ${quoted.via}`);
      return result('proxy-auth', signals);
    }
    return result('unknown', signals);
  }

  if (currentKey && currentKey.versionId !== keyUsed.versionId) {
    return result('stale-key', [`used version ${keyUsed.versionId}, current is ${currentKey.versionId}`]);
  }

  // A key without expiresAt never expires, by our clock or the server's.
  const expiresAtMs = keyUsed.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (expiresAtMs <= input.nowMs) return result('expired-key', [`expiresAt ${expiresAt} has passed`]);

  const measuredSkewMs = input.knownSkewMs ?? Number.NaN; // not measured: like an unreadable Date, no skew
  const skewSignals = [
    Math.abs(dateOffsetMs) > input.clockSkewToleranceMs
      ? `response Date is ${Math.round(dateOffsetMs / 1000)} s from our clock (tolerance ${input.clockSkewToleranceMs / 1000} s)`
      : undefined,
    Math.abs(measuredSkewMs) > input.clockSkewToleranceMs
      ? `measured skew of the target is ${Math.round(measuredSkewMs / 1000)} s`
      : undefined,
  ].filter(isString);
  if (status === 401 && skewSignals.length > 0) {
    if (expiresAtMs <= serverDateMs) {
      skewSignals.push('the key is expired by the server clock but not by ours');
    }
    return result('clock-skew', skewSignals);
  }

  // Detail a body may add; with the bare 401 ThingWorx sends, the 401 rule below decides.
  if (/expired/i.test(text)) return result('expired-key', ['the server says the key expired']);

  if (status === 403 && /not authori[sz]ed/i.test(text)) {
    return result('permission-denied', ['HTTP 403 "Not authorized"']);
  }
  if (status === 403 && skewSignals.length > 0) return result('clock-skew', skewSignals);

  if (status === 401) {
    const signals = [
      currentKey ? `401 with the current secret version ${keyUsed.versionId}` : '401 (secret not re-read)',
    ];
    if (input.sameKeyAcceptedEarlier) {
      signals.push(
        'the same key version was accepted earlier in this run: revoked mid-run or servers disagree',
      );
    }
    return result('invalid-key', signals);
  }

  return result('unknown', [`HTTP ${status} matched no known cause`]);
}

/** One structured log line and one `AuthFailure` count per denial, dimension `Cause` only. */
export function reportAccessDenied(
  diagnosis: Diagnosis,
  deps: { readonly logger: LogSink; readonly metrics: DimensionedMetricsSink },
  outcome: { readonly recovered: boolean },
): void {
  deps.logger.warn(`Access denied: ${diagnosis.cause}`, {
    authFailureCause: diagnosis.cause,
    recovered: outcome.recovered,
    meaning: diagnosis.meaning,
    action: diagnosis.action,
    evidence: diagnosis.evidence,
  });
  const metric = deps.metrics.singleMetric();
  metric.addDimension('Cause', diagnosis.cause);
  metric.addMetric('AuthFailure', 'Count', 1);
}

function replayedDateSignal(replay: DateReplay | undefined): string | undefined {
  if (!replay) return undefined;
  return (
    `Date ${replay.date} replayed: answered ${(replay.apartMs / 1000).toFixed(1)} s apart here, ` +
    `beyond the ${(replay.genuineLimitMs / 1000).toFixed(1)} s two servers of this pool could be`
  );
}

function isString(value: string | undefined): value is string {
  return value !== undefined;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
