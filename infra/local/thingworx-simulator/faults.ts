// Fault injection: which faults a request meets, decided per request from rules that are always
// on, on for the next N matching requests, or on at a seeded rate; and the answers the layers in
// front of ThingWorx (a proxy, a cache, a login gateway, a load balancer) give instead of it.
import { httpDate } from './clock.js';
import { escapeHtml } from './infotable.js';
import type { Prng } from './prng.js';

export type Fault =
  /** Answer this much later (several latency rules add up). */
  | { readonly kind: 'latency'; readonly ms: number }
  /** The server fails: 500 by default, any 5xx allowed. */
  | { readonly kind: 'serverError'; readonly status?: number }
  /** 429 (default) or 503 with Retry-After, as delta-seconds (default) or an HTTP-date on the server clock. */
  | {
      readonly kind: 'throttle';
      readonly status?: 429 | 503;
      /** @default 1 */
      readonly retryAfterSeconds?: number;
      /** @default 'seconds' */
      readonly retryAfterFormat?: 'seconds' | 'http-date';
    }
  /** A request with a valid key (one that would succeed) is refused anyway: 401 (default) or 403. */
  | { readonly kind: 'authFlap'; readonly status?: 401 | 403 }
  /** A single-sign-on gateway answers 200 with its HTML login page. */
  | { readonly kind: 'htmlLogin' }
  /** A JSON body cut short (Content-Length matches the cut, so the HTTP exchange itself succeeds). */
  | { readonly kind: 'truncatedJson' /** @default half the body */; readonly keepBytes?: number }
  /**
   * A cache in front: the first matching request goes through and is stored (X-Cache: MISS); later
   * ones replay it, Date frozen, with Age and X-Cache: HIT, without asking the server (or the key).
   * `hidden`: a cache that says nothing of itself (no Age, no X-Cache): only the replayed Date shows it.
   */
  | { readonly kind: 'frozenDate' /** @default false */; readonly hidden?: boolean }
  /**
   * ThingWorx answers an unknown entity with 403 instead of 404 ("sometimes returned instead of a 404"),
   * with the very body of a permission denial: a client cannot tell the two apart by the answer.
   */
  | { readonly kind: 'notFoundAsForbidden' }
  /** A proxy's own auth layer: 407 with Proxy-Authenticate and Via. */
  | { readonly kind: 'proxyAuth' }
  /** No answer at all until the client gives up or the simulator stops. */
  | { readonly kind: 'hang' };

export type FaultKind = Fault['kind'];

export interface FaultTrigger {
  /** Fire on the next N matching requests only. Neither `next` nor `rate`: always. */
  readonly next?: number;
  /** Fire on each matching request with this probability (seeded PRNG). */
  readonly rate?: number;
  /** Only requests whose path contains this string or matches this RegExp. */
  readonly path?: string | RegExp;
}

export type FaultRule = Fault & FaultTrigger;
export type FaultSpec = FaultRule | readonly FaultRule[];

/** A rule as `faults.list()` shows it: with how many firings are left (`next` rules). */
export type ActiveFault = FaultRule & { readonly remaining?: number };

/** The response the layer in front sends instead of the server's. */
export interface FrontResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Text is sent as UTF-8; a Buffer (a truncated body, cut between bytes) as is. */
  readonly body: string | Buffer;
}

export interface CachedResponse extends FrontResponse {
  readonly dateMs: number;
}

interface LiveRule {
  readonly rule: FaultRule;
  remaining: number | undefined;
}

export class FaultInjector {
  private rules: LiveRule[] = [];
  private readonly cache = new Map<string, CachedResponse>();

  constructor(private readonly prng: Prng) {}

  /** Replaces all rules. */
  set(spec: FaultSpec): void {
    const rules = toRules(spec);
    this.clear();
    this.add(rules);
  }

  /** Adds rules after the current ones. */
  add(spec: FaultSpec): void {
    for (const rule of toRules(spec)) {
      validate(rule);
      this.rules.push({ rule, remaining: rule.next });
    }
  }

  /** Removes every rule and forgets what the fake cache stored. */
  clear(): void {
    this.rules = [];
    this.cache.clear();
  }

  list(): ActiveFault[] {
    return this.rules.map(({ rule, remaining }) =>
      remaining === undefined ? { ...rule } : { ...rule, remaining },
    );
  }

  /** Total added latency of the latency rules that fire for this request. */
  latencyMs(path: string): number {
    let total = 0;
    for (const live of this.rules) {
      if (live.rule.kind === 'latency' && this.fires(live, path)) total += live.rule.ms;
    }
    return total;
  }

  /** The first rule of one of these kinds that fires for this request (its count is used up). */
  take<K extends FaultKind>(kinds: readonly K[], path: string): Extract<FaultRule, { kind: K }> | undefined {
    for (const live of this.rules) {
      if ((kinds as readonly FaultKind[]).includes(live.rule.kind) && this.fires(live, path)) {
        return live.rule as Extract<FaultRule, { kind: K }>;
      }
    }
    return undefined;
  }

