// ThingWorx application key services, called with the admin key: create, read the key id, check and
// set expiry, delete. Built on the endpoint client's transport and URL policy rather than on
// ThingWorxClient, whose `callService` reaches Things only and retries blindly. Here reads and
// SetExpirationDate (an absolute date: same call, same result) retry transient failures; Create and
// Delete are sent once, and callers settle an ambiguous outcome by reading the key's state instead.
import { assertKeyNotExpired } from '../app-key/key-expiry.js';
import type { AppKey, KeySource } from '../app-key/key-source.js';
import { redact } from '../endpoint/diagnose.js';
import { EndpointUnreachableError } from '../endpoint/errors.js';
import {
  assertSecureUrl,
  describeUrl,
  type HttpResponse,
  type HttpTransport,
} from '../endpoint/http-request.js';
import { parseInfoTable } from '../endpoint/infotable.js';
import {
  DEFAULT_RETRY_POLICY,
  fullJitterBackoffMs,
  isRetryableStatus,
  type RetryPolicy,
} from '../endpoint/retry-policy.js';
import type { Clock } from '../shared/clock.js';
import { AdminKeyDeniedError, KeyServiceError } from './errors.js';

export interface NewKeySpec {
  readonly name: string;
  readonly userName: string;
  readonly expiresAtMs: number;
  readonly ipAllowlist: readonly string[];
}

/** What the rotation steps need from ThingWorx's key services (an interface, so steps can be tested alone). */
export interface KeyServices {
  /** The key's value, or undefined when no key has that name. Never log the result. */
  keyIdOf(name: string): Promise<string | undefined>;
  /** Creates the key unless one of that name exists; either way sets its expiry and returns its value. */
  ensureKey(spec: NewKeySpec): Promise<{ readonly keyId: string; readonly reused: boolean }>;
  /** IsExpired on the server's clock; `absent` when no key has that name. */
  expiryState(name: string): Promise<'live' | 'expired' | 'absent'>;
  setExpiration(name: string, expiresAtMs: number): Promise<'set' | 'absent'>;
  delete(name: string): Promise<'deleted' | 'absent'>;
}

export interface ThingWorxKeyServicesOptions {
  readonly baseUrl: URL;
  /** The admin key's store (its own secret); read once per instance, i.e. once per invocation. */
  readonly adminKey: KeySource;
  readonly keyHeaderName: string;
  readonly requestTimeoutMs: number;
  /** Epoch ms by which every request and retry must be over (from the invocation's remaining time). */
  readonly deadlineEpochMs: number;
}

export interface ThingWorxKeyServicesDeps {
  readonly transport: HttpTransport;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;
const BODY_SNIPPET_CHARS = 200;
const ENTITY_SERVICES = '/Thingworx/Resources/EntityServices/Services';
/** Reads are cheap: three attempts within the deadline is plenty for a step Secrets Manager retries anyway. */
const RETRY_POLICY: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 };

type Answer = { readonly found: true; readonly json: unknown } | { readonly found: false };

export class ThingWorxKeyServices implements KeyServices {
  private adminKeyRead?: Promise<AppKey>;

  constructor(
    private readonly options: ThingWorxKeyServicesOptions,
    private readonly deps: ThingWorxKeyServicesDeps,
  ) {
    assertSecureUrl(options.baseUrl);
  }

  async keyIdOf(name: string): Promise<string | undefined> {
    const answer = await this.invoke(keyServicePath(name, 'GetKeyID'), {}, { retry: true });
    if (!answer.found) return undefined;
    const keyId = resultOf(answer.json, `GetKeyID of ${name}`);
    if (typeof keyId !== 'string' || keyId === '') {
      throw new KeyServiceError(`GetKeyID of application key ${name} answered no key id`);
    }
    return keyId;
  }

  async ensureKey(spec: NewKeySpec): Promise<{ keyId: string; reused: boolean }> {
    let reused = (await this.keyIdOf(spec.name)) !== undefined;
    if (!reused) {
      try {
        await this.requireFound(
          'CreateApplicationKey',
          await this.invoke(
            `${ENTITY_SERVICES}/CreateApplicationKey`,
            {
              name: spec.name,
              userName: spec.userName,
              expirationDate: spec.expiresAtMs,
              ...(spec.ipAllowlist.length > 0 ? { ipWhitelist: spec.ipAllowlist.join(',') } : {}),
            },
            { retry: false },
          ),
        );
      } catch (error) {
        // The create may have landed although its answer was lost (or a concurrent retry made it).
        if ((await this.keyIdOf(spec.name)) === undefined) throw error;
        reused = true;
      }
    }
    // Also for a reused key, and for servers that ignore expirationDate on create: the stored
    // expiresAt must be the server's.
    if ((await this.setExpiration(spec.name, spec.expiresAtMs)) === 'absent') {
      throw new KeyServiceError(`application key ${spec.name} vanished right after it was created`);
    }
    const keyId = await this.keyIdOf(spec.name);
    if (keyId === undefined) {
      throw new KeyServiceError(`application key ${spec.name} vanished right after it was created`);
    }
    return { keyId, reused };
  }

  async expiryState(name: string): Promise<'live' | 'expired' | 'absent'> {
    const answer = await this.invoke(keyServicePath(name, 'IsExpired'), {}, { retry: true });
    if (!answer.found) return 'absent';
    const result = resultOf(answer.json, `IsExpired of ${name}`);
    if (typeof result !== 'boolean') {
      throw new KeyServiceError(
        `IsExpired of application key ${name} answered ${typeof result}, not a boolean`,
      );
    }
    return result ? 'expired' : 'live';
  }

