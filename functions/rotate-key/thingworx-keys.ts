// ThingWorx application key services, called through the endpoint client with the admin key: create,
// read the key id, check and set expiry, delete. Reads and SetExpirationDate (an absolute date: same
// call, same result) retry transient failures; Create and Delete are sent once, and an ambiguous
// outcome is settled by reading the key's state instead. A missing key may be answered 403 instead of
// 404; the key list (GET /Thingworx/ApplicationKeys) tells that apart from a denial, never a body text.
import { AccessDeniedError } from '../endpoint/diagnose.js';
import { EndpointHttpError } from '../endpoint/errors.js';
import { type InfoTable, parseInfoTable } from '../endpoint/infotable.js';
import type { ThingWorxClient } from '../endpoint/thingworx-client.js';
import { AdminKeyDeniedError, KeyServiceError } from './errors.js';

export interface NewKeySpec {
  readonly name: string;
  /** The ThingWorx user the key acts as. */
  readonly user: string;
  readonly expiresAtMs: number;
  /** Client addresses allowed to use the key; empty means any. */
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

/** The client calls the key services make: a `ThingWorxClient` whose key source holds the admin key. */
export type EntityServiceCaller = Pick<ThingWorxClient, 'callEntityService' | 'getJson'>;

const ENTITY_SERVICES = '/Thingworx/Resources/EntityServices/Services';
/**
 * The ApplicationKeys entity collection: a GET lists its entities by `name` (PTC, ThingWorx REST Design:
 * https://support.ptc.com/help/thingworx/platform/r9/en/ThingWorx/Help/REST_API/ThingWorxRESTDesign.html).
 */
const APPLICATION_KEYS = '/Thingworx/ApplicationKeys';

type ResultRow = { readonly result?: unknown };

export class ThingWorxKeyServices implements KeyServices {
  constructor(
    private readonly admin: EntityServiceCaller,
    /** Where the admin key comes from (`KeySource.describe()`), named when ThingWorx refuses it. */
    private readonly adminKeySource: string,
  ) {}

  async keyIdOf(name: string): Promise<string | undefined> {
    const table = await this.callOnKey(name, 'GetKeyID', {});
    if (table === undefined) return undefined;
    const keyId = table.rows[0]?.result;
    if (typeof keyId !== 'string' || keyId === '') {
      throw new KeyServiceError(`GetKeyID of application key ${name} answered no key id`);
    }
    return keyId;
  }

