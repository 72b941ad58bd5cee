// Answers that hold secrets: a call marked as answering one (GetKeyID) never has its body quoted, a key
// service's `result` is redacted wherever a body is quoted, a secret the client was answered is redacted
// from everything reported later, and header values are quoted redacted only.
import { describe, expect, it } from 'vitest';
import type { AppKey } from '../../../functions/app-key/key-source.js';
import { AccessDeniedError } from '../../../functions/endpoint/diagnose.js';
import { EndpointHttpError, InvalidResponseError } from '../../../functions/endpoint/errors.js';
import { WITHHELD_BODY } from '../../../functions/endpoint/evidence.js';
import type { HttpTransport } from '../../../functions/endpoint/http-request.js';
import { ThingWorxClient } from '../../../functions/endpoint/thingworx-client.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { everythingAbout } from '../../support/capture-logs.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';
import { INFO_TABLE, response, SwappableKeySource, scriptedTransport } from './fakes.js';

const START_MS = Date.parse('2025-03-01T12:00:00Z');
const ADMIN_KEY: AppKey = { appKey: '5f0d9c2b-7a14-4e83-b6c1-2d9e8a7f3b40', versionId: 'v1' };
/** The value GetKeyID answers: a freshly created key that must reach no log. */
const NEW_KEY = 'a3e1c7b9-4d2f-4b06-8e5a-9c1f7d3b2e68';
const GET_KEY_ID = '/Thingworx/ApplicationKeys/demo-2025/Services/GetKeyID';
const SET_EXPIRY = '/Thingworx/ApplicationKeys/demo-2025/Services/SetExpirationDate';
const CREATE_KEY = '/Thingworx/Resources/EntityServices/Services/CreateApplicationKey';
const keyIdAnswer = (keyId = NEW_KEY) => ({
  dataShape: { fieldDefinitions: { result: { name: 'result', baseType: 'STRING' } } },
  rows: [{ result: keyId }],
});

function harness(transport: HttpTransport) {
  const clock = new ManualClock(START_MS);
  const logger = new RecordingLogger();
  const metrics = new RecordingMetrics();
  const client = new ThingWorxClient(
    {
      baseUrl: 'https://twx.example.com',
      keySource: new SwappableKeySource(ADMIN_KEY),
      deadlineEpochMs: START_MS + 120_000,
      requestTimeoutMs: 5_000,
    },
    {
      clock,
      random: () => 0.5,
      logger,
      metrics,
      transport,
      sleep: async (ms) => clock.advance(ms),
    },
  );
  /** Everything the client could show an operator: the error and every log line and metric. */
  const everything = (error: unknown) =>
    `${everythingAbout(error)}\n${logger.text()}\n${JSON.stringify(metrics.recorded)}`;
  return { client, logger, metrics, everything };
}

const readKeyId = (client: ThingWorxClient) =>
  client.callEntityService(GET_KEY_ID, {}, { idempotent: true, answersSecret: true });

describe('calls that answer a secret', () => {
  it.each([
    ['Age', { age: '8' }],
    ['X-Cache: HIT', { 'x-cache': 'HIT' }],
  ])(
    'never quote the key GetKeyID answered with %s, however suspicious the answer',
    async (_label, headers) => {
      const { client, everything } = harness(scriptedTransport([response(200, keyIdAnswer(), headers)]));

      const error = await readKeyId(client).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(AccessDeniedError);
      expect((error as AccessDeniedError).cause).toBe('cached-response');
      expect((error as AccessDeniedError).evidence.bodySnippet).toBe(WITHHELD_BODY);
      expect(everything(error)).not.toContain(NEW_KEY);
    },
  );

  it('never quote the body of a GetKeyID error, whatever the status', async () => {
    const echo = `Unable to Invoke Service GetKeyID on demo-2025 : key ${NEW_KEY}`;
    const { client, everything } = harness(scriptedTransport([response(500, echo)]));

    const error = await client
      .callEntityService(GET_KEY_ID, {}, { idempotent: false, answersSecret: true })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EndpointHttpError);
    expect((error as EndpointHttpError).bodySnippet).toBe(WITHHELD_BODY);
    expect(everything(error)).not.toContain(NEW_KEY);
  });

  it('still classify a denial of GetKeyID by its body without quoting it', async () => {
    const denial = response(403, `Not authorized for ServiceInvoke on GetKeyID in demo-2025 (${NEW_KEY})`);
    const { client, everything } = harness(scriptedTransport([denial, denial, denial]));

    const error = await readKeyId(client).catch((e: unknown) => e);

    expect((error as AccessDeniedError).cause).toBe('permission-denied');
    expect((error as AccessDeniedError).evidence.bodySnippet).toBe(WITHHELD_BODY);
    expect(everything(error)).not.toContain(NEW_KEY);
  });
});

