// Access Denied explained: turns a 401/403/407 (or an HTML page instead of JSON) into one named cause
// with the evidence that led to it, logs it as one structured line and counts it in `AuthFailure`
// by `Cause`. Classification is a pure function so every rule is testable without a server.
import type { AppKey } from '../app-key/key-source.js';
import { SyncWardenError } from '../shared/errors.js';
import type { DimensionedMetricsSink, LogSink } from '../shared/observability.js';

export const ACCESS_DENIED_CAUSES = [
  'stale-key',
  'expired-key',
  'invalid-key',
  'permission-denied',
  'content-type-rejected',
  'proxy-auth',
  'cached-response',
  'clock-skew',
  'key-in-url',
  'unknown',
] as const;

export type AccessDeniedCause = (typeof ACCESS_DENIED_CAUSES)[number];

/** What each cause means and what the operator should do; shared by errors, logs and the README table. */
export const CAUSE_GUIDE: Readonly<
  Record<AccessDeniedCause, { readonly meaning: string; readonly action: string }>
> = Object.freeze({
  'stale-key': {
    meaning: 'the request used an older secret version than the one now current (key rotated while warm)',
    action:
      'none if the retry with the new version succeeded; otherwise check the new key is live on the server',
  },
  'expired-key': {
    meaning: 'the key is past its expiresAt (or the server says it expired)',
    action: 'create a new app key on the server and put it (with its expiresAt) in the secret',
  },
  'invalid-key': {
    meaning: 'the server answered 401 to the current secret version: key unknown, revoked or mistyped',
    action: 'check the key exists and is enabled on the server and matches the secret; replace it if revoked',
  },
  'permission-denied': {
    meaning: 'the key authenticated but its user lacks a permission (403 "Not authorized")',
    action: "grant the key's user the permission named in the evidence (e.g. ServiceInvoke on the Thing)",
  },
  'content-type-rejected': {
    meaning: 'the server or a gateway rejected the request or response content type (403/406/415)',
    action: 'check that a gateway does not rewrite Content-Type/Accept and that the service accepts JSON',
  },
  'proxy-auth': {
    meaning:
      'a proxy or gateway auth layer answered instead of the server (407, Proxy-Authenticate, login page)',
    action:
      'allow the Lambda through the proxy/gateway (or bypass it for this host); check Via in the evidence',
  },
  'cached-response': {
    meaning: 'the answer came from a cache, not the server (Age, X-Cache HIT, Date that did not advance)',
    action: 'disable caching for the service path on the CDN/proxy; the client already sends no-cache',
  },
  'clock-skew': {
    meaning: "the server's Date differs from ours by more than the tolerance, so time-based checks disagree",
    action:
      'fix NTP/timezone on the server (see the clock-skew monitor); widen the tolerance only if justified',
  },
  'key-in-url': {
    meaning: 'the key was (or would have been) sent in the URL, which ThingWorx rejects and logs expose',
    action: 'remove the key from the configured URL/path; the client sends it only in the key header',
  },
  unknown: {
    meaning: 'an access failure that matches no known cause',
    action: 'read the status, headers and body snippet in the evidence; report a new cause if it recurs',
  },
});

/** Response headers that can explain a denial; everything else is left out of logs. */
const EVIDENCE_HEADERS = [
  'date',
  'age',
  'via',
  'x-cache',
  'x-cache-status',
  'cf-cache-status',
  'proxy-authenticate',
  'www-authenticate',
  'content-type',
  'location',
  'server',
  'retry-after',
] as const;

