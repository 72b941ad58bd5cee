import { describe, expect, it } from 'vitest';
import { parseRotationEvent } from '../../../functions/rotate-key/rotation-event.js';

const EVENT = {
  SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:job-AbCdEf',
  ClientRequestToken: '3f0c8a52-2a0e-4f3c-9b7e-5d1f0e6a7c21',
  Step: 'createSecret',
};

describe('rotation event', () => {
  it('accepts the event Secrets Manager sends', () => {
    expect(parseRotationEvent({ ...EVENT, RotationToken: 'ignored' })).toEqual(EVENT);
  });

  it.each([
    ['event.SecretId', { ...EVENT, SecretId: '' }],
    ['event.ClientRequestToken', { ...EVENT, ClientRequestToken: 'has spaces/and slashes' }],
    ['event.Step', { ...EVENT, Step: 'rotate' }],
  ])('names %s when it is wrong', (field, event) => {
    expect(() => parseRotationEvent(event)).toThrow(new RegExp(`^${field.replace('.', '\\.')}: expected`));
  });

  it('refuses a non-object event', () => {
    expect(() => parseRotationEvent(null)).toThrow(/^event\.SecretId: expected/);
  });
});
