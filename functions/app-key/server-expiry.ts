// Asks ThingWorx when an app key expires, with that key itself: the key's own GetExpirationDate,
// `POST /Thingworx/ApplicationKeys/<name>/Services/GetExpirationDate`, no inputs, one DATETIME `result`.
// PTC, "Application Key Services": "GetExpirationDate: Returns the expiration date of the application key"
// (http://support.ptc.com/help/thingworx_hc/thingworx_8_hc/en/ThingWorx/Help/Composer/Security/ApplicationKeys/ApplicationKeyServices.html);
// PTC's type declarations: `GetExpirationDate(args?:{}): DATETIME` on ApplicationKeyEntity
// (ptc-iot-sharing/ThingworxVSCodeProject static/base/DefaultEntities.d.ts @16072146da678faee531c37ed8b4d954490e75f1).
// Its sibling IsExpired is not asked: the key asking is the key in question, and ThingWorx refuses an
// expired key with 401 before any service runs, so IsExpired could only ever answer false, which says
// nothing about the days left.
import { AccessDeniedError } from '../endpoint/diagnose.js';
import { ServiceRefusedError } from '../endpoint/errors.js';
import type { ThingWorxClient } from '../endpoint/thingworx-client.js';

export type ServerExpiryAnswer =
  | { readonly kind: 'expires'; readonly expiresAtMs: number }
  /** 401/403: the key's user may not call the service (or, a 403, the server has no key of that name). */
  | { readonly kind: 'refused'; readonly status: number }
  /** 404: no key of that name. */
  | { readonly kind: 'not-found' }
  /** Answered, but with no readable date. */
  | { readonly kind: 'no-date' }
  /** No answer: the network, a 5xx, a timeout, the run's deadline. Says nothing about the key. */
  | { readonly kind: 'failed'; readonly message: string };

export type ExpiryServiceCaller = Pick<ThingWorxClient, 'callEntityService'>;

export function expirationDatePath(keyName: string): string {
  return `/Thingworx/ApplicationKeys/${encodeURIComponent(keyName)}/Services/GetExpirationDate`;
}

/** Never throws: a lookup that fails is an answer of its own, never a failure of the run. */
export async function askServerForExpiry(
  client: ExpiryServiceCaller,
  keyName: string,
): Promise<ServerExpiryAnswer> {
  try {
    const table = await client.callEntityService<{ readonly result?: unknown }>(
      expirationDatePath(keyName),
      {},
      // A refusal is the answer "this key may not ask": no re-read of the secret, no wait, no Access Denied.
      { idempotent: true, notFoundAsUndefined: true, refusalIsAnswer: true },
    );
    if (table === undefined) return { kind: 'not-found' };
    const expiresAtMs = epochMsOf(table.rows[0]?.result);
    return expiresAtMs === undefined ? { kind: 'no-date' } : { kind: 'expires', expiresAtMs };
  } catch (error) {
    if (error instanceof ServiceRefusedError) return { kind: 'refused', status: error.status };
    // A denial the client diagnosed itself (an HTML login page instead of JSON, a proxy): reported as such.
    if (error instanceof AccessDeniedError)
      return { kind: 'failed', message: `Access denied: ${error.cause}` };
    return {
      kind: 'failed',
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
}

/** ThingWorx's JSON InfoTables carry a DATETIME as epoch ms; an ISO-8601 string is read too. */
function epochMsOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const ms = /^-?\d+$/.test(value.trim()) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
