// Why a rotation step failed, as errors an operator can act on. Thrown, never returned: Secrets Manager
// marks the rotation failed, keeps AWSCURRENT where it was and retries; the Lambda's Errors metric alarms.
// Messages name secrets, versions, key names and services, never a key value.
import { SyncWardenError } from '../shared/errors.js';

/** The event does not fit the secret (unknown version, rotation disabled, version not pending). */
export class RotationEventError extends SyncWardenError {
  constructor(message: string) {
    super(message, 'rotation-event-invalid');
  }
}

/** A secret version needed by the step is missing or does not hold the expected key JSON. */
export class RotationSecretError extends SyncWardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'rotation-secret-invalid', options);
  }
}

/** testSecret: the pending key cannot do what the sync needs; `reason` says why (e.g. `permission-denied`). */
export class PendingKeyRejectedError extends SyncWardenError {
  constructor(message: string, reason: string, options?: { cause?: unknown }) {
    super(message, `pending-key-${reason}`, options);
  }
}

/**
 * ThingWorx refused the admin key (401/403) on a key service, or it expired before it was sent: the admin
 * secret or its user's permissions. `cause` is the client's diagnosis (an `AccessDeniedError`).
 */
export class AdminKeyDeniedError extends SyncWardenError {
  constructor(
    message: string,
    /** Undefined when the key was not sent (expired). */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, 'admin-key-denied', options);
  }
}

/** A key service failed for another reason (5xx, unexpected answer, key missing where it must exist). */
export class KeyServiceError extends SyncWardenError {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, 'key-service-failed', options);
  }
}
