// The endpoint transport's environment (functions/endpoint/proxy-config.ts), shared by the sync and
// rotation Lambdas of a job: the forward proxy, NO_PROXY and the configured extra CAs. The proxy's
// credentials are never here; they live in the job's secret.
import { readPemCertificateFile } from '../../functions/endpoint/tls-trust.js';
import type { EndpointConfig } from '../config/types.js';

export function endpointTransportEnvironment(endpoint: EndpointConfig): Record<string, string> {
  const { proxy, caFile } = endpoint;
  return {
    ...(proxy ? { ENDPOINT_PROXY_URL: proxy.url } : {}),
    ...(proxy && proxy.noProxy.length > 0 ? { NO_PROXY: proxy.noProxy.join(',') } : {}),
    // The CA travels as PEM text: a file the bundle does not contain would not be there at run time. The
    // schema checked the file reads, parses and fits Lambda's 4 KB environment.
    ...(caFile ? { ENDPOINT_CA_PEM: readPemCertificateFile('endpoint.caFile', caFile).join('\n') } : {}),
  };
}
