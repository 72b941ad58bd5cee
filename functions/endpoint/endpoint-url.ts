// The URLs the client may send to: a base URL checked once (HTTPS except loopback, no query, no
// credentials), and service or other paths resolved under it with each name percent-encoded.
import { InvalidInputError } from '../shared/errors.js';
import { InsecureEndpointError } from './errors.js';
import { assertSecureUrl, describeUrl } from './http-request.js';

export class EndpointUrls {
  private readonly baseUrl: URL;

  /** @param baseUrl e.g. `https://thingworx.example.com` (a path prefix is kept). */
  constructor(baseUrl: string) {
    let parsed: URL;
    try {
      parsed = new URL(baseUrl);
    } catch {
      throw new InvalidInputError('baseUrl', 'an absolute URL such as https://thingworx.example.com');
    }
    assertSecureUrl(parsed);
    if (parsed.search !== '' || parsed.hash !== '') {
      throw new InsecureEndpointError(
        `endpoint ${describeUrl(parsed)} has a query string or fragment; the base URL must be scheme, host and path only`,
      );
    }
    this.baseUrl = parsed;
  }

  get host(): string {
    return this.baseUrl.host;
  }

  /** `/Thingworx/Things/<thing>/Services/<service>` under the base URL. */
  service(thing: string, service: string): URL {
    if (thing.trim() === '') throw new InvalidInputError('thing', 'a non-empty Thing name');
    if (service.trim() === '') throw new InvalidInputError('service', 'a non-empty service name');
    return this.resolve(
      `/Thingworx/Things/${encodeURIComponent(thing)}/Services/${encodeURIComponent(service)}`,
    );
  }

  /** `path` (starting with "/", a query string allowed) under the base URL. */
  resolve(path: string): URL {
    if (!path.startsWith('/'))
      throw new InvalidInputError('path', 'a path starting with "/"', path.split('?')[0]);
    const url = new URL(this.baseUrl.href);
    const [pathname = '', query] = path.split('?', 2);
    url.pathname = `${this.baseUrl.pathname.replace(/\/+$/, '')}${pathname}`;
    if (query !== undefined) url.search = `?${query}`;
    return url;
  }
}