  cached(key: string): CachedResponse | undefined {
    return this.cache.get(key);
  }

  store(key: string, response: CachedResponse): void {
    this.cache.set(key, response);
  }

  private fires(live: LiveRule, path: string): boolean {
    const { rule } = live;
    if (
      rule.path !== undefined &&
      !(typeof rule.path === 'string' ? path.includes(rule.path) : rule.path.test(path))
    ) {
      return false;
    }
    if (live.remaining !== undefined) {
      if (live.remaining <= 0) return false;
      live.remaining -= 1;
      return true;
    }
    return rule.rate === undefined ? true : this.prng.chance(rule.rate);
  }
}

/** What a front fault (proxy, login gateway, load balancer, failing server) answers. */
export function frontResponse(
  fault: Extract<Fault, { kind: 'proxyAuth' | 'htmlLogin' | 'throttle' | 'serverError' }>,
  serverNowMs: number,
): FrontResponse {
  switch (fault.kind) {
    case 'proxyAuth':
      return {
        status: 407,
        headers: {
          'Content-Type': 'text/html;charset=UTF-8',
          'Proxy-Authenticate': 'Basic realm="corporate-proxy"',
          Via: '1.1 corp-proxy.example.internal (squid/6.6)',
        },
        body: page('407 Proxy Authentication Required', 'The proxy requires you to sign in.'),
      };
    case 'htmlLogin':
      return {
        status: 200,
        headers: { 'Content-Type': 'text/html;charset=UTF-8' },
        body:
          '<!DOCTYPE html><html><head><title>Sign in</title></head><body>' +
          '<form method="post" action="/Thingworx/action-login"><input name="thingworx-form-userid">' +
          '<input type="password" name="thingworx-form-password"><button>Sign in</button></form></body></html>',
      };
    case 'throttle': {
      const seconds = fault.retryAfterSeconds ?? 1;
      const status = fault.status ?? 429;
      return {
        status,
        headers: {
          'Content-Type': 'text/plain;charset=UTF-8',
          'Retry-After':
            fault.retryAfterFormat === 'http-date' ? httpDate(serverNowMs + seconds * 1000) : String(seconds),
        },
        body: status === 429 ? 'Too Many Requests' : 'Service Unavailable',
      };
    }
    case 'serverError':
      return {
        status: fault.status ?? 500,
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
        body: 'Internal Server Error',
      };
  }
}

function page(title: string, message: string): string {
  return `<!DOCTYPE html><html><head><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
}

function toRules(spec: FaultSpec): readonly FaultRule[] {
  return Array.isArray(spec) ? (spec as readonly FaultRule[]) : [spec as FaultRule];
}

const KINDS: readonly FaultKind[] = [
  'latency',
  'serverError',
  'throttle',
  'authFlap',
  'htmlLogin',
  'truncatedJson',
  'frozenDate',
  'notFoundAsForbidden',
  'proxyAuth',
  'hang',
];

function validate(rule: FaultRule): void {
  const fail = (why: string) => {
    throw new RangeError(`fault ${JSON.stringify(rule.kind)}: ${why}`);
  };
  if (!KINDS.includes(rule.kind)) fail(`unknown kind; expected one of ${KINDS.join(', ')}`);
  if (rule.next !== undefined && rule.rate !== undefined) fail('give next or rate, not both');
  if (rule.next !== undefined && !(Number.isInteger(rule.next) && rule.next >= 0))
    fail('next must be an integer >= 0');
  if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1)) fail('rate must be between 0 and 1');
  switch (rule.kind) {
    case 'latency':
      if (!(rule.ms >= 0 && Number.isFinite(rule.ms))) fail('ms must be a finite number >= 0');
      break;
    case 'serverError':
      if (
        rule.status !== undefined &&
        !(Number.isInteger(rule.status) && rule.status >= 500 && rule.status <= 599)
      ) {
        fail('status must be a 5xx code');
      }
      break;
    case 'throttle':
      if (rule.status !== undefined && rule.status !== 429 && rule.status !== 503)
        fail('status must be 429 or 503');
      if (
        rule.retryAfterSeconds !== undefined &&
        !(Number.isInteger(rule.retryAfterSeconds) && rule.retryAfterSeconds >= 0)
      ) {
        fail('retryAfterSeconds must be an integer >= 0');
      }
      break;
    case 'authFlap':
      if (rule.status !== undefined && rule.status !== 401 && rule.status !== 403)
        fail('status must be 401 or 403');
      break;
    case 'truncatedJson':
      if (rule.keepBytes !== undefined && !(Number.isInteger(rule.keepBytes) && rule.keepBytes >= 0)) {
        fail('keepBytes must be an integer >= 0');
      }
      break;
  }
}