  async setExpiration(name: string, expiresAtMs: number): Promise<'set' | 'absent'> {
    const answer = await this.invoke(
      keyServicePath(name, 'SetExpirationDate'),
      { expirationDate: expiresAtMs },
      { retry: true },
    );
    return answer.found ? 'set' : 'absent';
  }

  async delete(name: string): Promise<'deleted' | 'absent'> {
    if ((await this.keyIdOf(name)) === undefined) return 'absent';
    try {
      await this.requireFound(
        'DeleteApplicationKey',
        await this.invoke(`${ENTITY_SERVICES}/DeleteApplicationKey`, { name }, { retry: false }),
      );
      return 'deleted';
    } catch (error) {
      // A delete whose answer was lost (or a concurrent one) leaves the key gone: that is success.
      if ((await this.keyIdOf(name)) === undefined) return 'deleted';
      throw error;
    }
  }

  private async requireFound(service: string, answer: Answer): Promise<void> {
    if (!answer.found) throw new KeyServiceError(`${service} is not available on this server`, 404);
  }

  /** POSTs one service; 404 (no such key) is an answer, 401/403 and other failures throw with the cause. */
  private async invoke(
    path: string,
    params: Readonly<Record<string, unknown>>,
    mode: { readonly retry: boolean },
  ): Promise<Answer> {
    const adminKey = await this.readAdminKey();
    const url = this.resolve(path);
    const requestName = `POST ${describeUrl(url)}`;
    const maxAttempts = mode.retry ? RETRY_POLICY.maxAttempts : 1;
    for (let attempt = 1; ; attempt++) {
      const remainingMs = this.options.deadlineEpochMs - this.deps.clock.nowMs();
      if (remainingMs <= 0) throw new KeyServiceError(`${requestName}: no time left before the deadline`);
      let response: HttpResponse;
      try {
        response = await this.deps.transport({
          method: 'POST',
          url,
          headers: {
            [this.options.keyHeaderName]: adminKey.appKey,
            Accept: 'application/json',
            'Content-Type': 'application/json',
            'Cache-Control': 'no-cache, no-store',
            Pragma: 'no-cache',
          },
          body: JSON.stringify(params),
          timeoutMs: Math.min(this.options.requestTimeoutMs, remainingMs),
          maxResponseBytes: MAX_RESPONSE_BYTES,
        });
      } catch (error) {
        if (
          error instanceof EndpointUnreachableError &&
          attempt < maxAttempts &&
          (await this.backoff(attempt))
        ) {
          continue;
        }
        throw error;
      }
      const { status } = response;
      if (status >= 200 && status < 300)
        return { found: true, json: this.parseSuccess(response, requestName) };
      if (status === 404) return { found: false };
      const snippet = bodySnippet(response.body, adminKey);
      if (status === 401 || status === 403) {
        throw new AdminKeyDeniedError(
          `${requestName} refused the admin key (HTTP ${status}: ${snippet}); check that the key in ` +
            `${this.options.adminKey.describe()} is valid and its user may invoke this service`,
          status,
        );
      }
      if (isRetryableStatus(status) && attempt < maxAttempts && (await this.backoff(attempt))) continue;
      throw new KeyServiceError(`${requestName} answered HTTP ${status}: ${snippet}`, status);
    }
  }

  private parseSuccess(response: HttpResponse, requestName: string): unknown {
    // A service without output may answer an empty 200 on a real server.
    if (response.body.trim() === '') return { dataShape: { fieldDefinitions: {} }, rows: [] };
    const contentType = response.headers['content-type'] ?? '';
    if (!/^application\/([\w.+-]*\+)?json\b/i.test(contentType)) {
      throw new KeyServiceError(
        `${requestName} answered "${contentType}" instead of JSON (a login page or proxy in the way?)`,
        response.status,
      );
    }
    try {
      return JSON.parse(response.body);
    } catch {
      throw new KeyServiceError(`${requestName} answered a body that is not valid JSON`, response.status);
    }
  }

  /** Waits before the next attempt; false when that attempt could not finish before the deadline. */
  private async backoff(attempt: number): Promise<boolean> {
    const delayMs = fullJitterBackoffMs(attempt, RETRY_POLICY, this.deps.random);
    const fits =
      this.deps.clock.nowMs() + delayMs + this.options.requestTimeoutMs <= this.options.deadlineEpochMs;
    if (fits) await this.deps.sleep(delayMs);
    return fits;
  }

  private readAdminKey(): Promise<AppKey> {
    this.adminKeyRead ??= this.options.adminKey.get().then((key) => {
      // An expired admin key would only produce 401s; say what is wrong instead.
      assertKeyNotExpired(key, this.options.adminKey.describe(), this.deps.clock.nowMs());
      return key;
    });
    return this.adminKeyRead;
  }

  private resolve(path: string): URL {
    const url = new URL(this.options.baseUrl.href);
    url.pathname = `${this.options.baseUrl.pathname.replace(/\/+$/, '')}${path}`;
    return url;
  }
}

function keyServicePath(name: string, service: string): string {
  return `/Thingworx/ApplicationKeys/${encodeURIComponent(name)}/Services/${service}`;
}

function resultOf(json: unknown, source: string): unknown {
  return parseInfoTable(json, source).rows[0]?.result;
}

function bodySnippet(body: string, adminKey: AppKey): string {
  const text = redact(body.slice(0, BODY_SNIPPET_CHARS * 4), adminKey)
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '') return 'empty body';
  return text.length > BODY_SNIPPET_CHARS ? `${text.slice(0, BODY_SNIPPET_CHARS)}…` : text;
}
