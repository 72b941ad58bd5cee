// Base error for failures an operator can act on: `reason` is a stable, machine-readable cause
// (used in metrics dimensions and the run ledger); the message says what was wrong and what was expected.

export class SyncWardenError extends Error {
  constructor(
    message: string,
    /** Stable cause identifier, e.g. `lock-held`, `expired-key`; safe for metric dimensions. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Thrown when an argument or configuration value is malformed; names the field and what was expected. */
export class InvalidInputError extends SyncWardenError {
  constructor(field: string, expected: string, got?: string) {
    super(`${field}: expected ${expected}${got === undefined ? '' : `, got ${got}`}`, 'invalid-input');
  }
}
