// Run by test/integration/endpoint/trace-header.test.ts in a process of its own (the Tracer patches
// node:http/https for the whole process, which must not leak into other tests): sets up the Tracer as a
// Lambda would, then makes one request through the endpoint transport inside a traced subsegment.
//   tsx traced-request-child.ts <syncwarden|powertools-default> <proxy URL> <target URL>
import { Tracer } from '@aws-lambda-powertools/tracer';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createNodeHttpTransport } from '../../functions/endpoint/http-request.js';

const [mode, proxyUrl, targetUrl] = process.argv.slice(2) as [string, string, string];
const tracer =
  mode === 'syncwarden'
    ? (await import('../../functions/shared/powertools.js')).tracer
    : new Tracer({ serviceName: 'control' });

const transport = createNodeHttpTransport({ proxy: { url: new URL(proxyUrl), noProxy: [] } });
const segment = tracer.getSegment();
const subsegment = segment?.addNewSubsegment('### endpoint call');
if (subsegment) tracer.setSegment(subsegment);
const response = await transport({
  method: 'GET',
  url: new URL(targetUrl),
  headers: { accept: 'application/json' },
  timeoutMs: 5_000,
  maxResponseBytes: 65_536,
});
subsegment?.close();
// AWS SDK calls are traced by a middleware of their own, with or without the global http patch.
const sdkTraced = tracer
  .captureAWSv3Client(new SecretsManagerClient({ region: 'eu-west-1' }))
  .middlewareStack.identify()
  .some((name) => name.startsWith('XRaySDKInstrumentation'));
process.stdout.write(
  `${JSON.stringify({ status: response.status, traced: segment !== undefined, sdkTraced })}\n`,
);
