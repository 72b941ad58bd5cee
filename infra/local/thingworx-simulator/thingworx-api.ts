// The ThingWorx behaviour itself, as a pure function from a request to a reply (no I/O, no
// faults): URL-key refusal, appKey authentication, the content-type filter, method checks, entity
// lookup, service permissions, the stream query service and the application key services.
// Sources for each answer are in index.ts's header ("HTTP behaviour").

import {
  EMPTY_TABLE,
  entityListTable,
  type InfoTable,
  infoTableHtml,
  resultTable,
  streamEntriesTable,
} from './infotable.js';
import type { AuthFailureReason, KeyRegistry } from './keys.js';
import { parseQueryFilter, type StreamStore, toEpochMs } from './stream.js';

export const STREAM_QUERY_SERVICE = 'QueryStreamEntriesWithData';
/** The default page size of ThingWorx's stream query services. */
export const DEFAULT_MAX_ITEMS = 500;
/**
 * What ThingWorx writes to ThingworxStorage/logs/SecurityLog.log for a key in the URL. The answer itself
 * is a bare 401 (PTC article CS264349), so the simulator records the refusal and sends no text.
 */
export const URL_KEY_MESSAGE = 'ApplicationKey Is Not Allowed As A URL Parameter';
export const NOT_AUTHORIZED_MESSAGE = 'Not authorized for ServiceInvoke';
/**
 * The body of every 401: empty. ThingWorx documents no 401 body, so the simulator sends the least a
 * server may send and no client can come to depend on a text.
 */
export const UNAUTHORIZED_MESSAGE = '';

export interface ApiRequest {
  readonly method: string;
  readonly pathname: string;
  readonly query: URLSearchParams;
  /** The `appKey` header's value; never stored or logged. */
  readonly appKey: string | undefined;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  readonly body: string;
  readonly remoteAddress: string | undefined;
}

/** Why a request was refused, for the request log (not part of any response). */
export type RefusalCause =
  | AuthFailureReason
  | 'url-parameter'
  | 'not-permitted'
  | 'content-type'
  | 'no-content-type'
  | 'invalid-json'
  | 'entity-not-found';

export interface ApiReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Name (never value) of the key that authenticated the request. */
  readonly keyName?: string;
  readonly refusal?: RefusalCause;
  readonly service?: string;
  /** The entity a service path named that does not exist (the `notFoundAsForbidden` fault answers 403 instead). */
  readonly missingEntity?: string;
}

export interface ApiContext {
  readonly thing: string;
  readonly keys: KeyRegistry;
  readonly stream: StreamStore;
}

const SERVICE_PATH = /^\/Thingworx\/([^/]+)\/([^/]+)\/Services\/([^/]+)\/?$/;
const APPLICATION_KEYS_COLLECTION = /^\/Thingworx\/ApplicationKeys\/?$/;
const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

/**
 * The inputs of the key services, from PTC's own type declarations of EntityServices and ApplicationKey
 * (ptc-iot-sharing/ThingworxVSCodeProject static/base/Resources.d.ts and DefaultEntities.d.ts @6958a9d).
 */
const KEY_SERVICE_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  CreateApplicationKey: [
    'name',
    'description',
    'user',
    'whitelist',
    'clientName',
    'projectName',
    'tags',
    'expirationDate',
  ],
  DeleteApplicationKey: ['name'],
  GetExpirationDate: [],
  GetKeyID: [],
  IsExpired: [],
  SetExpirationDate: ['expirationDate'],
};

/** A service failed while running: ThingWorx answers 500 with "Unable to Invoke Service ...". */
class ServiceError extends Error {}

