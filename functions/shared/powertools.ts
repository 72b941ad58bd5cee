// Powertools Logger, Metrics and Tracer, created once per container and shared by every module.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** CloudWatch namespace of every syncwarden metric. */
export const METRICS_NAMESPACE = 'SyncWarden';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'syncwarden';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
/**
 * `captureHTTPsRequests: false`: by default the Tracer patches node:http/https and fetch for the whole
 * process (aws-xray-sdk-core's captureHTTPsGlobal) and adds an `X-Amzn-Trace-Id` header to every outgoing
 * request, the third-party endpoint, its proxy and the clock-skew targets included: that leaks our trace
 * ids to a server we do not run. AWS SDK calls stay traced: `tracer.captureAWSv3Client` instruments each
 * client with its own middleware, which does not depend on the global patch.
 * Option: https://docs.aws.amazon.com/powertools/typescript/2.36.0/api/types/_aws-lambda-powertools_tracer.types.TracerOptions.html
 * ("Whether to trace outgoing HTTP requests made with the http, https, or fetch modules"); the header is
 * set in aws-xray-sdk-core lib/patchers/http_p.js and Powertools' ProviderService.instrumentFetch.
 */
export const tracer = new Tracer({ serviceName, captureHTTPsRequests: false });
