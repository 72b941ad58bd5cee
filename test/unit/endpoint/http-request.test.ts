import { describe, expect, it } from 'vitest';
import { InsecureEndpointError } from '../../../functions/endpoint/errors.js';
import { assertSecureUrl, describeUrl, isLoopbackHost } from '../../../functions/endpoint/http-request.js';

describe('endpoint URL policy', () => {
  it('accepts HTTPS to any host', () => {
    expect(() => assertSecureUrl(new URL('https://thingworx.example.com/Thingworx'))).not.toThrow();
  });

  it('accepts plain HTTP to loopback hosts only', () => {
    for (const url of [
      'http://localhost:8080',
      'http://127.0.0.1:1',
      'http://127.45.6.7',
      'http://[::1]:8443',
    ]) {
      expect(() => assertSecureUrl(new URL(url)), url).not.toThrow();
    }
  });

  it('refuses plain HTTP to a non-loopback host and says HTTPS is required except for loopback', () => {
    expect(() => assertSecureUrl(new URL('http://thingworx.example.com'))).toThrow(InsecureEndpointError);
    expect(() => assertSecureUrl(new URL('http://10.0.0.5'))).toThrow(/not HTTPS.*only allowed for loopback/);
  });

  it('does not mistake look-alike hosts for loopback', () => {
    expect(isLoopbackHost('127.0.0.1.example.com')).toBe(false);
    expect(isLoopbackHost('localhost.example.com')).toBe(false);
    expect(isLoopbackHost('[::2]')).toBe(false);
  });

  it('refuses credentials in the URL', () => {
    expect(() => assertSecureUrl(new URL('https://user:pw@thingworx.example.com'))).toThrow(
      /credentials in the URL/,
    );
  });

  it('describes a URL without its query string', () => {
    expect(describeUrl(new URL('https://h.example/a/b?appKey=x'))).toBe('https://h.example/a/b');
  });
});