export function handleApiRequest(ctx: ApiContext, req: ApiRequest): ApiReply {
  // ThingWorx 8+ refuses a key in the query string outright, whatever else the request says, with a bare
  // 401; the reason goes only to its security log.
  if ([...req.query.keys()].some((name) => name.toLowerCase() === 'appkey')) {
    return { ...text(401, UNAUTHORIZED_MESSAGE), refusal: 'url-parameter' };
  }
  if (req.pathname !== '/Thingworx' && !req.pathname.startsWith('/Thingworx/')) return text(404, 'Not Found');

  const auth = ctx.keys.authenticate(req.appKey, req.remoteAddress);
  if (!auth.ok) return { ...text(401, UNAUTHORIZED_MESSAGE), refusal: auth.reason };
  const keyName = auth.name;

  const route = SERVICE_PATH.exec(req.pathname);
  if (!route) return { ...entityCollectionReply(ctx, req, auth.user), keyName };
  const [, collection, entity, service] = route.map((part) => safeDecode(part)) as [
    string,
    string,
    string,
    string,
  ];

  // Services are POST only; ThingWorx does not switch GET to POST unless told to (a deprecated setting).
  if (req.method !== 'POST') {
    return {
      ...text(405, `Method ${req.method} is not allowed for services`),
      headers: { ...plain(), Allow: 'POST' },
      keyName,
      service,
    };
  }
  // A service POST without any Content-Type fails inside ThingWorx with 500, even without a body.
  if (req.contentType === undefined) {
    return { ...text(500, ''), keyName, service, refusal: 'no-content-type' };
  }
  // ThingWorx's CSRF defence is a strict content-type filter on POST. It also lets XML through; the
  // simulator speaks JSON only, so everything but JSON is refused here.
  if (!isJson(req.contentType)) {
    return {
      ...text(403, `Content-Type ${req.contentType} is not allowed`),
      keyName,
      service,
      refusal: 'content-type',
    };
  }

  const found = resolveService(ctx, collection, entity, service);
  if (found === 'entity-not-found') {
    return {
      ...text(404, `Entity Not Found : [${entity}]`),
      keyName,
      service,
      refusal: 'entity-not-found',
      missingEntity: entity,
    };
  }
  if (!found) return { ...text(404, `Service ${service} on ${entity} not found`), keyName, service };
  if (!ctx.keys.mayInvoke(auth.user, service)) {
    return {
      ...text(403, `${NOT_AUTHORIZED_MESSAGE} on ${service} in ${entity}`),
      keyName,
      service,
      refusal: 'not-permitted',
    };
  }

  let params: Record<string, unknown>;
  try {
    const parsed: unknown = req.body.trim() === '' ? {} : JSON.parse(req.body);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    params = parsed as Record<string, unknown>;
  } catch {
    return {
      ...text(406, 'The request body is not a JSON object'),
      keyName,
      service,
      refusal: 'invalid-json',
    };
  }

  try {
    const table = found(params);
    return { ...infoTableReply(table, req.accept), keyName, service };
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    return {
      ...text(500, `Unable to Invoke Service ${service} on ${entity} : ${error.message}`),
      keyName,
      service,
    };
  }
}

type ServiceHandler = (params: Record<string, unknown>) => InfoTable;

/** A path outside services: the /Thingworx page, or the ApplicationKeys collection's list of entities. */
function entityCollectionReply(
  ctx: ApiContext,
  req: ApiRequest,
  user: string,
): Pick<ApiReply, 'status' | 'headers' | 'body' | 'refusal'> {
  const readsPage = req.method === 'GET' || req.method === 'HEAD';
  if (readsPage && /^\/Thingworx\/?$/.test(req.pathname)) {
    return html(200, '<html><head><title>ThingWorx</title></head><body>ThingWorx</body></html>');
  }
  if (readsPage && APPLICATION_KEYS_COLLECTION.test(req.pathname)) {
    if (!ctx.keys.mayListKeys(user)) {
      return { ...text(403, 'Not authorized for Read on ApplicationKeys'), refusal: 'not-permitted' };
    }
    return infoTableReply(entityListTable(ctx.keys.list().map((key) => key.name)), req.accept);
  }
  return text(404, 'Not Found');
}

function resolveService(
  ctx: ApiContext,
  collection: string,
  entity: string,
  service: string,
): ServiceHandler | 'entity-not-found' | undefined {
  if (collection === 'Things') {
    if (entity !== ctx.thing) return 'entity-not-found';
    return service === STREAM_QUERY_SERVICE ? (params) => queryStream(ctx, params) : undefined;
  }
  if (collection === 'Resources') {
    if (entity !== 'EntityServices') return 'entity-not-found';
    if (service === 'CreateApplicationKey') return keyService(service, (params) => createKey(ctx, params));
    if (service === 'DeleteApplicationKey') {
      return keyService(service, (params) => {
        const name = requiredString(params, 'name');
        if (!ctx.keys.remove(name)) throw new ServiceError(`Application key [${name}] not found`);
        return EMPTY_TABLE;
      });
    }
    return undefined;
  }
  if (collection !== 'ApplicationKeys' || !ctx.keys.has(entity)) return 'entity-not-found';
  switch (service) {
    case 'GetKeyID':
      return keyService(service, () => resultTable('STRING', ctx.keys.keyIdOf(entity)));
    case 'IsExpired':
      return keyService(service, () => resultTable('BOOLEAN', ctx.keys.isExpired(entity)));
    case 'GetExpirationDate':
      // DATETIME, serialised as epoch ms as ThingWorx's JSON InfoTables serialise every DATETIME.
      return keyService(service, () => resultTable('DATETIME', ctx.keys.expiresAtMsOf(entity)));
    case 'SetExpirationDate':
      return keyService(service, (params) => {
        ctx.keys.setExpiration(entity, requiredDate(params, 'expirationDate'));
        return EMPTY_TABLE;
      });
  }
  return undefined;
}

