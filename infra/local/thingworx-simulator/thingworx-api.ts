// The ThingWorx behaviour itself, as a pure function from a request to a reply (no I/O, no
// faults): URL-key refusal, appKey authentication, the content-type filter, method checks,
// service permissions, the stream query service and the application key services.

import { EMPTY_TABLE, type InfoTable, infoTableHtml, resultTable, streamEntriesTable } from './infotable.js';
import type { AuthFailureReason, KeyRegistry } from './keys.js';
import { parseQueryFilter, type StreamStore, toEpochMs } from './stream.js';

export const STREAM_QUERY_SERVICE = 'QueryStreamEntriesWithData';
/** The default page size of ThingWorx's stream query services. */
export const DEFAULT_MAX_ITEMS = 500;
export const URL_KEY_MESSAGE = 'ApplicationKey Is Not Allowed As A URL Parameter';
export const NOT_AUTHORIZED_MESSAGE = 'Not authorized for ServiceInvoke';
/** One body for every 401, so a client cannot (and need not) tell unknown, revoked and expired apart by text. */
export const UNAUTHORIZED_MESSAGE = 'Authentication failed';

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
export type RefusalCause = AuthFailureReason | 'url-parameter' | 'not-permitted' | 'content-type';

export interface ApiReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Name (never value) of the key that authenticated the request. */
  readonly keyName?: string;
  readonly refusal?: RefusalCause;
  readonly service?: string;
}

export interface ApiContext {
  readonly thing: string;
  readonly keys: KeyRegistry;
  readonly stream: StreamStore;
}

const SERVICE_PATH = /^\/Thingworx\/([^/]+)\/([^/]+)\/Services\/([^/]+)\/?$/;
const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

/** A service failed while running: ThingWorx answers 500 with "Unable to Invoke Service ...". */
class ServiceError extends Error {}

export function handleApiRequest(ctx: ApiContext, req: ApiRequest): ApiReply {
  // ThingWorx 8+ refuses a key in the query string outright, whatever else the request says.
  if ([...req.query.keys()].some((name) => name.toLowerCase() === 'appkey')) {
    return { ...text(401, URL_KEY_MESSAGE), refusal: 'url-parameter' };
  }
  if (req.pathname !== '/Thingworx' && !req.pathname.startsWith('/Thingworx/')) return text(404, 'Not Found');

  const auth = ctx.keys.authenticate(req.appKey, req.remoteAddress);
  if (!auth.ok) return { ...text(401, UNAUTHORIZED_MESSAGE), refusal: auth.reason };
  const keyName = auth.name;

  const route = SERVICE_PATH.exec(req.pathname);
  if (!route) {
    if ((req.method === 'GET' || req.method === 'HEAD') && /^\/Thingworx\/?$/.test(req.pathname)) {
      return {
        ...html(200, '<html><head><title>ThingWorx</title></head><body>ThingWorx</body></html>'),
        keyName,
      };
    }
    return { ...text(404, 'Not Found'), keyName };
  }
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
  // ThingWorx's CSRF defence is a strict content-type filter on POST. It also lets XML through; the
  // simulator speaks JSON only, so everything but JSON is refused here.
  if (!isJson(req.contentType)) {
    return {
      ...text(403, `Content-Type ${req.contentType ?? '(none)'} is not allowed`),
      keyName,
      service,
      refusal: 'content-type',
    };
  }

  const handler = resolveService(ctx, collection, entity, service);
  if (!handler) return { ...text(404, `Service ${service} on ${entity} not found`), keyName, service };
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
    return { ...text(400, 'The request body is not a JSON object'), keyName, service };
  }

  try {
    const table = handler(params, auth.user);
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

type ServiceHandler = (params: Record<string, unknown>, callerUser: string) => InfoTable;

function resolveService(
  ctx: ApiContext,
  collection: string,
  entity: string,
  service: string,
): ServiceHandler | undefined {
  if (collection === 'Things' && entity === ctx.thing && service === STREAM_QUERY_SERVICE) {
    return (params) => queryStream(ctx, params);
  }
  if (collection === 'Resources' && entity === 'EntityServices') {
    if (service === 'CreateApplicationKey') return (params, caller) => createKey(ctx, params, caller);
    if (service === 'DeleteApplicationKey') {
      return (params) => {
        const name = requiredString(params, 'name');
        if (!ctx.keys.remove(name)) throw new ServiceError(`Application key [${name}] not found`);
        return EMPTY_TABLE;
      };
    }
    return undefined;
  }
  if (collection === 'ApplicationKeys' && ctx.keys.has(entity)) {
    switch (service) {
      case 'GetKeyID':
        return () => resultTable('STRING', ctx.keys.keyIdOf(entity));
      case 'IsExpired':
        return () => resultTable('BOOLEAN', ctx.keys.isExpired(entity));
      case 'SetExpirationDate':
        return (params) => {
          ctx.keys.setExpiration(entity, requiredDate(params, 'expirationDate'));
          return EMPTY_TABLE;
        };
    }
  }
  return undefined;
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

function createKey(ctx: ApiContext, params: Record<string, unknown>, callerUser: string): InfoTable {
  const name = requiredString(params, 'name');
  if (ctx.keys.has(name)) throw new ServiceError(`Application key [${name}] already exists`);
  const user = params.userName ?? params.user ?? callerUser;
  if (typeof user !== 'string' || user === '') throw new ServiceError('userName must be a user name');
  const expiresAtMs = optionalDate(params, 'expirationDate');
  const whitelist = params.ipWhitelist;
  ctx.keys.add({
    name,
    user,
    ...(expiresAtMs === undefined ? {} : { expiresAtMs }),
    ipWhitelist:
      typeof whitelist === 'string'
        ? whitelist
            .split(',')
            .map((ip) => ip.trim())
            .filter(Boolean)
        : Array.isArray(whitelist)
          ? whitelist.map(String)
          : [],
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
  const value = params[name];
  if (typeof value !== 'string' || value === '') throw new ServiceError(`${name} is required`);
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
