// Whether a request goes through the forward proxy, and to which: the proxy URL as configured (scheme,
// host and port only; never credentials, which live in the job's secret), NO_PROXY's exemptions, and
// the credentials value that keeps the password out of every log line and error.
//
// NO_PROXY follows the formats Node documents for its own proxy support
// (https://nodejs.org/api/http.html#no_proxy-format): "*" (every host), "example.com" (that host only),
// ".example.com" and "*.example.com" (its subdomains), an exact IP address, "host:port" (that port only),
// entries separated by commas. Loopback is not exempt by itself: list it, as curl and Node require.
import { inspect } from 'node:util';
import { InvalidInputError } from '../shared/errors.js';

export interface ProxyRoute {
  /** `http://proxy.corp:3128` or `https://proxy.corp:443`: how syncwarden reaches the proxy. */
  readonly url: URL;
  /** Hosts reached directly, not through the proxy. */
  readonly noProxy: readonly NoProxyEntry[];
}

export interface NoProxyEntry {
  /** Lower-case host or IP (brackets removed); `*` matches every host. */
  readonly host: string;
  /** Matches subdomains of `host` instead of `host` itself. */
  readonly subdomains: boolean;
  readonly port?: number;
}

/** The proxy's username and password from the job's secret. Redacted when logged, inspected or serialised. */
export class ProxyCredentials {
  readonly #password: string;

  constructor(
    readonly username: string,
    password: string,
  ) {
    this.#password = password;
  }

  /** The `Proxy-Authorization` value (Basic, RFC 7617): sent to the proxy only, on the CONNECT request. */
  authorization(): string {
    return `Basic ${Buffer.from(`${this.username}:${this.#password}`, 'utf8').toString('base64')}`;
  }

  toJSON(): Record<string, string> {
    return { username: this.username, password: '[redacted]' };
  }

  toString(): string {
    return `ProxyCredentials(${this.username}, [redacted])`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

const PROXY_URL_RULE =
  'an http:// or https:// URL of the proxy, scheme, host and port only (e.g. http://proxy.corp.example:3128); ' +
  "its username and password go in the job's secret";

/** Parses the configured proxy URL; `field` (the variable or setting) is named in the error. */
export function parseProxyUrl(field: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    // The text is not quoted: a malformed URL may still carry a password.
    throw new InvalidInputError(field, PROXY_URL_RULE, 'a value that does not parse as a URL');
  }
  const shown = `${url.protocol}//${url.host}`;
  if (url.username !== '' || url.password !== '') {
    throw new InvalidInputError(
      field,
      PROXY_URL_RULE,
      `${shown} with credentials in the URL (URLs end up in logs)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError(field, PROXY_URL_RULE, `the scheme ${JSON.stringify(url.protocol)}`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new InvalidInputError(field, PROXY_URL_RULE, `${shown} with a path, query or fragment`);
  }
  return url;
}

/** Parses a NO_PROXY value (comma- or space-separated); empty entries are skipped, as curl does. */
export function parseNoProxy(field: string, raw: string | undefined): NoProxyEntry[] {
  if (raw === undefined) return [];
  return raw
    .split(/[\s,]+/)
    .filter((entry) => entry !== '')
    .map((entry) => parseNoProxyEntry(field, entry.toLowerCase()));
}

function parseNoProxyEntry(field: string, entry: string): NoProxyEntry {
  if (entry === '*') return { host: '*', subdomains: false };
  let rest = entry;
  let subdomains = false;
  if (rest.startsWith('*.')) {
    rest = rest.slice(2);
    subdomains = true;
  } else if (rest.startsWith('.')) {
    rest = rest.slice(1);
    subdomains = true;
  }
  let port: number | undefined;
  // "[::1]:443", "host:443"; a bare IPv6 address has several colons and no port.
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  const hostPort = /^([^:]+):(\d+)$/.exec(rest);
  if (bracketed) {
    rest = bracketed[1] as string;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (hostPort) {
    rest = hostPort[1] as string;
    port = Number(hostPort[2]);
  }
  if (rest === '' || (port !== undefined && (port < 1 || port > 65_535))) {
    throw new InvalidInputError(
      field,
      'comma-separated hosts such as "*", "example.com", ".example.com", "*.example.com", "10.0.0.5", "example.com:8443"',
      JSON.stringify(entry),
    );
  }
  return { host: rest, subdomains, ...(port === undefined ? {} : { port }) };
}

/** Whether `url` is exempt from the proxy by one of the entries. */
export function bypassesProxy(url: URL, noProxy: readonly NoProxyEntry[]): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return noProxy.some((entry) => {
    if (entry.host === '*') return true;
    if (entry.port !== undefined && entry.port !== port) return false;
    return entry.subdomains ? host.endsWith(`.${entry.host}`) : host === entry.host;
  });
}

/** The route for `url`: the proxy, unless NO_PROXY exempts the host (or there is no proxy). */
export function proxyFor(url: URL, route: ProxyRoute | undefined): URL | undefined {
  if (!route || bypassesProxy(url, route.noProxy)) return undefined;
  return route.url;
}