/**
 * A key service that takes only its documented inputs. What ThingWorx does with an input a service does
 * not declare is not documented; a real server most likely ignores it (a key made without its user or
 * allowlist), so the simulator refuses it loudly and a client bug fails its tests instead.
 */
function keyService(service: string, run: ServiceHandler): ServiceHandler {
  const accepted = KEY_SERVICE_PARAMETERS[service] ?? [];
  return (params) => {
    const unknown = Object.keys(params).filter((name) => !accepted.includes(name));
    if (unknown.length > 0) {
      throw new ServiceError(
        `${service} has no input ${unknown.map((name) => `[${name}]`).join(', ')}; ` +
          `its inputs are ${accepted.length > 0 ? accepted.join(', ') : 'none'}`,
      );
    }
    return run(params);
  };
}

function queryStream(ctx: ApiContext, params: Record<string, unknown>): InfoTable {
  let filter: ReturnType<typeof parseQueryFilter>;
  try {
    filter = parseQueryFilter(params.query);
  } catch (error) {
    throw new ServiceError(`invalid query: ${(error as Error).message}`);
  }
  const source = params.source;
  const entries = ctx.stream.query({
    startMs: optionalDate(params, 'startDate'),
    endMs: optionalDate(params, 'endDate'),
    maxItems: maxItemsOf(params.maxItems),
    oldestFirst: booleanOf(params.oldestFirst, 'oldestFirst', false),
    ...(typeof source === 'string' && source !== '' ? { source } : {}),
    ...(filter ? { filter } : {}),
  });
  return streamEntriesTable(entries);
}

function createKey(ctx: ApiContext, params: Record<string, unknown>): InfoTable {
  const name = requiredString(params, 'name');
  if (ctx.keys.has(name)) throw new ServiceError(`Application key [${name}] already exists`);
  // No `user`: the key has no user reference (it authenticates nothing), never the caller's identity.
  const user = optionalString(params, 'user') ?? null;
  const expiresAtMs = optionalDate(params, 'expirationDate');
  const whitelist = optionalString(params, 'whitelist');
  ctx.keys.add({
    name,
    user,
    ...(expiresAtMs === undefined ? {} : { expiresAtMs }),
    ipWhitelist:
      whitelist === undefined
        ? []
        : whitelist
            .split(',')
            .map((ip) => ip.trim())
            .filter(Boolean),
  });
  return EMPTY_TABLE;
}

function infoTableReply(
  table: InfoTable,
  accept: string | undefined,
): Pick<ApiReply, 'status' | 'headers' | 'body'> {
  // Like ThingWorx, JSON only for clients that ask for it; others (no Accept, */*) get an HTML table.
  if (accept?.toLowerCase().includes('application/json')) {
    return { status: 200, headers: { 'Content-Type': JSON_CONTENT_TYPE }, body: JSON.stringify(table) };
  }
  return html(200, infoTableHtml(table));
}

function maxItemsOf(value: unknown): number {
  if (value === undefined || value === null || value === '') return DEFAULT_MAX_ITEMS;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new ServiceError(`maxItems must be a number, got ${JSON.stringify(value)}`);
  return Math.max(0, Math.floor(n));
}

function booleanOf(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ServiceError(`${name} must be a boolean, got ${JSON.stringify(value)}`);
}

function optionalDate(params: Record<string, unknown>, name: string): number | undefined {
  const ms = toEpochMs(params[name]);
  if (ms !== undefined && Number.isNaN(ms)) {
    throw new ServiceError(
      `${name} must be epoch milliseconds or an ISO-8601 date, got ${JSON.stringify(params[name])}`,
    );
  }
  return ms;
}

function requiredDate(params: Record<string, unknown>, name: string): number {
  const ms = optionalDate(params, name);
  if (ms === undefined) throw new ServiceError(`${name} is required`);
  return ms;
}

function requiredString(params: Record<string, unknown>, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined || value === '') throw new ServiceError(`${name} is required`);
  return value;
}

/** A STRING input: absent (or null) is undefined; any other type is an error, as ThingWorx's type check is. */
function optionalString(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ServiceError(`${name} must be a STRING, got ${typeof value}`);
  return value;
}

function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

function safeDecode(part: string | undefined): string {
  try {
    return decodeURIComponent(part ?? '');
  } catch {
    return part ?? '';
  }
}

function plain(): Record<string, string> {
  return { 'Content-Type': 'text/plain;charset=UTF-8' };
}

function text(status: number, body: string): Pick<ApiReply, 'status' | 'headers' | 'body'> {
  return { status, headers: plain(), body };
}

function html(status: number, body: string): Pick<ApiReply, 'status' | 'headers' | 'body'> {
  return { status, headers: { 'Content-Type': 'text/html;charset=UTF-8' }, body };
}