  async ensureKey(spec: NewKeySpec): Promise<{ keyId: string; reused: boolean }> {
    let reused = (await this.keyIdOf(spec.name)) !== undefined;
    if (!reused) {
      try {
        // CreateApplicationKey's inputs are name, description, user, whitelist (comma-separated),
        // clientName, projectName, tags and expirationDate; it answers nothing. From PTC's own type
        // declarations: https://github.com/ptc-iot-sharing/ThingworxVSCodeProject/blob/6958a9da0c274cda37be359aec35d7a35fac47d4/static/base/Resources.d.ts#L2369-L2381
        await this.callOnce('CreateApplicationKey', {
          name: spec.name,
          user: spec.user,
          expirationDate: spec.expiresAtMs,
          ...(spec.ipAllowlist.length > 0 ? { whitelist: spec.ipAllowlist.join(',') } : {}),
        });
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
    const table = await this.callOnKey(name, 'IsExpired', {});
    if (table === undefined) return 'absent';
    const result = table.rows[0]?.result;
    if (typeof result !== 'boolean') {
      throw new KeyServiceError(
        `IsExpired of application key ${name} answered ${typeof result}, not a boolean`,
      );
    }
    return result ? 'expired' : 'live';
  }

  async setExpiration(name: string, expiresAtMs: number): Promise<'set' | 'absent'> {
    const table = await this.callOnKey(name, 'SetExpirationDate', { expirationDate: expiresAtMs });
    return table === undefined ? 'absent' : 'set';
  }

  async delete(name: string): Promise<'deleted' | 'absent'> {
    if ((await this.keyIdOf(name)) === undefined) return 'absent';
    try {
      await this.callOnce('DeleteApplicationKey', { name });
      return 'deleted';
    } catch (error) {
      // A delete whose answer was lost (or a concurrent one) leaves the key gone: that is success.
      if ((await this.keyIdOf(name)) === undefined) return 'deleted';
      throw error;
    }
  }

  /** An EntityServices service that changes state: sent exactly once, never retried blindly. */
  private async callOnce(service: string, params: Readonly<Record<string, unknown>>): Promise<void> {
    const table = await this.call(`${ENTITY_SERVICES}/${service}`, params, { idempotent: false });
    if (table === undefined) throw new KeyServiceError(`${service} is not available on this server`, 404);
  }

  /** A service of one key (all idempotent); a key that is gone is `undefined`, whether answered 404 or 403. */
  private callOnKey(
    name: string,
    service: 'GetKeyID' | 'IsExpired' | 'SetExpirationDate',
    params: Readonly<Record<string, unknown>>,
  ): Promise<InfoTable<ResultRow> | undefined> {
    const path = `${APPLICATION_KEYS}/${encodeURIComponent(name)}/Services/${service}`;
    return this.call(path, params, {
      idempotent: true,
      entityExists: () => this.isListed(name),
      // GetKeyID answers the key itself: no error or log may quote that answer, whatever its status.
      answersSecret: service === 'GetKeyID',
    });
  }

  /** Whether the server lists a key of that name: a positive answer, unlike a 403's text. */
  private async isListed(name: string): Promise<boolean> {
    const source = `GET ${APPLICATION_KEYS}`;
    try {
      const listing = parseInfoTable(await this.admin.getJson(APPLICATION_KEYS), source);
      return listing.rows.some((row) => row.name === name);
    } catch (error) {
      throw this.explained(error, source);
    }
  }

  /** POSTs one service; 404 (no such key) is `undefined`, a refused admin key or an HTTP error throws with its cause. */
  private async call(
    path: string,
    params: Readonly<Record<string, unknown>>,
    options: {
      readonly idempotent: boolean;
      readonly entityExists?: () => Promise<boolean>;
      readonly answersSecret?: boolean;
    },
  ): Promise<InfoTable<ResultRow> | undefined> {
    try {
      return await this.admin.callEntityService<ResultRow>(path, params, {
        ...options,
        notFoundAsUndefined: true,
      });
    } catch (error) {
      throw this.explained(error, `POST ${path}`);
    }
  }

  /** A refused admin key or an HTTP error as the rotation's own error, naming the admin secret; others unchanged. */
  private explained(error: unknown, request: string): unknown {
    if (error instanceof AccessDeniedError && isAdminKeyRefusal(error)) {
      const { evidence, diagnosis } = error;
      const how = evidence.status === undefined ? 'not sent' : `HTTP ${evidence.status}`;
      const said = evidence.bodySnippet ? `: ${evidence.bodySnippet}` : '';
      return new AdminKeyDeniedError(
        `${evidence.request} refused the admin key from ${this.adminKeySource} (${how}, ${error.cause}${said}): ` +
          `${diagnosis.meaning}. What to do: ${diagnosis.action}`,
        evidence.status,
        { cause: error },
      );
    }
    if (error instanceof EndpointHttpError) {
      return new KeyServiceError(
        `${request} answered HTTP ${error.status}: ${error.bodySnippet ?? 'empty body'}`,
        error.status,
        { cause: error },
      );
    }
    return error;
  }
}

/** 401/403, or an expired admin key the client would not send: the admin secret or its user is at fault. */
function isAdminKeyRefusal(error: AccessDeniedError): boolean {
  const { status } = error.evidence;
  return status === 401 || status === 403 || error.cause === 'expired-key';
}
