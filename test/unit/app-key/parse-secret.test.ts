import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MalformedSecretError } from '../../../functions/app-key/key-source.js';
import { connectionFieldsOf, parseSecretValue } from '../../../functions/app-key/parse-secret.js';

const SECRET = 'prod/thingworx/app-key';
const KEY = '3f0c1b9e-7d52-4a8e-9c1f-6a2b5d8e4f70';

function failure(raw: string): MalformedSecretError {
  try {
    parseSecretValue(SECRET, raw, 'v1');
  } catch (error) {
    if (error instanceof MalformedSecretError) return error;
    throw error;
  }
  throw new Error('expected a MalformedSecretError');
}

describe('parsing the app key secret', () => {
  it('reads the JSON form with expiry and key name', () => {
    const key = parseSecretValue(
      SECRET,
      JSON.stringify({ appKey: KEY, expiresAt: '2030-01-31T12:00:00Z', keyName: 'sync-key' }),
      'v1',
    );
    expect(key).toEqual({
      appKey: KEY,
      versionId: 'v1',
      expiresAt: new Date('2030-01-31T12:00:00Z'),
      keyName: 'sync-key',
    });
  });

  it('accepts a plain string as the key alone, trimmed', () => {
    expect(parseSecretValue(SECRET, `  ${KEY}\n`, 'v2')).toEqual({ appKey: KEY, versionId: 'v2' });
  });

  it('names the secret and the problem for JSON that does not parse, without the value', () => {
    const error = failure(`{"appKey": "${KEY}"`);
    expect(error.message).toContain(SECRET);
    expect(error.message).toMatch(/not valid JSON/);
    expect(error.message).not.toContain(KEY);
    expect(error.cause).toBeUndefined();
  });

  it('rejects JSON without an appKey field', () => {
    expect(failure(JSON.stringify({ key: KEY })).message).toMatch(/no "appKey" field/);
  });

  it('rejects an empty appKey', () => {
    expect(failure(JSON.stringify({ appKey: '  ' })).message).toMatch(/"appKey" is empty/);
  });

  it('rejects an empty secret value', () => {
    expect(failure('   ').message).toMatch(/value is empty/);
  });

  it('rejects an expiresAt that is not an ISO-8601 date-time with a zone', () => {
    const error = failure(JSON.stringify({ appKey: KEY, expiresAt: 'next tuesday' }));
    expect(error.message).toMatch(/"expiresAt" is not an ISO-8601/);
    expect(error.message).not.toContain(KEY);
  });

  it('rejects a zone-less expiresAt, which would be read in the Lambda time zone', () => {
    expect(failure(JSON.stringify({ appKey: KEY, expiresAt: '2030-01-31T12:00:00' })).message).toMatch(
      /expiresAt/,
    );
  });

  it('rejects a key with characters an HTTP header cannot carry, without quoting it', () => {
    const error = failure(JSON.stringify({ appKey: `${KEY}\r\nX-Evil: 1` }));
    expect(error.message).toMatch(/control characters/);
    expect(error.message).not.toContain(KEY);
  });

  it('gives the stable reason malformed-secret', () => {
    expect(failure('{').reason).toBe('malformed-secret');
  });

  describe('the connection fields (forward proxy credentials, extra CAs)', () => {
    const PASSWORD = 'pr0xy-pa55word';
    const withFields = (fields: Record<string, unknown>) => JSON.stringify({ appKey: KEY, ...fields });

    it('reads the proxy credentials, which show their username but never the password', () => {
      const key = parseSecretValue(
        SECRET,
        withFields({ proxy: { username: 'svc', password: PASSWORD } }),
        'v1',
      );

      expect(key.proxyCredentials?.authorization()).toBe(
        `Basic ${Buffer.from(`svc:${PASSWORD}`).toString('base64')}`,
      );
      for (const shown of [JSON.stringify(key), inspect(key, { depth: 5 })]) {
        expect(shown).toContain('svc');
        expect(shown).not.toContain(PASSWORD);
      }
    });

    it.each([
      [
        { proxy: 'svc:secret' },
        '"proxy" must be an object {"username": "...", "password": "..."}, got string',
      ],
      [{ proxy: { username: 'svc' } }, '"proxy.password" must be a non-empty string, got undefined'],
      [
        { proxy: { username: '', password: PASSWORD } },
        '"proxy.username" must be a non-empty string, got an empty string',
      ],
      [
        { proxy: { username: 'svc', password: 42 } },
        '"proxy.password" must be a non-empty string, got number',
      ],
      [
        { proxy: { username: 'svc', password: `${PASSWORD}\r\n` } },
        '"proxy.password" contains control characters',
      ],
      [{ proxy: { username: 'd:svc', password: PASSWORD } }, '"proxy.username" must not contain ":"'],
      [
        { proxy: { username: 'svc', password: PASSWORD, pass: PASSWORD } },
        '"proxy" has unknown fields "pass"',
      ],
      [{ caCertificatesPem: 7 }, '"caCertificatesPem" must be a string of PEM certificates, got number'],
      [{ caCertificatesPem: 'MIIB...' }, 'caCertificatesPem: expected one or more PEM certificates'],
      [
        { caCertificatesPem: '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----' },
        'caCertificatesPem: expected PEM certificates that parse as X.509, got certificate 1 of 1 does not parse',
      ],
    ])('refuses %j, naming the field and neither the key nor the password', (fields, problem) => {
      const error = failure(withFields(fields));

      expect(error.message).toContain(SECRET);
      expect(error.message).toContain(problem);
      expect(error.message).not.toContain(KEY);
      expect(error.message).not.toContain(PASSWORD);
    });

    it('hands a key writer the connection fields as stored, to carry into the next version', () => {
      const proxy = { username: 'svc', password: PASSWORD };
      expect(connectionFieldsOf(withFields({ keyName: 'k', proxy, caCertificatesPem: 'PEM' }))).toEqual({
        proxy,
        caCertificatesPem: 'PEM',
      });
      expect(connectionFieldsOf(withFields({ keyName: 'k' }))).toEqual({});
      expect(connectionFieldsOf(KEY)).toEqual({});
      expect(connectionFieldsOf('{"appKey": ')).toEqual({});
    });
  });
});
