// Test doubles for the endpoint and key modules: a scripted transport and a key source whose current
// version the test rotates. (Recording metrics and logs: test/support/observability.ts.)
import type { AppKey, KeySource } from '../../../functions/app-key/key-source.js';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../../functions/endpoint/http-request.js';

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
