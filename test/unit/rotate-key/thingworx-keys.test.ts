// The key services over the real endpoint client and a scripted transport: what a lost or failed
// Create or Delete leads to, void answers, retries of reads and the admin key's refusal.
import { describe, expect, it } from 'vitest';
import type { AppKey } from '../../../functions/app-key/key-source.js';
import { DeadlineExceededError, EndpointUnreachableError } from '../../../functions/endpoint/errors.js';
import type { HttpRequest } from '../../../functions/endpoint/http-request.js';
import { ThingWorxClient } from '../../../functions/endpoint/thingworx-client.js';
import { AdminKeyDeniedError, KeyServiceError } from '../../../functions/rotate-key/errors.js';
import { ThingWorxKeyServices } from '../../../functions/rotate-key/thingworx-keys.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { everythingAbout } from '../../support/capture-logs.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';
import { response, SwappableKeySource, scriptedTransport } from '../endpoint/fakes.js';

const START_MS = Date.parse('2025-03-01T12:00:00Z');
const ADMIN_KEY: AppKey = { appKey: 'c3a91f0e-57d2-4b86-9e14-a0f6b2d8c754', versionId: 'admin-v1' };
const NEW_KEY_ID = 'f47e1b2c-6d93-4a05-8b7e-3c1d9f5a0e28';
const SPEC = {
  name: 'demo-token',
  user: 'syncUser',
  expiresAtMs: START_MS + 86_400_000,
  ipAllowlist: [],
};

type Script = Parameters<typeof scriptedTransport>[0];

function keyServices(script: Script, { deadlineEpochMs = START_MS + 60_000 } = {}) {
  const transport = scriptedTransport(script);
  const keys = new SwappableKeySource(ADMIN_KEY);
  const client = new ThingWorxClient(
    {
      baseUrl: 'https://twx.example.com',
      keySource: keys,
      deadlineEpochMs,
      requestTimeoutMs: 5_000,
      retry: { maxAttempts: 3 },
    },
    {
      clock: new ManualClock(START_MS),
      random: () => 0.5,
      logger: new RecordingLogger(),
      metrics: new RecordingMetrics(),
      transport,
      sleep: async () => undefined,
    },
  );
  const services = new ThingWorxKeyServices(client, keys.describe());
  return { services, transport, calledServices: () => transport.requests.map(serviceOf) };
}

const serviceOf = (request: HttpRequest) => request.url.pathname.split('/').pop();
const result = (value: unknown) =>
  response(200, { dataShape: { fieldDefinitions: {} }, rows: [{ result: value }] });
const notFound = () => response(404, 'Not Found');
/** ThingWorx's 403 instead of 404: the body of a real denial, whether or not the key exists. */
const forbidden = (service: string, key: string) =>
  response(403, `Not authorized for ServiceInvoke on ${service} in ${key}`);
const keyList = (names: readonly string[]) =>
  response(200, {
    dataShape: { fieldDefinitions: { name: { name: 'name', baseType: 'STRING' } } },
    rows: names.map((name) => ({ name })),
  });
const voidAnswer = () => ({ status: 200, headers: {}, body: '' });
const networkError = (request: HttpRequest) => {
  throw new EndpointUnreachableError(`POST ${request.url.pathname}: ECONNRESET`, 'network');
};

