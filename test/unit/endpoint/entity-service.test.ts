// callEntityService: any service path, 404 as "not found" when asked, empty answers of void services,
// and a call that changes state sent exactly once, whatever goes wrong on the way.
import { describe, expect, it } from 'vitest';
import type { AppKey } from '../../../functions/app-key/key-source.js';
import { AccessDeniedError } from '../../../functions/endpoint/diagnose.js';
import {
  EndpointHttpError,
  EndpointUnreachableError,
  EntityNotFoundError,
  InvalidResponseError,
} from '../../../functions/endpoint/errors.js';
import type { HttpTransport } from '../../../functions/endpoint/http-request.js';
import { ThingWorxClient } from '../../../functions/endpoint/thingworx-client.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { everythingAbout } from '../../support/capture-logs.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';
import { INFO_TABLE, response, SwappableKeySource, scriptedTransport } from './fakes.js';

const START_MS = Date.parse('2025-03-01T12:00:00Z');
const KEY_V1: AppKey = { appKey: '0b6f3d2e-8c41-4a97-b5e0-71d9c2a4f863', versionId: 'v1' };
const KEY_V2: AppKey = { appKey: '9e2c7a15-3f68-4d0b-a1c4-5b8e06d7f392', versionId: 'v2' };
const GET_KEY_ID = '/Thingworx/ApplicationKeys/sync%20key/Services/GetKeyID';
const CREATE_KEY = '/Thingworx/Resources/EntityServices/Services/CreateApplicationKey';

function harness(transport: HttpTransport) {
  const clock = new ManualClock(START_MS);
  const sleeps: number[] = [];
  const keys = new SwappableKeySource(KEY_V1);
  const metrics = new RecordingMetrics();
  const client = new ThingWorxClient(
    {
      baseUrl: 'https://twx.example.com',
      keySource: keys,
      deadlineEpochMs: START_MS + 120_000,
      requestTimeoutMs: 5_000,
    },
    {
      clock,
      random: () => 0.5,
      logger: new RecordingLogger(),
      metrics,
      transport,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
    },
  );
  return { client, keys, sleeps, metrics };
}

const empty = (headers: Record<string, string> = {}) => ({ status: 200, headers, body: '' });
const networkError = () => {
  throw new EndpointUnreachableError('POST x: ECONNRESET', 'network');
};

