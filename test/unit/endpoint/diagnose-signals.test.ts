// The evidence an operator reads first: for each cause, the signals that decided it, word for word, and
// the error message that carries them. (Which cause wins where rules meet: diagnose-edges.test.ts.)
import { describe, expect, it } from 'vitest';
import { AccessDeniedError, type DiagnosisInput, diagnose } from '../../../functions/endpoint/diagnose.js';
import { dateOffBy, input, KEY, NEW_KEY, NOW_MS, REQUEST } from './diagnosis-input.js';

const EXPIRED_KEY = { ...KEY, expiresAt: new Date(NOW_MS - 1_000) };

function decided(given: DiagnosisInput) {
  const { cause, evidence } = diagnose(given);
  return { cause, signals: evidence.signals };
}

describe('the signals that name a cause', () => {
  it('says the URL carried the key when the client refused to send it', () => {
    expect(decided({ ...input(0), response: undefined, refusedBeforeSending: 'key-in-url' })).toEqual({
      cause: 'key-in-url',
      signals: ['the request URL carried the key'],
    });
  });

  it('quotes the expiresAt of a key the client refused to send', () => {
    const given = {
      ...input(0),
      response: undefined,
      keyUsed: EXPIRED_KEY,
      refusedBeforeSending: 'expired-key',
    };
    expect(decided(given as DiagnosisInput)).toEqual({
      cause: 'expired-key',
      signals: ['expiresAt 2025-03-01T11:59:59.000Z is not after now'],
    });
  });

  it('says there was no response when a denial has neither an answer nor a refusal', () => {
    expect(decided({ ...input(0), response: undefined })).toEqual({
      cause: 'unknown',
      signals: ['no response'],
    });
  });

  it('names a bare 407 by its status alone, with no Via it was not given', () => {
    expect(decided(input(407))).toEqual({
      cause: 'proxy-auth',
      signals: ['HTTP 407 Proxy Authentication Required'],
    });
  });

  it('lists every proxy signal of a 407, Via last', () => {
    const given = input(407, '', {
      'proxy-authenticate': 'Basic realm="corp"',
      via: '1.1 corp-proxy (squid)',
    });
    expect(decided(given).signals).toEqual([
      'HTTP 407 Proxy Authentication Required',
      'Proxy-Authenticate: Basic realm="corp"',
      'Via: 1.1 corp-proxy (squid)',
    ]);
  });

  it('quotes where a login redirect points, without its query string', () => {
    expect(decided(input(302, '', { location: 'https://sso.example.com/login?next=/secret' }))).toEqual({
      cause: 'proxy-auth',
      signals: ['redirect to a login page (https://sso.example.com/login)'],
    });
  });

  it('says an HTML login page answered instead of JSON', () => {
    const page = '<!DOCTYPE html><html><form>Sign in <input type="password"></form></html>';
    expect(decided(input(200, page, { 'content-type': 'text/html' }))).toEqual({
      cause: 'proxy-auth',
      signals: ['an HTML login page answered instead of JSON'],
    });
  });

  it('quotes the Age and the cache status header that gave a cache away', () => {
    expect(decided(input(401, '', { age: '42' }))).toEqual({
      cause: 'cached-response',
      signals: ['Age: 42'],
    });
    expect(decided(input(401, '', { 'cf-cache-status': 'HIT' }))).toEqual({
      cause: 'cached-response',
      signals: ['cf-cache-status: HIT'],
    });
  });

  it('says whether a content type rejection was a 403 naming it or a 415', () => {
    expect(decided(input(403, 'Content-Type text/plain is not allowed'))).toEqual({
      cause: 'content-type-rejected',
      signals: ['HTTP 403 mentioning the content type'],
    });
    expect(decided(input(415))).toEqual({ cause: 'content-type-rejected', signals: ['HTTP 415'] });
  });

  it('calls an HTML page with a success status and no login form unknown, saying it was HTML', () => {
    const page = '<html><body>Service temporarily moved</body></html>';
    expect(decided(input(200, page, { 'content-type': 'text/html' }))).toEqual({
      cause: 'unknown',
      signals: ['HTML instead of JSON with a success status'],
    });
  });

  it('puts such an HTML page down to a proxy when a Via header shows one on the way', () => {
    const page = '<html><body>Service temporarily moved</body></html>';
    expect(decided(input(200, page, { 'content-type': 'text/html', via: '1.1 gateway' }))).toEqual({
      cause: 'proxy-auth',
      signals: ['HTML instead of JSON with a success status', 'Via: 1.1 gateway'],
    });
  });

  it('names both secret versions of a stale key', () => {
    expect(decided(input(401, '', {}, { currentKey: NEW_KEY }))).toEqual({
      cause: 'stale-key',
      signals: ['used version v1, current is v2'],
    });
  });

  it('quotes the expiresAt a sent key had passed', () => {
    expect(decided(input(401, '', {}, { keyUsed: EXPIRED_KEY, currentKey: EXPIRED_KEY }))).toEqual({
      cause: 'expired-key',
      signals: ['expiresAt 2025-03-01T11:59:59.000Z has passed'],
    });
  });

  it('gives the response Date offset and the tolerance in seconds', () => {
    expect(decided(input(401, '', { date: dateOffBy(3_600_000) }))).toEqual({
      cause: 'clock-skew',
      signals: ['response Date is 3600 s from our clock (tolerance 60 s)'],
    });
  });

  it('gives the skew the monitor measured in seconds', () => {
    expect(decided(input(401, '', {}, { knownSkewMs: -120_000 }))).toEqual({
      cause: 'clock-skew',
      signals: ['measured skew of the target is -120 s'],
    });
  });

  it('adds that the key is expired by the server clock when it is, to the second', () => {
    const key = { ...KEY, expiresAt: new Date(NOW_MS + 3_600_000) };
    const given = input(401, '', { date: dateOffBy(3_600_000) }, { keyUsed: key, currentKey: key });
    expect(decided(given).signals).toEqual([
      'response Date is 3600 s from our clock (tolerance 60 s)',
      'the key is expired by the server clock but not by ours',
    ]);
  });

  it('does not say the key is expired by the server clock when it is not, or has no expiresAt', () => {
    const key = { ...KEY, expiresAt: new Date(NOW_MS + 7_200_000) };
    const later = input(401, '', { date: dateOffBy(3_600_000) }, { keyUsed: key, currentKey: key });
    const never = input(401, '', { date: dateOffBy(3_600_000) });
    for (const given of [later, never]) {
      expect(decided(given).signals).toEqual(['response Date is 3600 s from our clock (tolerance 60 s)']);
    }
  });

  it('says when the server itself said the key expired', () => {
    expect(decided(input(401, 'Application key has expired'))).toEqual({
      cause: 'expired-key',
      signals: ['the server says the key expired'],
    });
  });

  it('quotes a 403 "Not authorized" as the permission signal', () => {
    expect(decided(input(403, 'Not authorized for ServiceInvoke on S in T'))).toEqual({
      cause: 'permission-denied',
      signals: ['HTTP 403 "Not authorized"'],
    });
  });

  it('says whether a 401 came with the secret as re-read or without re-reading it', () => {
    expect(decided(input(401))).toEqual({
      cause: 'invalid-key',
      signals: ['401 with the current secret version v1'],
    });
    expect(decided(input(401, '', {}, { currentKey: undefined }))).toEqual({
      cause: 'invalid-key',
      signals: ['401 (secret not re-read)'],
    });
  });

  it('adds that the same key version was accepted earlier in the run, only when it was', () => {
    expect(decided(input(401, '', {}, { sameKeyAcceptedEarlier: false })).signals).toHaveLength(1);
    expect(decided(input(401, '', {}, { sameKeyAcceptedEarlier: true })).signals).toEqual([
      '401 with the current secret version v1',
      'the same key version was accepted earlier in this run: revoked mid-run or servers disagree',
    ]);
  });

  it('gives the status of a denial that matched no cause', () => {
    expect(decided(input(403, 'Request blocked'))).toEqual({
      cause: 'unknown',
      signals: ['HTTP 403 matched no known cause'],
    });
  });
});