describe('ThingWorx key services', () => {
  it('creates a missing key once, sets its expiry from an empty answer and returns its value', async () => {
    const { services, calledServices } = keyServices([
      notFound(),
      voidAnswer(),
      voidAnswer(),
      result(NEW_KEY_ID),
    ]);

    await expect(services.ensureKey(SPEC)).resolves.toEqual({ keyId: NEW_KEY_ID, reused: false });
    expect(calledServices()).toEqual(['GetKeyID', 'CreateApplicationKey', 'SetExpirationDate', 'GetKeyID']);
  });

  it('does not resend a create whose answer was lost, and finds the key it made by reading', async () => {
    const { services, calledServices } = keyServices([
      notFound(),
      networkError,
      result(NEW_KEY_ID),
      voidAnswer(),
      result(NEW_KEY_ID),
    ]);

    await expect(services.ensureKey(SPEC)).resolves.toEqual({ keyId: NEW_KEY_ID, reused: true });
    expect(calledServices().filter((service) => service === 'CreateApplicationKey')).toHaveLength(1);
  });

  it('fails with the server answer when a create failed and no key was made', async () => {
    const { services, calledServices } = keyServices([
      notFound(),
      response(500, 'Unable to Invoke Service CreateApplicationKey : userName must be a user name'),
      notFound(),
    ]);

    const error = await services.ensureKey(SPEC).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(KeyServiceError);
    expect((error as Error).message).toMatch(/CreateApplicationKey answered HTTP 500: .*userName must be/);
    expect(calledServices()).toEqual(['GetKeyID', 'CreateApplicationKey', 'GetKeyID']);
  });

  it('counts a delete whose answer was lost as done when the key is gone', async () => {
    const { services, calledServices } = keyServices([
      result(NEW_KEY_ID),
      response(502, 'bad gateway'),
      notFound(),
    ]);

    await expect(services.delete('old-key')).resolves.toBe('deleted');
    expect(calledServices()).toEqual(['GetKeyID', 'DeleteApplicationKey', 'GetKeyID']);
  });

  it('retries SetExpirationDate after a transient failure: an absolute date is safe to set twice', async () => {
    const { services, transport } = keyServices([response(503, 'busy'), voidAnswer()]);

    await expect(services.setExpiration('old-key', START_MS)).resolves.toBe('set');
    expect(transport.requests).toHaveLength(2);
  });

  it('answers absent for a key ThingWorx does not know', async () => {
    const { services } = keyServices([notFound(), notFound()]);

    await expect(services.expiryState('gone')).resolves.toBe('absent');
    await expect(services.delete('gone')).resolves.toBe('absent');
  });

  it('names the admin secret, never the key, when ThingWorx refuses the admin key', async () => {
    const { services } = keyServices([response(401, `Authentication failed for ${ADMIN_KEY.appKey}`)]);

    const error = await services.keyIdOf('demo-token').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AdminKeyDeniedError);
    expect((error as AdminKeyDeniedError).status).toBe(401);
    expect((error as Error).message).toMatch(
      /GetKeyID refused the admin key from secretsmanager:test\/app-key/,
    );
    expect(everythingAbout(error)).not.toContain(ADMIN_KEY.appKey);
  });

  it('creates the key with the inputs ThingWorx declares: user and a comma-separated whitelist', async () => {
    const { services, transport } = keyServices([notFound(), voidAnswer(), voidAnswer(), result(NEW_KEY_ID)]);

    await services.ensureKey({ ...SPEC, ipAllowlist: ['10.0.0.8', '10.0.0.9'] });

    expect(JSON.parse(transport.requests[1]?.body ?? '')).toEqual({
      name: 'demo-token',
      user: 'syncUser',
      expirationDate: SPEC.expiresAtMs,
      whitelist: '10.0.0.8,10.0.0.9',
    });
  });

  it('reads a 403 on a key the server does not list as absent, not as a refused admin key', async () => {
    const { services, calledServices, transport } = keyServices([
      forbidden('GetKeyID', 'gone'),
      keyList(['demo-initial']),
    ]);

    await expect(services.keyIdOf('gone')).resolves.toBeUndefined();
    expect(calledServices()).toEqual(['GetKeyID', 'ApplicationKeys']);
    expect(transport.requests[1]?.method).toBe('GET');
  });

  it('keeps a 403 on a key the server lists a refusal of the admin key', async () => {
    const { services } = keyServices([forbidden('IsExpired', 'there'), keyList(['there'])]);

    await expect(services.expiryState('there')).rejects.toBeInstanceOf(AdminKeyDeniedError);
  });

  it('fails with the admin key refused when it may not even list the keys', async () => {
    const { services } = keyServices([
      forbidden('GetKeyID', 'gone'),
      response(403, 'Not authorized for Read on ApplicationKeys'),
    ]);

    const error = await services.keyIdOf('gone').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AdminKeyDeniedError);
    expect((error as Error).message).toMatch(
      /GET https:\/\/twx\.example\.com\/Thingworx\/ApplicationKeys refused the admin key/,
    );
  });

  it('makes no request once the deadline has passed', async () => {
    const { services, transport } = keyServices([result(NEW_KEY_ID)], { deadlineEpochMs: START_MS });

    await expect(services.keyIdOf('demo-token')).rejects.toThrow(DeadlineExceededError);
    expect(transport.requests).toHaveLength(0);
  });
});
