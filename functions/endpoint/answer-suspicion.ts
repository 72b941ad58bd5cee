// Heuristics for requests and answers the client must not trust: a URL that would carry the key, and a
// 2xx that did not come from the server (a cache: Age, X-Cache HIT, a Date that stood still) or is an
// HTML page instead of JSON. Cheap checks only: a healthy page of data is not scanned or redacted.
import type { AppKey } from '../app-key/key-source.js';
import { FROZEN_DATE_MIN_ELAPSED_MS } from './diagnose.js';
import { CACHE_STATUS_HEADERS } from './evidence.js';
import type { HttpResponse } from './http-request.js';

/** A server Date the client read, and our clock when it read it. */
export interface ServerDateSeen {
  readonly serverDateMs: number;
  readonly localMs: number;
}

/** Remembers the last readable server Date, to spot one that does not advance. */
export class ServerDateTracker {
  private lastSeen?: ServerDateSeen;

  get last(): ServerDateSeen | undefined {
    return this.lastSeen;
  }

  remember(response: HttpResponse, localMs: number): void {
    const serverDateMs = Date.parse(response.headers.date ?? '');
    if (!Number.isNaN(serverDateMs)) this.lastSeen = { serverDateMs, localMs };
  }
}

/** Whether the URL would put the key where logs keep it: a key-named query parameter or the value itself. */
export function urlCarriesKey(url: URL, key: AppKey, keyHeaderName: string): boolean {
  const names = [...url.searchParams.keys()].map((name) => name.toLowerCase());
  return (
    names.includes(keyHeaderName.toLowerCase()) ||
    names.includes('appkey') ||
    url.href.includes(key.appKey) ||
    url.href.includes(encodeURIComponent(key.appKey))
  );
}

/**
 * A 2xx that must not become data: served by a cache, or an HTML page instead of JSON. An empty answer
 * of a service without output (`voidAnswer`) is no page, whatever its content type.
 */
export function looksCachedOrPage(
  response: HttpResponse,
  previousDate: ServerDateSeen | undefined,
  nowMs: number,
  voidAnswer: boolean,
): boolean {
  const { headers } = response;
  const serverDateMs = Date.parse(headers.date ?? '');
  const dateFrozen =
    previousDate !== undefined &&
    serverDateMs <= previousDate.serverDateMs &&
    nowMs - previousDate.localMs >= FROZEN_DATE_MIN_ELAPSED_MS;
  return (
    dateFrozen ||
    Number(headers.age) > 0 ||
    (!voidAnswer && /html/i.test(headers['content-type'] ?? '')) ||
    CACHE_STATUS_HEADERS.some((name) => /\bhit\b/i.test(headers[name] ?? ''))
  );
}
