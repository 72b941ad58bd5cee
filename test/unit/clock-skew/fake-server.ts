// A virtual timeline and an HTTP server on it whose clock the test sets: measurements run in
// microseconds of real time, and every send, Date stamp and receive happens at a known virtual instant.
import type { MeasurementClock } from '../../../functions/clock-skew/measurement-clock.js';
import {
  ProbeFailedError,
  type ProbeRequest,
  type ProbeResponse,
  type ProbeTransport,
} from '../../../functions/clock-skew/probe-transport.js';

export class VirtualClock implements MeasurementClock {
  readonly dateNowSpreadMs = { behindMs: 0, aheadMs: 0 };
  stepMs = 0;

  constructor(private currentMs = Date.UTC(2025, 0, 15, 8, 0, 0, 123.456)) {}

  nowMs(): number {
    return this.currentMs;
  }

  async sleepUntil(epochMs: number): Promise<void> {
    this.currentMs = Math.max(this.currentMs, epochMs);
  }

  advance(ms: number): void {
    this.currentMs += ms;
  }

  driftMs(): number {
    return this.stepMs;
  }
}

export interface FakeServerOptions {
  /** Each request's backend clock = our virtual time + this; round-robin over the list. */
  readonly offsetsMs: readonly number[];
  readonly outboundMs?: number;
  readonly returnMs?: number;
  /** Status of HEAD requests (e.g. 405); GET always answers 401, as an app-key endpoint does. */
  readonly headStatus?: number;
  /** Replaces the Date header (undefined: none); default: the backend clock's second. */
  readonly dateHeader?: (serverMs: number) => string | undefined;
  readonly extraHeaders?: Readonly<Record<string, string>>;
  /** Throws this instead of answering. */
  readonly failWith?: ProbeFailedError;
}

export interface FakeServer extends ProbeTransport {
  readonly received: Array<{ method: string; serverMs: number; sentAtMs: number }>;
}

export function fakeServer(clock: VirtualClock, options: FakeServerOptions): FakeServer {
  const received: FakeServer['received'] = [];
  return {
    received,
    async probe(request: ProbeRequest): Promise<ProbeResponse> {
      await clock.sleepUntil(request.sendAtMs);
      if (options.failWith) throw options.failWith;
      const sentAtMs = clock.nowMs();
      clock.advance(options.outboundMs ?? 0.1);
      const offsetMs = options.offsetsMs[received.length % options.offsetsMs.length] ?? 0;
      const serverMs = clock.nowMs() + offsetMs;
      received.push({ method: request.method, serverMs, sentAtMs });
      const date = options.dateHeader
        ? options.dateHeader(serverMs)
        : new Date(Math.floor(serverMs / 1000) * 1000).toUTCString();
      clock.advance(options.returnMs ?? 0.1);
      const status = request.method === 'HEAD' ? (options.headStatus ?? 401) : 401;
      return {
        status,
        headers: { ...(date === undefined ? {} : { date }), ...options.extraHeaders },
        sentAtMs,
        receivedAtMs: clock.nowMs(),
      };
    },
    close() {},
  };
}

export { ProbeFailedError };
