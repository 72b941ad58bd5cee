import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../functions/shared/errors.js';
import { loadSyncConfig } from '../../../functions/sync/sync-config.js';
import { MINIMAL_SYNC_ENV } from './minimal-sync-env.js';

const minimal = MINIMAL_SYNC_ENV;

describe('sync configuration', () => {
  it('fills the documented defaults around the required values', () => {
    const config = loadSyncConfig(minimal);

    expect(config).toMatchObject({
      job: 'orders',
      appKey: { secretId: 'syncwarden/orders/app-key' },
      pageSize: 500,
      timestampField: 'timestamp',
      keyFields: ['timestamp', 'source'],
      overlapMs: 300_000,
      minRemainingTimeMs: 30_000,
      safetyMarginMs: 20_000,
      leaseMarginMs: 45_000,
      ledgerRetentionDays: 90,
      endpoint: { service: 'QueryStreamEntriesWithData', keyHeader: 'appKey' },
    });
  });

  it('is frozen, so nothing changes it after cold start', () => {
    const config = loadSyncConfig(minimal);

    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.endpoint)).toBe(true);
  });

  it.each([
    [
      { SYNC_JOB_NAME: undefined },
      'SYNC_JOB_NAME: expected a non-empty value (environment variable is not set)',
    ],
    [
      { SYNC_JOB_NAME: 'has space' },
      'SYNC_JOB_NAME: expected letters, digits, ".", "_" or "-", at most 64, got "has space"',
    ],
    [{ PAGE_SIZE: '0' }, 'PAGE_SIZE: expected an integer from 1 to 10000, got "0"'],
    [{ PAGE_SIZE: 'lots' }, 'PAGE_SIZE: expected an integer from 1 to 10000, got "lots"'],
    [
      { ENDPOINT_BASE_URL: 'tw.example.com' },
      'ENDPOINT_BASE_URL: expected an absolute URL such as https://thingworx.example.com, got "tw.example.com"',
    ],
    [
      { ENDPOINT_BASE_URL: 'http://tw.example.com' },
      'ENDPOINT_BASE_URL: expected https:// (plain http:// only for loopback: localhost, 127.0.0.0/8, ::1), because the app key travels in a request header, got http://tw.example.com',
    ],
    [
      { ENDPOINT_BASE_URL: 'https://tw.example.com/Thingworx?appKey=4c7e2a90-1b3d-4f68' },
      'ENDPOINT_BASE_URL: expected scheme, host and path only: the key goes in its header, never in the URL, got a URL with a query string or fragment',
    ],
    [
      { APP_KEY_HEADER: 'app key' },
      'APP_KEY_HEADER: expected an HTTP header name: letters, digits and !#$%&\'*+-.^_`|~ only, no spaces or ":", such as "appKey", got "app key"',
    ],
    [
      { APP_KEY_FILE: '/tmp/key.json' },
      'APP_KEY_SECRET_ID / APP_KEY_FILE: expected exactly one of the two to be set',
    ],
    [
      { KEY_FIELDS: 'id,,site' },
      'KEY_FIELDS: expected a comma-separated list of non-empty names, got "id,,site"',
    ],
    [{ INITIAL_START: 'last tuesday' }, 'INITIAL_START: expected an ISO-8601 date, got "last tuesday"'],
    [
      { ENDPOINT_PROXY_URL: 'http://svc:hunter2@proxy.corp.example:3128' },
      "ENDPOINT_PROXY_URL: expected an http:// or https:// URL of the proxy, scheme, host and port only (e.g. http://proxy.corp.example:3128); its username and password go in the job's secret, got http://proxy.corp.example:3128 with credentials in the URL (URLs end up in logs)",
    ],
    [
      { ENDPOINT_PROXY_URL: 'socks5://proxy.corp.example:1080' },
      'ENDPOINT_PROXY_URL: expected an http:// or https:// URL of the proxy',
    ],
    [{ NO_PROXY: 'tw.example.com:0' }, 'NO_PROXY: expected comma-separated hosts'],
    [
      { ENDPOINT_CA_FILE: '/nonexistent/corp-root.pem' },
      'ENDPOINT_CA_FILE: expected a readable PEM file of CA certificates, got "/nonexistent/corp-root.pem" (ENOENT)',
    ],
    [
      { ENDPOINT_CA_PEM: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' },
      'ENDPOINT_CA_PEM: expected PEM certificates that parse as X.509, got certificate 1 of 1 does not parse',
    ],
  ])('names the variable and what was expected when it is wrong (%o)', (override, message) => {
    expect(() => loadSyncConfig({ ...minimal, ...override })).toThrow(InvalidInputError);
    expect(() => loadSyncConfig({ ...minimal, ...override })).toThrow(message);
  });

  it('reads the forward proxy and NO_PROXY, and goes direct when no proxy is set', () => {
    const proxied = loadSyncConfig({
      ...minimal,
      ENDPOINT_PROXY_URL: 'http://proxy.corp.example:3128',
      NO_PROXY: '.internal.example, 10.0.0.5',
    });

    expect(proxied.endpoint.transport.proxy?.url.href).toBe('http://proxy.corp.example:3128/');
    expect(proxied.endpoint.transport.proxy?.noProxy).toEqual([
      { host: 'internal.example', subdomains: true },
      { host: '10.0.0.5', subdomains: false },
    ]);
    expect(loadSyncConfig(minimal).endpoint.transport).toEqual({ extraCaPems: [] });
  });

  it('never quotes a proxy password that was put in the URL by mistake', () => {
    expect(() =>
      loadSyncConfig({ ...minimal, ENDPOINT_PROXY_URL: 'http://svc:hunter2@proxy.corp.example:3128' }),
    ).not.toThrow(/hunter2/);
  });
});
