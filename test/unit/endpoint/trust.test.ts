// Extra CAs add to Node's trusted roots instead of replacing them, and bad CA input is refused with the
// field's name. The transport's trust is observed where Node builds it (tls.createSecureContext), on a
// real HTTPS request to the simulator: a public root cannot be served over loopback.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { anchoredClock } from '../../../functions/clock-skew/measurement-clock.js';
import { createHttpProbeTransport } from '../../../functions/clock-skew/probe-transport.js';
import { nodeHttpTransport } from '../../../functions/endpoint/http-request.js';
import { parsePemCertificates, readPemCertificateFile } from '../../../functions/endpoint/tls-trust.js';
import { InvalidInputError } from '../../../functions/shared/errors.js';
import {
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';

describe('trusted certificate authorities', () => {
  let sim: ThingWorxSimulator;
  beforeAll(async () => {
    sim = await startThingWorxSimulator({ seed: 3, https: true });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it("trusts an extra CA in addition to Node's roots, not instead of them", async () => {
    const contexts = vi.spyOn(tls, 'createSecureContext');
    try {
      const response = await nodeHttpTransport({
        method: 'GET',
        url: new URL(`${sim.baseUrl}/Thingworx/`),
        headers: {},
        timeoutMs: 5_000,
        maxResponseBytes: 65_536,
        caCertificatePem: sim.caCertificatePem as string,
      });
      expect(response.status).toBe(401); // the server answered: TLS was verified against the extra CA

      // Every context built for this server: the one that trusts its CA must trust the roots too.
      expectRootsBeside(sim.caCertificatePem as string, contexts);
    } finally {
      contexts.mockRestore();
    }
  });

  it("trusts the clock-skew probes' extra CA in addition to Node's roots too", async () => {
    // Another CA besides the simulator's (another subject: OpenSSL finds issuers by subject), so this set
    // of extra CAs has not been seen before and its context is built here.
    const other = (await generate([{ name: 'commonName', value: 'Other Test CA' }], { keyType: 'ec' })).cert;
    const contexts = vi.spyOn(tls, 'createSecureContext');
    const transport = createHttpProbeTransport({
      caCertificatePem: sim.caCertificatePem as string,
      extraCaPems: [other],
    });
    try {
      const clock = anchoredClock();
      const response = await transport.probe(
        {
          method: 'HEAD',
          url: new URL(`${sim.baseUrl}/Thingworx/`),
          sendAtMs: clock.nowMs(),
          timeoutMs: 5_000,
        },
        clock,
      );
      expect(response.status).toBe(401);

      expectRootsBeside(sim.caCertificatePem as string, contexts);
    } finally {
      transport.close();
      contexts.mockRestore();
    }
  });

  it('refuses a PEM text without a certificate, naming the field', () => {
    expect(() => parsePemCertificates('ENDPOINT_CA_PEM', 'not a certificate')).toThrow(InvalidInputError);
    expect(() => parsePemCertificates('ENDPOINT_CA_PEM', 'not a certificate')).toThrow(
      /^ENDPOINT_CA_PEM: expected one or more PEM certificates .*got no PEM certificate block$/,
    );
  });

  it('refuses a PEM block that does not parse, naming the field and which certificate', () => {
    const good = sim.caCertificatePem as string;
    const broken = good.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!!!!!!!!!!!!!!!!!');
    expect(() => parsePemCertificates('caCertificatesPem', `${good}\n${broken}`)).toThrow(
      /^caCertificatesPem: expected PEM certificates that parse as X\.509, got certificate 2 of 2 does not parse/,
    );
  });

  it('reads every certificate of a CA file, and names the variable and the file when it cannot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncwarden-ca-'));
    const file = join(dir, 'corp-root.pem');
    writeFileSync(file, `# corporate root\n${sim.caCertificatePem}\n${sim.caCertificatePem}`);

    expect(readPemCertificateFile('ENDPOINT_CA_FILE', file)).toHaveLength(2);
    expect(() => readPemCertificateFile('ENDPOINT_CA_FILE', join(dir, 'missing.pem'))).toThrow(
      /^ENDPOINT_CA_FILE: expected a readable PEM file of CA certificates, got ".*missing\.pem" \(ENOENT\)$/,
    );
  });
});

/** Every secure context built to trust `extraCa` trusts Node's roots too (at least one was built). */
function expectRootsBeside(
  extraCa: string,
  contexts: { mock: { calls: [tls.SecureContextOptions?][] } },
): void {
  const trusted = contexts.mock.calls
    .map(([options]) => [options?.ca ?? []].flat())
    .filter((ca) => ca.includes(extraCa));
  expect(trusted).not.toHaveLength(0);
  for (const ca of trusted) expect(ca).toEqual(expect.arrayContaining([...tls.rootCertificates]));
}
