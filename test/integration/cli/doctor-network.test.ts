// Network, TLS and the forward proxy, and how doctor is called: against an HTTPS simulator (a self-signed
// certificate, trusted with --ca-file or not), a closed port, a name that does not resolve, plain HTTP to
// a remote host, a CONNECT proxy that wants credentials, and usage errors (exit code 2).
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectProxy, startConnectProxy } from '../../support/connect-proxy.js';
import { closedPort } from '../clock-skew/support.js';
import { doctor, doctorFixture } from './doctor-harness.js';

const FRONT_ONLY = ['--only', 'proxy,key'];

describe('doctor: network, TLS and the forward proxy', () => {
  const fx = doctorFixture({ https: true });
  let proxy: ConnectProxy;
  let caFile: string;
  beforeAll(async () => {
    proxy = await startConnectProxy({ username: 'svc-sync', password: 'proxy-secret-5521' });
    caFile = `${fx.keyFile()}.ca.pem`;
    writeFileSync(caFile, fx.sim.caCertificatePem as string);
  });
  afterAll(async () => {
    await proxy.stop();
  });

  it('names a self-signed certificate and what to pass, and trusts it with --ca-file', async () => {
    const file = fx.keyFile();
    const untrusted = await fx.run(file, FRONT_ONLY);
    const trusted = await fx.run(file, [...FRONT_ONLY, '--ca-file', caFile]);

    expect(untrusted.checks['network.tls']?.status).toBe('FAIL');
    expect(untrusted.checks['network.tls']?.evidence).toContain('self-signed');
    expect(untrusted.checks['network.tls']?.action).toContain('--ca-file');
    expect(untrusted.checks.key?.status).toBe('skip');
    expect(trusted.checks['network.tls']?.status).toBe('ok');
    expect(trusted.checks['network.tls']?.evidence).toMatch(/TLSv1\.[23].*chain trusted \(with --ca-file\)/);
    expect(trusted.checks['key.accepted']?.status).toBe('ok');
    expect(trusted.code).toBe(0);
  });

  it("names a proxy's 407 on CONNECT, and goes through with the key file's proxy credentials", async () => {
    const args = [...FRONT_ONLY, '--ca-file', caFile, '--proxy', proxy.url];
    const without = await fx.run(fx.keyFile(), args);
    const withCredentials = await fx.run(
      fx.keyFile({}, { proxy: { username: 'svc-sync', password: 'proxy-secret-5521' } }),
      args,
    );

    expect(without.checks['proxy.auth']).toMatchObject({ status: 'FAIL', cause: 'proxy-auth' });
    expect(without.checks['proxy.auth']?.evidence).toContain('answered CONNECT with 407');
    expect(withCredentials.checks['proxy.auth']?.status).toBe('ok');
    expect(withCredentials.checks['proxy.auth']?.evidence).toContain(`through the proxy ${proxy.url}`);
    expect(withCredentials.checks['key.accepted']?.status).toBe('ok');
    expect(withCredentials.stdout).not.toContain('proxy-secret-5521');
    expect(proxy.tunnelled().length).toBeGreaterThan(0);
  });

  it('names a closed port, and skips every later family', async () => {
    const run = await fx.run(fx.keyFile(), [], `https://127.0.0.1:${await closedPort()}`);

    expect(run.checks['network.connect']?.status).toBe('FAIL');
    expect(run.checks['network.connect']?.evidence).toContain('ECONNREFUSED');
    expect(run.checks.stream?.status).toBe('skip');
    expect(run.code).toBe(1);
  });

  it('names a host name that does not resolve', async () => {
    const run = await fx.run(fx.keyFile(), [], 'https://tw.doctor-test.invalid');

    expect(run.checks['network.dns']?.status).toBe('FAIL');
    expect(run.checks['network.dns']?.evidence).toContain('does not resolve');
  });

  it('refuses plain HTTP to a host that is not loopback, sending nothing', async () => {
    const run = await fx.run(fx.keyFile(), [], 'http://tw.example.com');

    expect(run.checks['network.scheme']?.status).toBe('FAIL');
    expect(Object.keys(run.checks)).toEqual(['network.scheme']);
    expect(run.code).toBe(1);
  });

  it('exits 2 with a message for usage errors', async () => {
    const noThing = await doctor(['--endpoint', fx.sim.baseUrl, '--app-key-file', fx.keyFile()]);
    const noKey = await doctor(['--endpoint', fx.sim.baseUrl, '--thing', 'SensorStream']);
    const badFamily = await doctor(['--endpoint', fx.sim.baseUrl, '--thing', 'T', '--only', 'dns']);
    const missingFile = await doctor([
      '--endpoint',
      fx.sim.baseUrl,
      '--thing',
      'T',
      '--app-key-file',
      '/nonexistent/key.json',
    ]);

    expect([noThing.code, noKey.code, badFamily.code, missingFile.code]).toEqual([2, 2, 2, 2]);
    expect(noThing.stderr).toContain('--thing is required');
    expect(noKey.stderr).toContain('pass --app-key-file <path> or set SYNCWARDEN_APP_KEY');
    expect(badFamily.stderr).toContain('unknown check family "dns"');
    expect(missingFile.stderr).toContain('cannot read app key file /nonexistent/key.json');
  });

  it('reads the key from SYNCWARDEN_APP_KEY when no file is given', async () => {
    const key = fx.sim.keys.add({});
    const run = await doctor(
      [
        '--endpoint',
        fx.sim.baseUrl,
        '--thing',
        'SensorStream',
        '--ca-file',
        caFile,
        '--only',
        'key',
        '--json',
      ],
      { SYNCWARDEN_APP_KEY: key.keyId },
    );

    expect(JSON.parse(run.stdout.split('\n').find((l) => l.includes('key.accepted')) as string).status).toBe(
      'ok',
    );
    expect(run.stdout + run.stderr).not.toContain(key.keyId);
  });
});
