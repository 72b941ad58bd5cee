// How the answer of a key's own GetExpirationDate becomes a date, and every other outcome an answer
// of its own: the lookup never throws into the run.
import { describe, expect, it } from 'vitest';
import { askServerForExpiry, type ExpiryServiceCaller } from '../../../functions/app-key/server-expiry.js';
import { EndpointUnreachableError, ServiceRefusedError } from '../../../functions/endpoint/errors.js';

const answering = (result: unknown, rows = [{ result }]): ExpiryServiceCaller => ({
  callEntityService: (async () => ({ dataShape: { fieldDefinitions: {} }, rows })) as never,
});
const failing = (error: unknown): ExpiryServiceCaller => ({
  callEntityService: (async () => {
    throw error;
  }) as never,
});

describe('asking the server when a key expires', () => {
  it('reads a DATETIME as epoch ms, or as ISO-8601', async () => {
    expect(await askServerForExpiry(answering(1_767_225_600_000), 'k')).toEqual({
      kind: 'expires',
      expiresAtMs: 1_767_225_600_000,
    });
    expect(await askServerForExpiry(answering('2026-01-01T00:00:00Z'), 'k')).toEqual({
      kind: 'expires',
      expiresAtMs: Date.parse('2026-01-01T00:00:00Z'),
    });
  });

  it("calls the named key's own service, the name encoded", async () => {
    const paths: string[] = [];
    const caller: ExpiryServiceCaller = {
      callEntityService: (async (path: string) => {
        paths.push(path);
        return { dataShape: { fieldDefinitions: {} }, rows: [{ result: 1 }] };
      }) as never,
    };
    await askServerForExpiry(caller, 'sync reader/1');
    expect(paths).toEqual(['/Thingworx/ApplicationKeys/sync%20reader%2F1/Services/GetExpirationDate']);
  });

  it('answers no-date for an empty, null or unreadable result', async () => {
    for (const caller of [answering(null), answering('soon'), answering(undefined, [])]) {
      expect(await askServerForExpiry(caller, 'k')).toEqual({ kind: 'no-date' });
    }
  });

  it('answers refused with the status, not-found for no such key, failed for anything else', async () => {
    expect(
      await askServerForExpiry(failing(new ServiceRefusedError('POST … answered 403', 403)), 'k'),
    ).toEqual({
      kind: 'refused',
      status: 403,
    });
    const notFound: ExpiryServiceCaller = { callEntityService: (async () => undefined) as never };
    expect(await askServerForExpiry(notFound, 'k')).toEqual({ kind: 'not-found' });
    expect(
      await askServerForExpiry(failing(new EndpointUnreachableError('connect ECONNREFUSED', 'network')), 'k'),
    ).toEqual({ kind: 'failed', message: 'EndpointUnreachableError: connect ECONNREFUSED' });
  });
});
