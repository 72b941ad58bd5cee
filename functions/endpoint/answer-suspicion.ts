// Heuristics for requests and answers the client must not trust: a URL that would carry the key, and a
// 2xx that did not come from the server or is an HTML page instead of JSON. Only evidence a cache alone
// produces counts as a cache: Age, X-Cache HIT, or a Date replayed beyond what the pool's clocks explain
// (server-dates.ts). Cheap checks only: a healthy page of data is not scanned or redacted.
import type { AppKey } from '../app-key/key-source.js';
import { CACHE_STATUS_HEADERS } from './evidence.js';
import type { HttpResponse } from './http-request.js';
import type { DateReplay } from './server-dates.js';

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

/** Whether a cache says it answered (Age above zero, an X-Cache-style HIT): evidence no server produces. */
export function cacheHeadersSay(response: HttpResponse): boolean {
  const { headers } = response;
  return Number(headers.age) > 0 || CACHE_STATUS_HEADERS.some((name) => /\bhit\b/i.test(headers[name] ?? ''));
}

/**
 * Why a 2xx must not become data: `cache` when a cache's headers say so, `replayed-date` when only its
 * Date does (a pool node not seen yet can look the same: worth one retry), `page` for an HTML page
 * instead of JSON. An empty answer of a service without output (`voidAnswer`) is no page, whatever its
 * content type.
 */
export function suspicionOf(
  response: HttpResponse,
  replay: DateReplay | undefined,
  voidAnswer: boolean,
): 'cache' | 'replayed-date' | 'page' | undefined {
  if (cacheHeadersSay(response)) return 'cache';
  if (replay) return 'replayed-date';
  if (!voidAnswer && /html/i.test(response.headers['content-type'] ?? '')) return 'page';
  return undefined;
}
