import { describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  type DiagnosisInput,
  diagnose,
  reportAccessDenied,
} from '../../../functions/endpoint/diagnose.js';
import { everythingAbout } from '../../support/capture-logs.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';
import { DATE_NOW, input, KEY, NEW_KEY, NOW_MS } from './diagnosis-input.js';

describe('Access Denied diagnosis', () => {
  it('calls a 401 with the current key invalid-key', () => {
    expect(diagnose(input(401, 'Authentication failed')).cause).toBe('invalid-key');
  });

  it('calls a denial stale-key when a newer secret version exists, showing both versions', () => {
    const diagnosis = diagnose(input(401, 'Authentication failed', {}, { currentKey: NEW_KEY }));
    expect(diagnosis.cause).toBe('stale-key');
    expect(diagnosis.evidence).toMatchObject({ versionIdUsed: 'v1', versionIdCurrent: 'v2' });
  });

  it('calls a 401 expired-key when the secret says the key expired', () => {
    const expired = { ...KEY, expiresAt: new Date(NOW_MS - 1_000) };
    expect(
      diagnose(input(401, 'Authentication failed', {}, { keyUsed: expired, currentKey: expired })).cause,
    ).toBe('expired-key');
  });

  it('calls a refusal before sending an expired key expired-key, with no status', () => {
    const expired = { ...KEY, expiresAt: new Date(NOW_MS - 1_000) };
    const diagnosis = diagnose({
      ...input(0),
      response: undefined,
      keyUsed: expired,
      refusedBeforeSending: 'expired-key',
    });
    expect(diagnosis.cause).toBe('expired-key');
    expect(diagnosis.evidence.status).toBeUndefined();
  });

  it('calls a 403 "Not authorized" permission-denied', () => {
    expect(diagnose(input(403, 'Not authorized for ServiceInvoke on S in T')).cause).toBe(
      'permission-denied',
    );
  });

  it('calls a 403 about the content type content-type-rejected', () => {
    expect(diagnose(input(403, 'Content-Type text/plain is not allowed')).cause).toBe(
      'content-type-rejected',
    );
  });

  it('calls a 415 content-type-rejected', () => {
    expect(diagnose(input(415, '')).cause).toBe('content-type-rejected');
  });

  it('calls a 407 with Proxy-Authenticate proxy-auth and keeps the Via header as evidence', () => {
    const diagnosis = diagnose(
      input(407, '<html>sign in</html>', {
        'proxy-authenticate': 'Basic realm="corp"',
        via: '1.1 corp-proxy (squid)',
      }),
    );
    expect(diagnosis.cause).toBe('proxy-auth');
    expect(diagnosis.evidence.headers).toMatchObject({
      via: '1.1 corp-proxy (squid)',
      'proxy-authenticate': 'Basic realm="corp"',
    });
  });

  it('calls a 200 HTML login page proxy-auth', () => {
    const page = '<!DOCTYPE html><html><form><input type="password"></form></html>';
    expect(diagnose(input(200, page, { 'content-type': 'text/html' })).cause).toBe('proxy-auth');
  });

  it('calls a redirect to a login page proxy-auth', () => {
    expect(diagnose(input(302, '', { location: 'https://sso.example.com/login?next=/' })).cause).toBe(
      'proxy-auth',
    );
  });

  it('calls an answer with X-Cache HIT cached-response', () => {
    expect(diagnose(input(401, 'Authentication failed', { 'x-cache': 'HIT' })).cause).toBe('cached-response');
  });

  it('calls an answer with Age above zero cached-response', () => {
    expect(diagnose(input(403, 'Not authorized', { age: '42' })).cause).toBe('cached-response');
  });

  // Whether a Date is replayed is decided over the client's answers (server-dates.test.ts); diagnose names it.
  it('calls an answer whose Date a cache replayed cached-response, saying how far apart', () => {
    const replayedDate = { date: DATE_NOW, apartMs: 5_000, genuineLimitMs: 2_000 };
    const diagnosis = diagnose(input(401, 'Authentication failed', {}, { replayedDate }));
    expect(diagnosis.cause).toBe('cached-response');
    expect(diagnosis.evidence.signals.join()).toMatch(
      /replayed: answered 5\.0 s apart here, beyond the 2\.0 s/,
    );
  });

  it('calls a 401 whose Date is beyond the tolerance clock-skew, with the offset as evidence', () => {
    const diagnosis = diagnose(
      input(401, 'Authentication failed', { date: new Date(NOW_MS + 3_600_000).toUTCString() }),
    );
    expect(diagnosis.cause).toBe('clock-skew');
    expect(diagnosis.evidence.responseClockOffsetMs).toBe(3_600_000);
  });

  it('calls a 401 clock-skew when the skew monitor measured an offset beyond the tolerance', () => {
    expect(diagnose(input(401, 'Authentication failed', {}, { knownSkewMs: -120_000 })).cause).toBe(
      'clock-skew',
    );
  });

  it('keeps a 401 invalid-key when the Date is within the tolerance', () => {
    expect(diagnose(input(401, 'x', { date: new Date(NOW_MS + 30_000).toUTCString() })).cause).toBe(
      'invalid-key',
    );
  });

  it('reads the bare 401 ThingWorx answers to a key in the URL as invalid-key, pointing at its security log', () => {
    const diagnosis = diagnose(input(401, ''));
    expect(diagnosis.cause).toBe('invalid-key');
    expect(diagnosis.meaning).toMatch(/moved into the URL/);
    expect(diagnosis.action).toMatch(/SecurityLog\.log.*ApplicationKey Is Not Allowed As A URL Parameter/);
  });

  it('does not call a 406 content-type-rejected: ThingWorx answers 406 to a body that is not valid JSON', () => {
    expect(diagnose(input(406, '')).cause).not.toBe('content-type-rejected');
  });

  it('calls a refusal to send a key in the URL key-in-url', () => {
    expect(diagnose({ ...input(0), response: undefined, refusedBeforeSending: 'key-in-url' }).cause).toBe(
      'key-in-url',
    );
  });

  it('calls an unmatched 403 unknown and keeps the raw status and relevant headers', () => {
    const diagnosis = diagnose(
      input(403, 'Request blocked', { server: 'awselb/2.0', 'set-cookie': 'session=abc' }),
    );
    expect(diagnosis.cause).toBe('unknown');
    expect(diagnosis.evidence.status).toBe(403);
    expect(diagnosis.evidence.headers).toMatchObject({ server: 'awselb/2.0' });
    expect(diagnosis.evidence.headers).not.toHaveProperty('set-cookie');
  });

  it('notes when the same key version was accepted earlier in the run', () => {
    const diagnosis = diagnose(input(401, 'Authentication failed', {}, { sameKeyAcceptedEarlier: true }));
    expect(diagnosis.evidence.sameKeyAcceptedEarlier).toBe(true);
    expect(diagnosis.evidence.signals.join()).toMatch(/accepted earlier/);
  });

  it('redacts every form of the key from the body snippet and headers', () => {
    const body = `echo ${KEY.appKey} and ${encodeURIComponent(NEW_KEY.appKey)}`;
    const diagnosis = diagnose(
      input(401, body, { 'www-authenticate': `AppKey ${KEY.appKey}` }, { currentKey: NEW_KEY }),
    );
    const text = JSON.stringify(diagnosis);
    expect(text).not.toContain(KEY.appKey);
    expect(text).not.toContain(NEW_KEY.appKey);
    expect(diagnosis.evidence.bodySnippet).toContain('[REDACTED]');
  });

  it('redacts the key before cutting the body snippet, so no key prefix survives', () => {
    const body = `${'x'.repeat(290)}${KEY.appKey}`;
    expect(diagnose(input(401, body)).evidence.bodySnippet).not.toContain(KEY.appKey.slice(0, 8));
  });
});