describe('the evidence beside the signals', () => {
  it('leaves the response clock offset out when the answer has no Date or an unreadable one', () => {
    const noDate = input(401);
    const { date: _dropped, ...headers } = noDate.response?.headers ?? {};
    const withoutDate = { ...noDate, response: { status: 401, headers, body: '' } };
    expect(diagnose(withoutDate).evidence).not.toHaveProperty('responseClockOffsetMs');
    expect(diagnose(input(401, '', { date: 'yesterday-ish' })).evidence).not.toHaveProperty(
      'responseClockOffsetMs',
    );
    expect(diagnose(input(401)).evidence.responseClockOffsetMs).toBe(0);
  });

  it('redacts a learned secret from every header and the body, even when handed over as a one-shot iterable', () => {
    const learned = 'f00dfeed-0000-4aaa-8bbb-123456789abc';
    function* once() {
      yield learned;
    }
    const given = input(
      401,
      `new key ${learned}`,
      { 'www-authenticate': `AppKey ${learned}`, server: `twx ${learned}` },
      { learnedSecrets: once() },
    );
    const { evidence } = diagnose(given);
    expect(JSON.stringify(evidence)).not.toContain(learned);
    expect(evidence.bodySnippet).toBe('new key [REDACTED]');
    expect(evidence.headers).toMatchObject({
      'www-authenticate': 'AppKey [REDACTED]',
      server: 'twx [REDACTED]',
    });
  });
});

describe('the AccessDeniedError message', () => {
  it('says a request was refused before sending instead of giving a status', () => {
    const given = {
      ...input(0),
      response: undefined,
      keyUsed: EXPIRED_KEY,
      refusedBeforeSending: 'expired-key',
    };
    const error = new AccessDeniedError(diagnose(given as DiagnosisInput));
    expect(error.message).toBe(
      `Access denied (expired-key) for ${REQUEST} [refused before sending]: ` +
        'the key is past its expiresAt (or the server says it expired). ' +
        'What to do: create a new app key on the server and put it (with its expiresAt) in the secret. ' +
        'Signals: expiresAt 2025-03-01T11:59:59.000Z is not after now',
    );
  });

  it('joins the signals with semicolons after the status', () => {
    const error = new AccessDeniedError(
      diagnose(input(407, '', { 'proxy-authenticate': 'Basic realm="corp"' })),
    );
    expect(error.message).toMatch(/\[HTTP 407\]: /);
    expect(error.message).toMatch(
      /Signals: HTTP 407 Proxy Authentication Required; Proxy-Authenticate: Basic realm="corp"$/,
    );
  });

  it('says "none" for a diagnosis that carries no signals', () => {
    const diagnosis = diagnose(input(403, 'Request blocked'));
    const error = new AccessDeniedError({ ...diagnosis, evidence: { ...diagnosis.evidence, signals: [] } });
    expect(error.message).toMatch(/Signals: none$/);
  });
});
