// The log of requests the simulator received, for tests to assert on. It never holds a key
// value: the appKey header is noted only as present or not, and key-like fields are redacted.
import type { FaultKind } from './faults.js';
import type { RefusalCause } from './thingworx-api.js';

export const REDACTED = '[redacted]';

export interface RecordedRequest {
  /** 1, 2, 3… in arrival order. */
  readonly seq: number;
  readonly method: string;
  readonly path: string;
  /** Query parameters; an `appKey` parameter's value is replaced by '[redacted]'. */
  readonly query: Readonly<Record<string, string>>;
  /** The JSON body, key-like fields (appKey, keyId, password, secret, token) redacted; undefined if none or not JSON. */
  readonly body: unknown;
  /** Whether an appKey header was sent (its value is never kept). */
  readonly hadAppKeyHeader: boolean;
  /** Whether `X-XSRF-TOKEN: TWX-XSRF-TOKEN-VALUE` was sent, as PTC's own clients do. */
  readonly hadXsrfToken: boolean;
  /** Which backend of the pool answered (0 without a pool). */
  readonly backend: number;
  /** Local `Date.now()` when the request arrived. */
  readonly receivedAtMs: number;
  /** Undefined while pending, or for a request that hung or whose client went away. */
  readonly status: number | undefined;
  /** Local `Date.now()` when the answer was written. */
  readonly answeredAtMs: number | undefined;
  /** The faults this request met, in the order they acted. */
  readonly faults: readonly FaultKind[];
  /** The name (never the value) of the key that authenticated it. */
  readonly keyName: string | undefined;
  /** Why ThingWorx refused it, when it did (or 'fault' for an injected authFlap). */
  readonly refusal: RefusalCause | 'fault' | undefined;
  /** The service invoked, for service paths. */
  readonly service: string | undefined;
}

export type RequestFilter =
  | {
      readonly method?: string;
      /** Substring of, or pattern for, the path. */
      readonly path?: string | RegExp;
      readonly status?: number;
      readonly service?: string;
      readonly fault?: FaultKind;
    }
  | ((request: RecordedRequest) => boolean);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type RequestRecord = Mutable<RecordedRequest> & { faults: FaultKind[] };

export class RequestLog {
  private records: RequestRecord[] = [];
  private seq = 0;

  start(
    init: Pick<RecordedRequest, 'method' | 'path' | 'backend' | 'hadAppKeyHeader' | 'hadXsrfToken'> & {
      search: URLSearchParams;
    },
  ) {
    this.seq += 1;
    const record: RequestRecord = {
      seq: this.seq,
      method: init.method,
      path: init.path,
      query: redactQuery(init.search),
      body: undefined,
      hadAppKeyHeader: init.hadAppKeyHeader,
      hadXsrfToken: init.hadXsrfToken,
      backend: init.backend,
      receivedAtMs: Date.now(),
      status: undefined,
      answeredAtMs: undefined,
      faults: [],
      keyName: undefined,
      refusal: undefined,
      service: undefined,
    };
    this.records.push(record);
    return record;
  }

  list(filter?: RequestFilter): RecordedRequest[] {
    return this.records.filter((r) => matches(r, filter)).map((r) => ({ ...r, faults: [...r.faults] }));
  }

  count(filter?: RequestFilter): number {
    return this.records.filter((r) => matches(r, filter)).length;
  }

  reset(): void {
    this.records = [];
  }
}

/** Parses a JSON body for the log, with key-like fields redacted; anything else is not kept. */
export function bodyForLog(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return redact(JSON.parse(body));
  } catch {
    return undefined;
  }
}

const SECRET_FIELD = /appkey|keyid|password|secret|token/i;

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, SECRET_FIELD.test(k) ? REDACTED : redact(v)]),
  );
}

function redactQuery(search: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of search) out[name] = SECRET_FIELD.test(name) ? REDACTED : value;
  return out;
}

function matches(record: RecordedRequest, filter: RequestFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'function') return filter(record);
  if (filter.method !== undefined && record.method !== filter.method.toUpperCase()) return false;
  if (filter.status !== undefined && record.status !== filter.status) return false;
  if (filter.service !== undefined && record.service !== filter.service) return false;
  if (filter.fault !== undefined && !record.faults.includes(filter.fault)) return false;
  if (filter.path !== undefined) {
    const ok =
      typeof filter.path === 'string' ? record.path.includes(filter.path) : filter.path.test(record.path);
    if (!ok) return false;
  }
  return true;
}