describe('Access Denied diagnosis of a bare 401 (ThingWorx documents no 401 body)', () => {
  const expired = { ...KEY, expiresAt: new Date(NOW_MS - 1_000) };
  const cases: readonly [string, DiagnosisInput][] = [
    ['invalid-key', input(401, '')],
    ['stale-key', input(401, '', {}, { currentKey: NEW_KEY })],
    ['expired-key', input(401, '', {}, { keyUsed: expired, currentKey: expired })],
    ['clock-skew', input(401, '', { date: new Date(NOW_MS + 3_600_000).toUTCString() })],
    ['clock-skew', input(401, '', {}, { knownSkewMs: 120_000 })],
    ['cached-response', input(401, '', { 'x-cache': 'HIT' })],
    [
      'cached-response',
      input(401, '', {}, { replayedDate: { date: DATE_NOW, apartMs: 5_000, genuineLimitMs: 2_000 } }),
    ],
    ['proxy-auth', input(401, '', { 'proxy-authenticate': 'Basic realm="corp"' })],
  ];

  it.each(cases)('finds %s without any body text', (cause, given) => {
    expect(diagnose(given).cause).toBe(cause);
  });

  it('lets a body add detail when there is one', () => {
    expect(diagnose(input(401, 'Application key has expired')).cause).toBe('expired-key');
  });
});

describe('reporting an Access Denied', () => {
  it('writes one structured log line and one AuthFailure count with dimension Cause', () => {
    const logger = new RecordingLogger();
    const metrics = new RecordingMetrics();
    reportAccessDenied(
      diagnose(input(403, 'Not authorized for ServiceInvoke')),
      { logger, metrics },
      { recovered: false },
    );
    expect(logger.recorded).toHaveLength(1);
    expect(logger.recorded[0]).toMatchObject({
      level: 'warn',
      attributes: { authFailureCause: 'permission-denied', recovered: false },
    });
    expect(metrics.recorded).toEqual([
      { name: 'AuthFailure', unit: 'Count', value: 1, dimensions: { Cause: 'permission-denied' } },
    ]);
  });

  it('builds an AccessDeniedError whose reason and cause are the cause id and which never shows the key', () => {
    const error = new AccessDeniedError(diagnose(input(401, `bad key ${KEY.appKey}`)));
    expect(error.reason).toBe('invalid-key');
    expect(error.cause).toBe('invalid-key');
    expect(error.message).toMatch(/Access denied \(invalid-key\).*HTTP 401.*What to do/);
    expect(everythingAbout(error)).not.toContain(KEY.appKey);
  });
});
