// The simulated server's clocks: one base clock (stream timestamps, key expiry) and, for a pool
// of backends behind one address, one Date-header clock per backend, each relative to the base.
import type { Clock } from '../../../functions/shared/clock.js';

export class SimulatorClock implements Clock {
  private nextBackend = 0;

  constructor(
    private baseOffsetMs: number,
    private poolOffsetsMs: readonly number[],
  ) {
    checkOffsets(baseOffsetMs, poolOffsetsMs);
  }

  /** Base server time: local `Date.now()` + offset (may be fractional). */
  nowMs(): number {
    return Date.now() + this.baseOffsetMs;
  }

  offsetMs(): number {
    return this.baseOffsetMs;
  }

  setOffsetMs(ms: number): void {
    checkOffsets(ms, this.poolOffsetsMs);
    this.baseOffsetMs = ms;
  }

  backendOffsetsMs(): readonly number[] {
    return this.poolOffsetsMs;
  }

  setBackendOffsetsMs(offsetsMs: readonly number[]): void {
    checkOffsets(this.baseOffsetMs, offsetsMs);
    this.poolOffsetsMs = [...offsetsMs];
    this.nextBackend = 0;
  }

  /** Round-robin, one backend per request, as a load balancer without stickiness does. */
  takeBackend(): number {
    const backend = this.nextBackend % Math.max(1, this.poolOffsetsMs.length);
    this.nextBackend = backend + 1;
    return backend;
  }

  /** Time on the given backend's clock: base time + that backend's offset. */
  backendNowMs(backend: number): number {
    return this.nowMs() + (this.poolOffsetsMs[backend] ?? 0);
  }
}

/** The HTTP `Date` value for a clock reading: whole seconds, rounded down as servers do. */
export function httpDate(epochMs: number): string {
  return new Date(Math.floor(epochMs)).toUTCString();
}

function checkOffsets(offsetMs: number, poolOffsetsMs: readonly number[]): void {
  for (const value of [offsetMs, ...poolOffsetsMs]) {
    if (!Number.isFinite(value)) throw new RangeError(`clock offsets must be finite numbers, got ${value}`);
  }
}
