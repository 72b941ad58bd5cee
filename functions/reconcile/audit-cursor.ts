// The cursor an audit stopped at: an opaque string to hand back to continue it. It names the job and the
// window it belongs to (a cursor is refused for another one), the source time to go on from (pages end
// on whole timestamp groups, so everything before it is compared) and the totals so far.
import { SyncWardenError } from '../shared/errors.js';
import type { AuditTotals } from './audit-totals.js';

export interface CursorState {
  readonly job: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Source time the audit goes on from; everything before it has been compared. */
  readonly resumeFromMs: number;
  readonly totals: AuditTotals;
}

export class InvalidCursorError extends SyncWardenError {
  constructor(message: string) {
    super(message, 'invalid-audit-cursor');
  }
}

const VERSION = 1;

export function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify({ v: VERSION, ...state })).toString('base64url');
}

/** The cursor's state, checked to belong to this job and window. */
export function decodeCursor(cursor: string, expected: { job: string; fromMs: number; toMs: number }) {
  let state: CursorState & { v?: number };
  try {
    state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('The audit cursor is not one an audit returned (it does not decode)');
  }
  if (state?.v !== VERSION || typeof state.resumeFromMs !== 'number' || !state.totals) {
    throw new InvalidCursorError('The audit cursor is not one this version of the audit returned');
  }
  if (state.job !== expected.job || state.fromMs !== expected.fromMs || state.toMs !== expected.toMs) {
    throw new InvalidCursorError(
      `The audit cursor belongs to job "${state.job}" over [${iso(state.fromMs)}, ${iso(state.toMs)}), ` +
        `not to "${expected.job}" over [${iso(expected.fromMs)}, ${iso(expected.toMs)})`,
    );
  }
  return { resumeFromMs: state.resumeFromMs, totals: state.totals };
}

const iso = (ms: number) => new Date(ms).toISOString();
