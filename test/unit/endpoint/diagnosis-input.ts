// One denial as the client would hand it to diagnose(): a POST to a service, answered with the given
// status, body and headers (a Date of now and text/plain unless overridden), with the current key.
import type { AppKey } from '../../../functions/app-key/key-source.js';
import type { DiagnosisInput } from '../../../functions/endpoint/diagnose.js';

export const NOW_MS = Date.parse('2025-03-01T12:00:00Z');
export const KEY: AppKey = {
  appKey: '9d1e6c3a-5b7f-4e20-a8c4-2f6b1d9e7a35',
  versionId: 'v1',
  keyName: 'sync',
};
export const NEW_KEY: AppKey = { appKey: 'c2a8f0e4-1d6b-4b93-9e7a-5f3c8d2b6a10', versionId: 'v2' };
export const DATE_NOW = new Date(NOW_MS).toUTCString();
export const REQUEST = 'POST https://twx.example.com/Thingworx/Things/T/Services/S';
/** The tolerance every input carries: a Date or measured skew beyond it counts. */
export const TOLERANCE_MS = 60_000;

export function input(
  status: number,
  body = '',
  headers: Record<string, string> = {},
  extra: Partial<DiagnosisInput> = {},
): DiagnosisInput {
  return {
    target: 'twx.example.com',
    request: REQUEST,
    response: { status, headers: { date: DATE_NOW, 'content-type': 'text/plain', ...headers }, body },
    keyUsed: KEY,
    currentKey: KEY,
    nowMs: NOW_MS,
    clockSkewToleranceMs: TOLERANCE_MS,
    ...extra,
  };
}

/** A Date header `offsetMs` from our clock (whole seconds, as servers send it). */
export function dateOffBy(offsetMs: number): string {
  return new Date(NOW_MS + offsetMs).toUTCString();
}