describe('ThingWorx client entity services', () => {
  it('POSTs the service path with the key in its header only and parses the InfoTable', async () => {
    const transport = scriptedTransport([response(200, INFO_TABLE)]);
    const { client } = harness(transport);

    const table = await client.callEntityService(GET_KEY_ID, { a: 1 }, { idempotent: true });

    expect(table.rows).toEqual([{ id: 'a' }]);
    const request = transport.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.url.href).toBe(`https://twx.example.com${GET_KEY_ID}`);
    expect(request?.url.href).not.toContain(KEY_V1.appKey);
    expect(request?.headers).toMatchObject({ appKey: KEY_V1.appKey, 'Cache-Control': 'no-cache, no-store' });
    expect(request?.body).toBe('{"a":1}');
  });

  it('answers undefined for a 404 when asked to, and throws it otherwise', async () => {
    const { client } = harness(scriptedTransport([response(404, 'Not Found'), response(404, 'Not Found')]));

    await expect(
      client.callEntityService(GET_KEY_ID, {}, { idempotent: true, notFoundAsUndefined: true }),
    ).resolves.toBeUndefined();
    await expect(client.callEntityService(GET_KEY_ID, {}, { idempotent: true })).rejects.toThrow(
      EndpointHttpError,
    );
  });

  it('reads an empty 200 from a service without output as an empty InfoTable, whatever its content type', async () => {
    const transport = scriptedTransport([empty(), empty({ 'content-type': 'text/html;charset=UTF-8' })]);
    const { client } = harness(transport);

    await expect(client.callEntityService(CREATE_KEY, {}, { idempotent: false })).resolves.toMatchObject({
      rows: [],
    });
    await expect(client.callEntityService(CREATE_KEY, {}, { idempotent: false })).resolves.toMatchObject({
      rows: [],
    });
  });

  it('still refuses an empty 200 that came from a cache', async () => {
    const { client } = harness(scriptedTransport([empty({ age: '5', 'x-cache': 'HIT' })]));
    await expect(client.callEntityService(CREATE_KEY, {}, { idempotent: false })).rejects.toMatchObject({
      reason: 'cached-response',
    });
  });

  it('sends a call that is not idempotent exactly once on a 5xx, quoting the answer without the key', async () => {
    const transport = scriptedTransport([
      response(500, `Unable to Invoke Service: key ${KEY_V1.appKey} already exists`),
      response(200, INFO_TABLE),
    ]);
    const { client, sleeps } = harness(transport);

    const error = await client
      .callEntityService(CREATE_KEY, {}, { idempotent: false })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EndpointHttpError);
    expect((error as Error).message).toMatch(/answered 500 \(sent once: not idempotent\)$/);
    expect((error as EndpointHttpError).bodySnippet).toBe(
      'Unable to Invoke Service: key [REDACTED] already exists',
    );
    expect(everythingAbout(error)).not.toContain(KEY_V1.appKey);
    expect(transport.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('sends a call that is not idempotent exactly once on a network error', async () => {
    const transport = scriptedTransport([networkError, response(200, INFO_TABLE)]);
    const { client } = harness(transport);

    await expect(client.callEntityService(CREATE_KEY, {}, { idempotent: false })).rejects.toThrow(
      EndpointUnreachableError,
    );
    expect(transport.requests).toHaveLength(1);
  });

  it('sends a call that is not idempotent exactly once when its JSON answer is cut short', async () => {
    const truncated = { ...response(200, INFO_TABLE), body: JSON.stringify(INFO_TABLE).slice(0, 20) };
    const transport = scriptedTransport([truncated, response(200, INFO_TABLE)]);
    const { client } = harness(transport);

    await expect(client.callEntityService(CREATE_KEY, {}, { idempotent: false })).rejects.toThrow(
      InvalidResponseError,
    );
    expect(transport.requests).toHaveLength(1);
  });

  it('retries an idempotent call after transient failures', async () => {
    const transport = scriptedTransport([response(503, 'busy'), networkError, response(200, INFO_TABLE)]);
    const { client, sleeps } = harness(transport);

    await expect(client.callEntityService(GET_KEY_ID, {}, { idempotent: true })).resolves.toBeDefined();
    expect(transport.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('resends a call that is not idempotent with a newer key after a 401, since ThingWorx ran nothing', async () => {
    const transport = scriptedTransport([response(401, 'Authentication failed'), empty()]);
    const { client, keys } = harness(transport);
    keys.rotateOnRefresh(1, KEY_V2);

    await expect(client.callEntityService(CREATE_KEY, {}, { idempotent: false })).resolves.toBeDefined();
    expect(transport.requests.map((r) => r.headers.appKey)).toEqual([KEY_V1.appKey, KEY_V2.appKey]);
  });
});

describe('ThingWorx client: a 403 that may mean "no such entity"', () => {
  // ThingWorx sometimes answers 403 instead of 404, with the body of a real denial.
  const forbidden = () => response(403, 'Not authorized for ServiceInvoke on GetKeyID in sync key');

  it('reads a 403 for an entity the caller says does not exist as not found, reporting no denial', async () => {
    const transport = scriptedTransport([forbidden()]);
    const { client, keys, sleeps, metrics } = harness(transport);
    const asked: string[] = [];

    const table = await client.callEntityService(
      GET_KEY_ID,
      {},
      {
        idempotent: true,
        notFoundAsUndefined: true,
        entityExists: async () => {
          asked.push('exists?');
          return false;
        },
      },
    );

    expect(table).toBeUndefined();
    expect(asked).toEqual(['exists?']);
    expect(metrics.named('AuthFailure')).toEqual([]);
    expect(keys.refreshes).toBe(0);
    expect(sleeps).toEqual([]);
  });

  it('throws it as EntityNotFoundError with its real status when not-found is not asked for', async () => {
    const { client } = harness(scriptedTransport([forbidden()]));

    const error = await client
      .callEntityService(GET_KEY_ID, {}, { idempotent: true, entityExists: async () => false })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EntityNotFoundError);
    expect((error as EntityNotFoundError).status).toBe(403);
  });

  it('keeps a 403 for an entity that exists a denial, with the usual re-read of the key', async () => {
    const { client, keys, metrics } = harness(scriptedTransport([forbidden()]));

    const error = await client
      .callEntityService(
        GET_KEY_ID,
        {},
        { idempotent: true, notFoundAsUndefined: true, entityExists: async () => true },
      )
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).cause).toBe('permission-denied');
    expect(keys.refreshes).toBe(2);
    expect(metrics.named('AuthFailure').map((m) => m.dimensions.Cause)).toEqual(['permission-denied']);
  });

  it('does not ask about the entity on a 401: an unknown key is not a missing entity', async () => {
    let asked = 0;
    const { client } = harness(scriptedTransport([response(401, '')]));

    await expect(
      client.callEntityService(
        GET_KEY_ID,
        {},
        {
          idempotent: true,
          notFoundAsUndefined: true,
          entityExists: async () => {
            asked++;
            return false;
          },
        },
      ),
    ).rejects.toThrow(AccessDeniedError);
    expect(asked).toBe(0);
  });
});
