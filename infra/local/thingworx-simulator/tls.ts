// A throwaway self-signed certificate for 127.0.0.1/localhost, made at start so HTTPS-only
// clients can be tested for real (they trust it through `ca`, never by disabling verification).
import { generate } from 'selfsigned';

export interface ServerCertificate {
  readonly keyPem: string;
  readonly certPem: string;
}

export async function selfSignedCertificate(): Promise<ServerCertificate> {
  const hourMs = 3_600_000;
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec', // P-256: generated in milliseconds, unlike RSA
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - hourMs),
    notAfterDate: new Date(Date.now() + 30 * 24 * hourMs),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { keyPem: pems.private, certPem: pems.cert };
}
