// Small HTTP helpers for the simulator tests: ThingWorx-style service calls over global fetch,
// and a node:http(s) request for what fetch cannot do (trust a given CA).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface CallOptions {
  readonly appKey?: string;
  readonly body?: unknown;
  readonly method?: string;
  /** @default 'application/json' ; null sends none */
  readonly contentType?: string | null;
  /** @default 'application/json' ; null sends none */
  readonly accept?: string | null;
  readonly signal?: AbortSignal;
}

/** POSTs (by default) a ThingWorx service call the way a well-behaved client does. */
export function call(url: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (options.appKey !== undefined) headers.appKey = options.appKey;
  if (options.contentType !== null) headers['Content-Type'] = options.contentType ?? 'application/json';
  if (options.accept !== null) headers.Accept = options.accept ?? 'application/json';
  const method = options.method ?? 'POST';
  return fetch(url, {
    method,
    headers,
    ...(method === 'GET' || method === 'HEAD'
      ? {}
      : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body ?? {}) }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** The rows of an InfoTable answer, failing loudly on anything else. */
export async function rowsOf<T = Record<string, unknown>>(response: Response): Promise<T[]> {
  const text = await response.text();
  if (response.status !== 200) throw new Error(`expected 200, got ${response.status}: ${text}`);
  return (JSON.parse(text) as { rows: T[] }).rows;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request over node:http or node:https (for `ca`), body read to the end. */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {},
): Promise<RawResponse> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        ...(options.ca ? { ca: options.ca } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export const servicePath = {
  createKey: '/Thingworx/Resources/EntityServices/Services/CreateApplicationKey',
  deleteKey: '/Thingworx/Resources/EntityServices/Services/DeleteApplicationKey',
  keyService: (name: string, service: 'GetKeyID' | 'IsExpired' | 'GetExpirationDate' | 'SetExpirationDate') =>
    `/Thingworx/ApplicationKeys/${encodeURIComponent(name)}/Services/${service}`,
};

/** ThingWorx `query` filters for the entries after `cursor` in (timestamp, id) order: keyset pagination. */
export function afterKeyset(cursor: { timestamp: number; id: string }) {
  return {
    type: 'Or',
    filters: [
      { type: 'GT', fieldName: 'timestamp', value: cursor.timestamp },
      {
        type: 'And',
        filters: [
          { type: 'EQ', fieldName: 'timestamp', value: cursor.timestamp },
          { type: 'GT', fieldName: 'id', value: cursor.id },
        ],
      },
    ],
  };
}