const BODY_SNIPPET_CHARS = 300;
const REDACTED = '[REDACTED]';
/** A Date that did not move although our clock moved at least this much means a replayed answer. */
export const FROZEN_DATE_MIN_ELAPSED_MS = 2_000;

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
  /** The previous response's Date and our clock when we read it, to spot a Date that does not advance. */
  readonly previousDate?: { readonly serverDateMs: number; readonly localMs: number };
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
  const headers = response ? pickEvidenceHeaders(response.headers) : {};
  const serverDateMs = headers.date === undefined ? undefined : Date.parse(headers.date);
  const responseClockOffsetMs =
    serverDateMs === undefined || Number.isNaN(serverDateMs) ? undefined : serverDateMs - input.nowMs;
  const body = response ? redact(response.body, keyUsed, currentKey) : undefined;

  const evidence = (signals: string[]): Evidence =>
    withoutUndefined({
      target: input.target,
      request: input.request,
      status: response?.status,
      headers: redactRecord(headers, keyUsed, currentKey),
      bodySnippet: body === undefined ? undefined : snippet(body),
      versionIdUsed: keyUsed.versionId,
      versionIdCurrent: currentKey?.versionId,
      keyName: keyUsed.keyName,
      expiresAt: keyUsed.expiresAt?.toISOString(),
      checkedAt: new Date(input.nowMs).toISOString(),
      responseClockOffsetMs,
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
    return result('expired-key', [`expiresAt ${keyUsed.expiresAt?.toISOString()} is not after now`]);
  }
  if (!response) return result('unknown', ['no response']);

  const status = response.status;
  const text = body ?? '';
  const isHtml = /html/i.test(headers['content-type'] ?? '') || /^\s*<(!doctype|html)/i.test(text);

  if (
    /app(lication)?[ -]?key[^.]{0,60}\b(url|query)|\b(url|query)[^.]{0,60}app(lication)?[ -]?key/i.test(text)
  ) {
    return result('key-in-url', ['the server says the key must not be passed in the URL/query string']);
  }

  const proxySignals = [
    status === 407 ? 'HTTP 407 Proxy Authentication Required' : undefined,
    headers['proxy-authenticate'] ? `Proxy-Authenticate: ${headers['proxy-authenticate']}` : undefined,
    status >= 300 && status < 400 && /login|signin|sso|auth/i.test(headers.location ?? '')
      ? `redirect to a login page (${headers.location})`
      : undefined,
    status < 300 && isHtml && /login|log in|sign in|password/i.test(text)
      ? 'an HTML login page answered instead of JSON'
      : undefined,
  ].filter(isString);
  if (proxySignals.length > 0) {
    if (headers.via) proxySignals.push(`Via: ${headers.via}`);
    return result('proxy-auth', proxySignals);
  }

  const cacheSignals = [
    Number(headers.age) > 0 ? `Age: ${headers.age}` : undefined,
    ...(['x-cache', 'x-cache-status', 'cf-cache-status'] as const).map((name) =>
      /\bhit\b/i.test(headers[name] ?? '') ? `${name}: ${headers[name]}` : undefined,
    ),
    frozenDateSignal(serverDateMs, input),
  ].filter(isString);
  if (cacheSignals.length > 0) return result('cached-response', cacheSignals);

  if (
    status === 406 ||
    status === 415 ||
    (status === 403 && /content.?type|media.?type|csrf|xsrf/i.test(text))
  ) {
    return result('content-type-rejected', [
      `HTTP ${status}${status === 403 ? ' mentioning the content type' : ''}`,
    ]);
  }

  if (status < 300 && isHtml) {
    const signals = ['HTML instead of JSON with a success status'];
    if (headers.via) {
      signals.push(`Via: ${headers.via}`);
      return result('proxy-auth', signals);
    }
    return result('unknown', signals);
  }

  if (currentKey && currentKey.versionId !== keyUsed.versionId) {
    return result('stale-key', [`used version ${keyUsed.versionId}, current is ${currentKey.versionId}`]);
  }

  const expiresAtMs = keyUsed.expiresAt?.getTime();
  if (expiresAtMs !== undefined && expiresAtMs <= input.nowMs) {
    return result('expired-key', [`expiresAt ${keyUsed.expiresAt?.toISOString()} has passed`]);
  }

  const skewSignals = [
    responseClockOffsetMs !== undefined && Math.abs(responseClockOffsetMs) > input.clockSkewToleranceMs
      ? `response Date is ${Math.round(responseClockOffsetMs / 1000)} s from our clock (tolerance ${input.clockSkewToleranceMs / 1000} s)`
      : undefined,
    input.knownSkewMs !== undefined && Math.abs(input.knownSkewMs) > input.clockSkewToleranceMs
      ? `measured skew of the target is ${Math.round(input.knownSkewMs / 1000)} s`
      : undefined,
  ].filter(isString);
  if (status === 401 && skewSignals.length > 0) {
    if (expiresAtMs !== undefined && serverDateMs !== undefined && expiresAtMs <= serverDateMs) {
      skewSignals.push('the key is expired by the server clock but not by ours');
    }
    return result('clock-skew', skewSignals);
  }

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

/** Replaces every form of the key (raw, URL-encoded) in a text. */
export function redact(text: string, ...keys: readonly (AppKey | undefined)[]): string {
  let redacted = text;
  for (const key of keys) {
    if (!key) continue;
    for (const form of new Set([key.appKey, encodeURIComponent(key.appKey)])) {
      redacted = redacted.split(form).join(REDACTED);
    }
  }
  return redacted;
}

function redactRecord(
  record: Readonly<Record<string, string>>,
  ...keys: readonly (AppKey | undefined)[]
): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([name, value]) => [name, redact(value, ...keys)]));
}

function pickEvidenceHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of EVIDENCE_HEADERS) {
    const value = headers[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

function frozenDateSignal(serverDateMs: number | undefined, input: DiagnosisInput): string | undefined {
  const previous = input.previousDate;
  if (!previous || serverDateMs === undefined || Number.isNaN(serverDateMs)) return undefined;
  const elapsedMs = input.nowMs - previous.localMs;
  if (elapsedMs >= FROZEN_DATE_MIN_ELAPSED_MS && serverDateMs <= previous.serverDateMs) {
    return `Date did not advance although ${Math.round(elapsedMs / 1000)} s passed here`;
  }
  return undefined;
}

/** Called on already-redacted text only: cutting first could leave a key prefix that no longer matches. */
function snippet(text: string): string {
  const collapsed = text
    .slice(0, BODY_SNIPPET_CHARS * 4)
    .replace(/\s+/g, ' ')
    .trim();
  return collapsed.length > BODY_SNIPPET_CHARS ? `${collapsed.slice(0, BODY_SNIPPET_CHARS)}…` : collapsed;
}

function isString(value: string | undefined): value is string {
  return value !== undefined;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
