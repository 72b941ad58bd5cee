// Test doubles for the endpoint and key modules: recording metrics/logger, a scripted transport and
// a key source whose current version the test rotates.
import type { AppKey, KeySource } from '../../../functions/app-key/key-source.js';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../../functions/endpoint/http-request.js';
import type { LogSink, MetricsSink, SingleMetricSink } from '../../../functions/endpoint/telemetry.js';

export interface RecordedMetric {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

export class RecordingMetrics implements MetricsSink {
  readonly recorded: RecordedMetric[] = [];

  addMetric(name: string, unit: string, value: number): void {
    this.recorded.push({ name, unit, value, dimensions: {} });
  }

  singleMetric(): SingleMetricSink {
    const dimensions: Record<string, string> = {};
    return {
      addDimension: (name, value) => {
        dimensions[name] = value;
      },
      addMetric: (name, unit, value) => {
        this.recorded.push({ name, unit, value, dimensions: { ...dimensions } });
      },
    };
  }

  named(name: string): RecordedMetric[] {
    return this.recorded.filter((metric) => metric.name === name);
  }
}

export interface RecordedLog {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: Record<string, unknown>;
}

export class RecordingLogger implements LogSink {
  readonly recorded: RecordedLog[] = [];
  debug(message: string, attributes: Record<string, unknown>): void {
    this.recorded.push({ level: 'debug', message, attributes });
  }
  info(message: string, attributes: Record<string, unknown>): void {
    this.recorded.push({ level: 'info', message, attributes });
  }
  warn(message: string, attributes: Record<string, unknown>): void {
    this.recorded.push({ level: 'warn', message, attributes });
  }
  error(message: string, attributes: Record<string, unknown>): void {
    this.recorded.push({ level: 'error', message, attributes });
  }
  /** Everything logged, serialised, for "the key never appears" assertions. */
  text(): string {
    return JSON.stringify(this.recorded);
  }
}

/** A key source whose stored key the test replaces, counting reads. */
export class SwappableKeySource implements KeySource {
  gets = 0;
  refreshes = 0;
  /** Keys to become current after the Nth refresh (1-based), to simulate a rotation landing late. */
  private readonly afterRefresh = new Map<number, AppKey>();

  constructor(public current: AppKey) {}

  describe(): string {
    return 'secretsmanager:test/app-key';
  }
  async get(): Promise<AppKey> {
    this.gets++;
    return this.current;
  }
  async refresh(): Promise<AppKey> {
    this.refreshes++;
    const next = this.afterRefresh.get(this.refreshes);
    if (next) this.current = next;
    return this.current;
  }
  rotateOnRefresh(refreshNumber: number, key: AppKey): void {
    this.afterRefresh.set(refreshNumber, key);
  }
}

export function response(
  status: number,
  body: unknown = {},
  headers: Record<string, string> = {},
): HttpResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const contentType =
    typeof body === 'string' ? 'text/plain;charset=UTF-8' : 'application/json;charset=UTF-8';
  return { status, headers: { 'content-type': contentType, ...lowerCase(headers) }, body: text };
}

/** Answers from a script, one entry per request (a function may throw to simulate network errors). */
export function scriptedTransport(
  script: readonly (HttpResponse | ((request: HttpRequest) => HttpResponse | Promise<HttpResponse>))[],
): HttpTransport & { readonly requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  const transport = async (request: HttpRequest): Promise<HttpResponse> => {
    requests.push(request);
    const step = script[requests.length - 1];
    if (step === undefined) throw new Error(`scripted transport: no answer for request ${requests.length}`);
    return typeof step === 'function' ? step(request) : step;
  };
  return Object.assign(transport, { requests });
}

export const INFO_TABLE = {
  dataShape: { fieldDefinitions: { id: { name: 'id', baseType: 'STRING' } } },
  rows: [{ id: 'a' }],
};

function lowerCase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
