// Where the Access Denied rules meet: what makes an answer an HTML page, which statuses each rule reads,
// where the tolerances and expiry start, and which cause wins when two could apply.
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../functions/endpoint/diagnose.js';
import { dateOffBy, input, KEY, NOW_MS, TOLERANCE_MS } from './diagnosis-input.js';

const causeOf = (...args: Parameters<typeof input>) => diagnose(input(...args)).cause;

describe('what counts as an HTML page', () => {
  it('takes an HTML content type for a page whatever the body starts with', () => {
    expect(
      causeOf(200, '<body><p>Please log in</p></body>', { 'content-type': 'text/html; charset=utf-8' }),
    ).toBe('proxy-auth');
  });

  it('takes a body that opens with a doctype, after blank lines, for a page whatever the content type', () => {
    expect(
      causeOf(200, '\n\n  <!DOCTYPE html><html>Sign in</html>', { 'content-type': 'application/json' }),
    ).toBe('proxy-auth');
    expect(causeOf(200, '<html><body>Sign in</body></html>')).toBe('proxy-auth');
  });

  it('does not take JSON that quotes markup and login words for a page', () => {
    const json = '{"rows":[{"note":"<html> sign in with your password"}]}';
    expect(diagnose(input(200, json, { 'content-type': 'application/json' })).evidence.signals).toEqual([
      'HTTP 200 matched no known cause',
    ]);
  });

  it('keeps a 401 that comes as an HTML error page asking to log in invalid-key', () => {
    const page = '<!DOCTYPE html><html><body>HTTP Status 401 – Unauthorized. Please log in.</body></html>';
    expect(causeOf(401, page, { 'content-type': 'text/html' })).toBe('invalid-key');
  });

  it('does not read a 3xx HTML page without a login Location as a login page or a success', () => {
    const page = '<html><body>Choose: sign in or continue</body></html>';
    expect(diagnose(input(300, page, { 'content-type': 'text/html' })).evidence.signals).toEqual([
      'HTTP 300 matched no known cause',
    ]);
  });
});

describe('which statuses a login redirect covers', () => {
  const login = { location: 'https://sso.example.com/login' };

  it('reads a Location to a login page on every 3xx, 300 and 399 included', () => {
    expect(causeOf(300, '', login)).toBe('proxy-auth');
    expect(causeOf(399, '', login)).toBe('proxy-auth');
  });

  it('ignores a login Location outside 3xx: on a 201, a 400 and a 401', () => {
    expect(causeOf(201, '', login)).toBe('unknown');
    expect(causeOf(400, '', login)).toBe('unknown');
    expect(causeOf(401, '', login)).toBe('invalid-key');
  });

  it('calls a redirect elsewhere unknown', () => {
    expect(causeOf(302, '', { location: 'https://twx2.example.com/Thingworx/' })).toBe('unknown');
  });
});

describe('which texts a rule reads, on which status', () => {
  it.each([
    'Content type text/plain not supported',
    'Invalid ContentType header',
    'Unsupported Media Type',
    'unsupported mediatype',
    'CSRF token missing',
    'XSRF check failed',
  ])('calls a 403 saying "%s" content-type-rejected', (body) => {
    expect(causeOf(403, body)).toBe('content-type-rejected');
  });

  it('keeps a 401 that mentions the content type invalid-key', () => {
    expect(causeOf(401, 'Content-Type application/json accepted; key rejected')).toBe('invalid-key');
  });

  it('keeps a 401 that says "Not authorized" invalid-key: only a 403 names a missing permission', () => {
    expect(causeOf(401, 'Not authorized')).toBe('invalid-key');
  });

  it('does not count an Age of 0 (passed through a cache, fresh from the server) as a cached answer', () => {
    expect(causeOf(401, '', { age: '0' })).toBe('invalid-key');
  });
});

describe('where the tolerances and expiry start', () => {
  it('allows a response Date exactly the tolerance away', () => {
    expect(causeOf(401, '', { date: dateOffBy(-TOLERANCE_MS) })).toBe('invalid-key');
    expect(causeOf(401, '', { date: dateOffBy(-TOLERANCE_MS - 1_000) })).toBe('clock-skew');
  });

  it('allows a measured skew within or exactly at the tolerance', () => {
    expect(causeOf(401, '', {}, { knownSkewMs: 30_000 })).toBe('invalid-key');
    expect(causeOf(401, '', {}, { knownSkewMs: TOLERANCE_MS })).toBe('invalid-key');
  });

  it('calls a key whose expiresAt is this very instant expired-key', () => {
    const key = { ...KEY, expiresAt: new Date(NOW_MS) };
    expect(causeOf(401, '', {}, { keyUsed: key, currentKey: key })).toBe('expired-key');
  });
});

describe('which cause wins', () => {
  it('calls a 403 whose Date is beyond the tolerance clock-skew', () => {
    expect(causeOf(403, '', { date: dateOffBy(3_600_000) })).toBe('clock-skew');
  });

  it('keeps a 403 "Not authorized" permission-denied when the clock is off too', () => {
    expect(causeOf(403, 'Not authorized for ServiceInvoke', { date: dateOffBy(3_600_000) })).toBe(
      'permission-denied',
    );
  });

  it('puts a 401 down to the clock before a body saying expired: the server read the key by its clock', () => {
    expect(causeOf(401, 'Application key has expired', { date: dateOffBy(3_600_000) })).toBe('clock-skew');
  });

  it('does not put a redirect elsewhere down to the clock: only 401 and 403 are', () => {
    expect(causeOf(302, '', { location: 'https://twx2.example.com/', date: dateOffBy(3_600_000) })).toBe(
      'unknown',
    );
  });
});
