// The Powertools Tracer as the Lambdas configure it adds no X-Amzn-Trace-Id to requests to the third-party
// endpoint (or to its proxy); the stock Tracer does, which shows the test can see the header. Each case
// runs in a child process set up as a traced Lambda, because the Tracer patches node:http/https process-wide.
// The simulator does not record headers, so a plain-HTTP simulator is reached through the test proxy,
// whose tunnel carries exactly the bytes the simulator receives.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { type ConnectProxy, startConnectProxy } from '../../support/connect-proxy.js';

const run = promisify(execFile);
const CHILD = new URL('../../support/traced-request-child.ts', import.meta.url).pathname;
/** What Lambda sets for a sampled, traced invocation (the X-Ray SDK reads these to make its facade segment). */
const TRACED_LAMBDA_ENV = {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: 'syncwarden-sync-test',
  LAMBDA_TASK_ROOT: '/var/task',
  _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
  // Segments go to a port nobody listens on: UDP needs no listener.
  AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:9',
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  POWERTOOLS_DEV: 'false',
};

describe('X-Amzn-Trace-Id towards the third-party endpoint', () => {
  let sim: ThingWorxSimulator;
  let proxy: ConnectProxy;
  beforeAll(async () => {
    sim = await startThingWorxSimulator({ seed: 5 });
    proxy = await startConnectProxy();
  });
  afterAll(async () => {
    await proxy.stop();
    await sim.stop();
  });
  beforeEach(() => proxy.reset());

  async function tracedRequest(mode: 'syncwarden' | 'powertools-default') {
    const { stdout } = await run(
      `${process.cwd()}/node_modules/.bin/tsx`,
      [CHILD, mode, proxy.url, `${sim.baseUrl}/Thingworx/`],
      { env: { ...process.env, ...TRACED_LAMBDA_ENV }, timeout: 20_000 },
    );
    const lines = stdout.trim().split('\n');
    return JSON.parse(lines[lines.length - 1] as string) as {
      status: number;
      traced: boolean;
      sdkTraced: boolean;
    };
  }

  it('is never sent by a traced syncwarden Lambda, to the server or to the proxy, while AWS SDK calls stay traced', async () => {
    const result = await tracedRequest('syncwarden');

    // The request ran inside a traced segment, and AWS SDK clients are still traced.
    expect(result).toEqual({ status: 401, traced: true, sdkTraced: true });
    expect(proxy.relayedToServer()).toMatch(/^GET \/Thingworx\/ HTTP\/1\.1\r\n/);
    expect(proxy.relayedToServer().toLowerCase()).not.toContain('x-amzn-trace-id');
    expect(proxy.connectHeaderNames.flat()).not.toContain('x-amzn-trace-id');
  });

  it('is sent by the stock Tracer, which is what the configuration prevents', async () => {
    const result = await tracedRequest('powertools-default');

    expect(result.traced).toBe(true);
    // The patched http.request stamps both the CONNECT to the proxy and the request inside the tunnel.
    expect(proxy.connectHeaderNames.flat()).toContain('x-amzn-trace-id');
    expect(proxy.relayedToServer()).toMatch(/\r\nX-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;/);
  });
});
