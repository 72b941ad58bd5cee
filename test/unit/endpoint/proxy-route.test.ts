import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  bypassesProxy,
  ProxyCredentials,
  parseNoProxy,
  parseProxyUrl,
  proxyFor,
} from '../../../functions/endpoint/proxy-route.js';
import { InvalidInputError } from '../../../functions/shared/errors.js';

describe('the proxy URL from configuration', () => {
  it('accepts http:// and https:// proxies given as scheme, host and port', () => {
    expect(parseProxyUrl('ENDPOINT_PROXY_URL', 'http://proxy.corp.example:3128').host).toBe(
      'proxy.corp.example:3128',
    );
    expect(parseProxyUrl('ENDPOINT_PROXY_URL', 'https://proxy.corp.example/').protocol).toBe('https:');
  });

  it('refuses credentials in the URL, naming the field and never the password', () => {
    const attempt = () => parseProxyUrl('ENDPOINT_PROXY_URL', 'http://svc:hunter2@proxy.corp.example:3128');
    expect(attempt).toThrow(InvalidInputError);
    expect(attempt).toThrow(
      /^ENDPOINT_PROXY_URL: expected .*job's secret, got http:\/\/proxy\.corp\.example:3128 with credentials/,
    );
    expect(attempt).not.toThrow(/hunter2/);
  });

  it.each([
    ['socks5://proxy.corp.example:1080', 'the scheme "socks5:"'],
    ['ftp://proxy.corp.example', 'the scheme "ftp:"'],
    ['http://proxy.corp.example:3128/path', 'http://proxy.corp.example:3128 with a path, query or fragment'],
    ['proxy.corp.example:3128', 'the scheme "proxy.corp.example:"'],
    ['not a url', 'a value that does not parse as a URL'],
  ])('refuses %s with what it found', (raw, found) => {
    expect(() => parseProxyUrl('endpoint.proxy.url', raw)).toThrow(`got ${found}`);
  });
});

describe('NO_PROXY', () => {
  const route = (noProxy: string) => ({
    url: new URL('http://proxy.corp.example:3128'),
    noProxy: parseNoProxy('NO_PROXY', noProxy),
  });

  it.each([
    ['*', 'https://tw.example.com', true],
    ['tw.example.com', 'https://tw.example.com', true],
    ['tw.example.com', 'https://eu.tw.example.com', false],
    ['.example.com', 'https://tw.example.com', true],
    ['*.example.com', 'https://tw.example.com', true],
    ['.example.com', 'https://example.com', false],
    ['.example.com', 'https://badexample.com', false],
    ['TW.Example.com', 'https://tw.example.COM', true],
    ['10.0.0.5', 'https://10.0.0.5:8443', true],
    ['tw.example.com:8443', 'https://tw.example.com:8443', true],
    ['tw.example.com:8443', 'https://tw.example.com', false],
    ['tw.example.com:443', 'https://tw.example.com', true],
    ['[::1]:8443', 'https://[::1]:8443', true],
    ['intranet, other.example  tw.example.com', 'https://tw.example.com', true],
    ['', 'https://tw.example.com', false],
  ])('NO_PROXY=%j exempts %s: %s', (noProxy, url, exempt) => {
    expect(bypassesProxy(new URL(url), parseNoProxy('NO_PROXY', noProxy))).toBe(exempt);
    expect(proxyFor(new URL(url), route(noProxy))?.href).toBe(
      exempt ? undefined : 'http://proxy.corp.example:3128/',
    );
  });

  it('does not exempt loopback unless it is listed', () => {
    expect(proxyFor(new URL('https://127.0.0.1:8443'), route('intranet'))).toBeDefined();
  });

  it('refuses an entry it cannot read, naming the variable', () => {
    expect(() => parseNoProxy('NO_PROXY', 'tw.example.com:99999')).toThrow(
      /^NO_PROXY: expected comma-separated hosts .*got "tw.example.com:99999"$/,
    );
  });
});

describe('proxy credentials', () => {
  it('make a Basic Proxy-Authorization value and never show the password', () => {
    const credentials = new ProxyCredentials('svc-syncwarden', 'hunter2');

    expect(credentials.authorization()).toBe(
      `Basic ${Buffer.from('svc-syncwarden:hunter2').toString('base64')}`,
    );
    for (const shown of [
      JSON.stringify({ credentials }),
      inspect({ credentials }, { depth: 5 }),
      String(credentials),
      `${credentials}`,
    ]) {
      expect(shown).toContain('svc-syncwarden');
      expect(shown).not.toContain('hunter2');
    }
  });
});
