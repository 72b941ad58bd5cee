// The endpoint transport's settings, read once at cold start from the environment the sync and rotation
// Lambdas share: the forward proxy (ENDPOINT_PROXY_URL, NO_PROXY) and extra CAs (ENDPOINT_CA_FILE, a PEM
// file in the bundle or on disk; ENDPOINT_CA_PEM, PEM text). Secrets are not here: the proxy's
// username and password, and more CAs, come with the app key from its secret on every request.
import type { KeySource } from '../app-key/key-source.js';
import type { EnvReader } from '../shared/env.js';
import { createNodeHttpTransport, type HttpTransport } from './http-request.js';
import { type ProxyRoute, parseNoProxy, parseProxyUrl } from './proxy-route.js';
import { parsePemCertificates, readPemCertificateFile } from './tls-trust.js';

export interface TransportConfig {
  /** @default - direct connections */
  readonly proxy?: ProxyRoute;
  /** Trusted in addition to Node's roots. @default [] */
  readonly extraCaPems: readonly string[];
}

export function readTransportConfig(read: EnvReader): TransportConfig {
  const proxyUrl = read.optionalString('ENDPOINT_PROXY_URL');
  const noProxy = parseNoProxy('NO_PROXY', read.optionalString('NO_PROXY'));
  const caFile = read.optionalString('ENDPOINT_CA_FILE');
  const caPem = read.optionalString('ENDPOINT_CA_PEM');
  const extraCaPems = [
    ...(caFile ? readPemCertificateFile('ENDPOINT_CA_FILE', caFile) : []),
    ...(caPem ? parsePemCertificates('ENDPOINT_CA_PEM', caPem) : []),
  ];
  return {
    ...(proxyUrl ? { proxy: { url: parseProxyUrl('ENDPOINT_PROXY_URL', proxyUrl), noProxy } } : {}),
    extraCaPems,
  };
}

/**
 * The transport for requests authenticated with `keySource`'s key: through the proxy with the
 * credentials in that key's secret, trusting the configured CAs and the secret's.
 */
export function endpointTransport(config: TransportConfig, keySource: KeySource): HttpTransport {
  return createNodeHttpTransport({
    ...(config.proxy ? { proxy: config.proxy } : {}),
    extraCaPems: config.extraCaPems,
    connectionSecrets: () => keySource.get(),
  });
}