describe('key service results', () => {
  it('are redacted from a quoted body even when the call was not marked as answering a secret', async () => {
    const { client, everything } = harness(scriptedTransport([response(200, keyIdAnswer(), { age: '3' })]));

    const error = await client
      .callEntityService(SET_EXPIRY, {}, { idempotent: true })
      .catch((e: unknown) => e);

    expect((error as AccessDeniedError).evidence.bodySnippet).toContain('"result":"[REDACTED]"');
    expect(everything(error)).not.toContain(NEW_KEY);
  });

  it('are redacted from a body cut short in the middle of the value', async () => {
    const cut = JSON.stringify(keyIdAnswer()).slice(0, -20);
    const { client, everything } = harness(scriptedTransport([response(500, cut)]));

    const error = await client
      .callEntityService(SET_EXPIRY, {}, { idempotent: false })
      .catch((e: unknown) => e);

    expect((error as EndpointHttpError).bodySnippet).toContain('"result":"[REDACTED]"');
    expect(everything(error)).not.toContain(NEW_KEY.slice(0, 12));
  });

  it('once answered, are redacted from everything the client reports later, on any call', async () => {
    const echoed = `key ${NEW_KEY} already exists`;
    const { client, everything } = harness(
      scriptedTransport([
        response(200, keyIdAnswer()),
        response(500, `Unable to Invoke Service CreateApplicationKey : ${echoed}`),
        response(302, '', {
          location: `https://sso.example.com/login/${NEW_KEY}`,
          'proxy-authenticate': `Bearer realm="${NEW_KEY}"`,
          via: `1.1 ${NEW_KEY}.proxy.internal`,
        }),
      ]),
    );
    await readKeyId(client);

    const httpError = await client
      .callEntityService(CREATE_KEY, {}, { idempotent: false })
      .catch((e: unknown) => e);
    const denial = await client.callService('T', 'S').catch((e: unknown) => e);

    expect((httpError as EndpointHttpError).bodySnippet).toContain('key [REDACTED] already exists');
    expect((denial as AccessDeniedError).cause).toBe('proxy-auth');
    expect((denial as AccessDeniedError).evidence.headers).toMatchObject({
      location: 'https://sso.example.com/login/[REDACTED]',
      via: '1.1 [REDACTED].proxy.internal',
    });
    expect(everything(httpError)).not.toContain(NEW_KEY);
    expect(everything(denial)).not.toContain(NEW_KEY);
  });
});

describe('header values in errors and evidence', () => {
  it('quote a Location without its query string, where tokens ride', async () => {
    const location = `https://sso.example.com/login?token=s3cr3t-t0ken&appKey=${ADMIN_KEY.appKey}#frag`;
    const { client, everything } = harness(scriptedTransport([response(302, '', { location })]));

    const error = await client.callService('T', 'S').catch((e: unknown) => e);

    expect((error as AccessDeniedError).cause).toBe('proxy-auth');
    expect((error as AccessDeniedError).evidence.headers.location).toBe('https://sso.example.com/login');
    expect((error as AccessDeniedError).message).toContain(
      'redirect to a login page (https://sso.example.com/login)',
    );
    expect(everything(error)).not.toContain('s3cr3t-t0ken');
    expect(everything(error)).not.toContain(ADMIN_KEY.appKey);
  });

  it('quote Proxy-Authenticate and Via with the key redacted, in the message too', async () => {
    const { client, everything } = harness(
      scriptedTransport([
        response(407, '<html>proxy</html>', {
          'proxy-authenticate': `Basic realm="${ADMIN_KEY.appKey}"`,
          via: `1.1 squid (${encodeURIComponent(ADMIN_KEY.appKey)})`,
        }),
      ]),
    );

    const error = await client.callService('T', 'S').catch((e: unknown) => e);

    expect((error as AccessDeniedError).message).toContain('Proxy-Authenticate: Basic realm="[REDACTED]"');
    expect((error as AccessDeniedError).message).toContain('Via: 1.1 squid ([REDACTED])');
    expect(everything(error)).not.toContain(ADMIN_KEY.appKey);
  });

  it('quote an unexpected content type with the key redacted', async () => {
    const { client, everything } = harness(
      scriptedTransport([
        { status: 200, headers: { 'content-type': `text/plain; k=${ADMIN_KEY.appKey}` }, body: '{}' },
      ]),
    );

    const error = await client.callService('T', 'S').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toContain('got "text/plain; k=[REDACTED]"');
    expect(everything(error)).not.toContain(ADMIN_KEY.appKey);
  });

  it('leave a healthy answer alone', async () => {
    const { client } = harness(scriptedTransport([response(200, INFO_TABLE)]));
    await expect(client.callService('T', 'S')).resolves.toMatchObject({ rows: [{ id: 'a' }] });
  });
});
