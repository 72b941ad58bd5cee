// The event Secrets Manager sends a rotation function, checked before any step runs. The token is
// also the new key's name suffix, so it must be something ThingWorx accepts in an entity name.
import { InvalidInputError } from '../shared/errors.js';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export interface RotationEvent {
  readonly SecretId: string;
  /** The new secret version's id; Secrets Manager keeps it for every retry of the same rotation. */
  readonly ClientRequestToken: string;
  readonly Step: RotationStep;
}

// Secrets Manager generates UUIDs; `rotate-secret --client-request-token` takes 32–64 characters.
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function parseRotationEvent(event: unknown): RotationEvent {
  const fields = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  const { SecretId, ClientRequestToken, Step } = fields;
  if (typeof SecretId !== 'string' || SecretId.trim() === '') {
    throw new InvalidInputError('event.SecretId', 'the secret ARN or name', describe(SecretId));
  }
  if (typeof ClientRequestToken !== 'string' || !TOKEN_PATTERN.test(ClientRequestToken)) {
    throw new InvalidInputError(
      'event.ClientRequestToken',
      'a version id of letters, digits, "_" or "-" (at most 64), such as a UUID',
      describe(ClientRequestToken),
    );
  }
  if (typeof Step !== 'string' || !(ROTATION_STEPS as readonly string[]).includes(Step)) {
    throw new InvalidInputError('event.Step', `one of ${ROTATION_STEPS.join(', ')}`, describe(Step));
  }
  return { SecretId, ClientRequestToken, Step: Step as RotationStep };
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
