/**
 * A real forward proxy on 127.0.0.1 for tests: answers CONNECT (RFC 9110 §9.3.6) like a corporate proxy
 * does, demanding `Proxy-Authorization: Basic` when given credentials, and relays bytes both ways.
 *
 *   const proxy = await startConnectProxy({ username?, password?, refuse?: (authority) => status | undefined,
 *     tls?: { keyPem, certPem } })  tls: the proxy itself speaks HTTPS (an https:// proxy URL)
 *   proxy.url                 'http://127.0.0.1:PORT' or 'https://127.0.0.1:PORT' (no credentials: they go in the secret)
 *   proxy.connects            every CONNECT seen, in order: { authority, authorization, status }
 *                             authorization: 'none' | 'wrong' | 'accepted' (never the header itself)
 *   proxy.tunnelled()         CONNECTs that became tunnels
 *   proxy.connectHeaderNames  lower-case header names of every CONNECT request, in order
 *   proxy.relayedToServer()   every byte a client sent through its tunnels, as latin1 text: for a plain-HTTP
 *                             server, exactly the requests it received (a TLS server's are ciphertext)
 *   proxy.reset() / await proxy.stop()
 *
 * A refused CONNECT is answered 407 with `Proxy-Authenticate: Basic realm="corp-proxy"` (or the status
 * `refuse` names), then the connection closes. Any request other than CONNECT is answered 405.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';

export interface ConnectRecord {
  readonly authority: string;
  readonly authorization: 'none' | 'wrong' | 'accepted';
  readonly status: number;
}

export interface ConnectProxyOptions {
  readonly username?: string;
  readonly password?: string;
  /** A status (e.g. 403, 502) to refuse a tunnel to this authority with, after authentication. */
  readonly refuse?: (authority: string) => number | undefined;
  /** Serve HTTPS with this certificate instead of plain HTTP. */
  readonly tls?: { readonly keyPem: string; readonly certPem: string };
}

export interface ConnectProxy {
  readonly url: string;
  readonly connects: ConnectRecord[];
  readonly connectHeaderNames: string[][];
  tunnelled(): ConnectRecord[];
  relayedToServer(): string;
  reset(): void;
  stop(): Promise<void>;
}

const REASONS: Readonly<Record<number, string>> = {
  403: 'Forbidden',
  407: 'Proxy Authentication Required',
  502: 'Bad Gateway',
};

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const connects: ConnectRecord[] = [];
  const connectHeaderNames: string[][] = [];
  const relayed: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const expected =
    options.username === undefined
      ? undefined
      : `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;

  const notConnect: http.RequestListener = (_req, res) => {
    res.writeHead(405, { allow: 'CONNECT', 'content-length': '0' }).end();
  };
  const server = options.tls
    ? https.createServer({ key: options.tls.keyPem, cert: options.tls.certPem }, notConnect)
    : http.createServer(notConnect);
  server.on(options.tls ? 'secureConnection' : 'connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const authority = req.url ?? '';
    connectHeaderNames.push(Object.keys(req.headers));
    const header = req.headers['proxy-authorization'];
    const authorization =
      expected === undefined || header === expected ? 'accepted' : header === undefined ? 'none' : 'wrong';
    const refuse = (status: number) => {
      connects.push({ authority, authorization, status });
      const challenge = status === 407 ? 'Proxy-Authenticate: Basic realm="corp-proxy"\r\n' : '';
      client.end(
        `HTTP/1.1 ${status} ${REASONS[status] ?? 'Refused'}\r\n${challenge}Content-Length: 0\r\nConnection: close\r\n\r\n`,
      );
    };
    if (authorization !== 'accepted') return refuse(407);
    const refusal = options.refuse?.(authority);
    if (refusal !== undefined) return refuse(refusal);

    const [host = '', port = ''] = splitAuthority(authority);
    const upstream = net.connect(Number(port), host, () => {
      connects.push({ authority, authorization, status: 200 });
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) {
        relayed.push(head);
        upstream.write(head);
      }
      upstream.pipe(client);
      client.on('data', (chunk: Buffer) => relayed.push(chunk));
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => {
      if (!client.destroyed && !connects.some((c) => c.authority === authority && c.status === 200))
        refuse(502);
      client.destroy();
    });
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    connects,
    connectHeaderNames,
    tunnelled: () => connects.filter((record) => record.status === 200),
    relayedToServer: () => Buffer.concat(relayed).toString('latin1'),
    reset: () => {
      connects.length = 0;
      connectHeaderNames.length = 0;
      relayed.length = 0;
    },
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `host:port`, `[v6]:port` → [host, port]. */
function splitAuthority(authority: string): [string, string] {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(authority);
  if (bracketed) return [bracketed[1] as string, bracketed[2] as string];
  const index = authority.lastIndexOf(':');
  return [authority.slice(0, index), authority.slice(index + 1)];
}
