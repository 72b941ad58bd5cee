// A job's forward proxy and extra CA file in the deployment configuration: refused at synth with the
// field's path when malformed, and passed to the sync and rotation Lambdas' environment when valid.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../infra/config/schema.js';
import { selfSignedCertificate } from '../../infra/local/thingworx-simulator/tls.js';
import { synthesize } from './fixture.js';

const job = (endpoint: Record<string, unknown>) => ({
  name: 'orders',
  endpoint: { baseUrl: 'https://thingworx.example.com', thing: 'SensorStream', ...endpoint },
  secret: 'syncwarden/orders',
});

function problemsOf(endpoint: Record<string, unknown>): string[] {
  try {
    parseConfig({ jobs: [job(endpoint)] }, 'test');
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

function tempFile(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'syncwarden-ca-')), name);
  writeFileSync(path, content);
  return path;
}

describe('endpoint proxy and CA configuration', () => {
  it('refuses a proxy URL with credentials, naming the field and never the password', () => {
    const problems = problemsOf({ proxy: { url: 'http://svc:hunter2@proxy.corp.example:3128' } });

    expect(problems).toEqual([
      expect.stringMatching(
        /^jobs\[0\] \("orders"\)\.endpoint\.proxy\.url: expected an http:\/\/ or https:\/\/ URL .*with credentials in the URL/,
      ),
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('refuses a proxy scheme other than http or https', () => {
    expect(problemsOf({ proxy: { url: 'socks5://proxy.corp.example:1080' } })).toEqual([
      expect.stringMatching(
        /^jobs\[0\] \("orders"\)\.endpoint\.proxy\.url: expected .*got the scheme "socks5:"$/,
      ),
    ]);
  });

  it('refuses an unreadable CA file and one that holds no certificate, naming the field', () => {
    expect(problemsOf({ caFile: '/nonexistent/corp-root.pem' })).toEqual([
      expect.stringMatching(
        /^jobs\[0\] \("orders"\)\.endpoint\.caFile: expected a readable PEM file of CA certificates, got ".*" \(ENOENT\)$/,
      ),
    ]);
    expect(problemsOf({ caFile: tempFile('notes.pem', 'hello') })).toEqual([
      expect.stringMatching(
        /^jobs\[0\] \("orders"\)\.endpoint\.caFile: expected one or more PEM certificates .*got no PEM certificate block$/,
      ),
    ]);
  });

  it('passes the proxy, NO_PROXY and the CA to the sync and rotation Lambdas, never credentials', async () => {
    const { certPem } = await selfSignedCertificate();
    const caFile = tempFile('corp-root.pem', certPem);
    const { template } = synthesize({
      jobs: [
        {
          ...job({
            proxy: { url: 'http://proxy.corp.example:3128', noProxy: ['.internal.example', '10.0.0.5'] },
            caFile,
          }),
          rotation: { everyDays: 30, keyUser: 'SyncWardenReader', adminSecret: 'syncwarden/admin' },
        },
      ],
    });

    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Environment?: { Variables?: Record<string, unknown> } };
    }[];
    const withProxy = functions
      .map((fn) => fn.Properties.Environment?.Variables ?? {})
      .filter((variables) => 'ENDPOINT_PROXY_URL' in variables);
    // The sync, its scheduled audit (the same endpoint variables) and the rotation.
    expect(withProxy.map((variables) => 'ADMIN_SECRET_ID' in variables).sort()).toEqual([false, false, true]);
    for (const variables of withProxy) {
      expect(variables).toMatchObject({
        ENDPOINT_PROXY_URL: 'http://proxy.corp.example:3128',
        NO_PROXY: '.internal.example,10.0.0.5',
        ENDPOINT_CA_PEM: certPem.trim(),
      });
    }
  });
});
