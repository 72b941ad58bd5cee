// Powertools Logger, Metrics and Tracer, created once per container and shared by every module.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** CloudWatch namespace of every syncwarden metric. */
export const METRICS_NAMESPACE = 'SyncWarden';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'syncwarden';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
export const tracer = new Tracer({ serviceName });
