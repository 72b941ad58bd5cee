// Failures of the endpoint client other than Access Denied (see diagnose.ts for those). Messages name
// the request by method and URL without query string; the key is never part of either.
import { SyncWardenError } from '../shared/errors.js';

/** Plain HTTP to a non-loopback host, a URL with credentials, or an unusable base URL. */
export class InsecureEndpointError extends SyncWardenError {
  constructor(message: string) {
    super(message, 'insecure-endpoint');
  }
}

/** The connection failed or the per-request timeout fired; retried while the deadline allows. */
export class EndpointUnreachableError extends SyncWardenError {
  constructor(
    message: string,
    readonly kind: 'network' | 'timeout',
    options?: { cause?: unknown },
  ) {
    super(message, 'endpoint-unreachable', options);
  }
}

/** The response exceeded the configured size cap; never retried (it would be as large again). */
export class ResponseTooLargeError extends SyncWardenError {
  constructor(message: string) {
    super(message, 'response-too-large');
  }
}

/** An HTTP status the client does not retry (or stopped retrying), other than the Access Denied family. */
export class EndpointHttpError extends SyncWardenError {
  /** The start of the answer, key redacted; only entity-service calls carry it (their errors explain themselves). */
  declare readonly bodySnippet?: string;

  constructor(
    message: string,
    readonly status: number,
    options: { readonly bodySnippet?: string } = {},
  ) {
    super(message, 'endpoint-http-error');
    if (options.bodySnippet !== undefined) Object.assign(this, { bodySnippet: options.bodySnippet });
  }
}

/**
 * An entity service found no such entity: a 404, or a 403 for an entity the server does not list
 * (ThingWorx sometimes answers 403 instead of 404). `status` is the status actually answered.
 */
export class EntityNotFoundError extends EndpointHttpError {}

/**
 * A 401/403 to an entity service the caller asked with `refusalIsAnswer`: the server's "no" is the answer
 * (the key may not call that service), so it was neither retried with a re-read key nor reported as an
 * Access Denied of the run. `status` is the status answered.
 */
export class ServiceRefusedError extends EndpointHttpError {}

/** A 2xx answer that is not the expected JSON (wrong content type, truncated or malformed body). */
export class InvalidResponseError extends SyncWardenError {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message, 'invalid-response');
  }
}

/**
 * No (further) attempt fits before the run deadline; `cause` holds the last failure, if any.
 * `endpointFailed` says whether the endpoint failed on the way (the deadline then stopped its retries)
 * or only the time ran out: true by default when there is a cause. An attempt the deadline cut short
 * that timed out has a cause but no failure of the endpoint: it was not given its request timeout.
 */
export class DeadlineExceededError extends SyncWardenError {
  readonly endpointFailed: boolean;

  constructor(message: string, options?: { cause?: unknown; endpointFailed?: boolean }) {
    super(message, 'deadline-exceeded', options?.cause === undefined ? undefined : { cause: options.cause });
    this.endpointFailed = options?.endpointFailed ?? options?.cause !== undefined;
  }
}
