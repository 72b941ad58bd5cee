// A job's endpoint transport fields: the forward proxy and the extra CA file, checked with the same
// rules the Lambdas apply at cold start (functions/endpoint/proxy-route.ts, tls-trust.ts), so a bad value
// fails `cdk synth` instead of the first run.
import { z } from 'zod';
import { parseNoProxy, parseProxyUrl } from '../../functions/endpoint/proxy-route.js';
import { readPemCertificateFile } from '../../functions/endpoint/tls-trust.js';

/**
 * Room the CA PEM may take in the Lambda environment, which holds 4 KB in all
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html); the other variables use
 * about 1 KB. Larger CA bundles go in the secret's `caCertificatesPem`.
 */
export const MAX_CA_FILE_PEM_BYTES = 2_800;

/** The message of a cold-start check, without the `field: ` it starts with (the issue's path names the field). */
function problemOf(field: string, check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    return message.startsWith(field) ? message.replace(/^[^:]*?(\([^)]*\))?: /, '') : message;
  }
}

export const proxySchema = z.strictObject(
  {
    url: z
      .string({ error: 'expected the proxy URL, e.g. "http://proxy.corp.example:3128"' })
      .superRefine((value, ctx) => {
        const problem = problemOf('url', () => parseProxyUrl('url', value));
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    noProxy: z
      .array(z.string().trim().min(1))
      .default([])
      .superRefine((entries, ctx) => {
        const problem = problemOf('noProxy', () => parseNoProxy('noProxy', entries.join(',')));
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  },
  { error: 'expected { "url": "http://proxy.corp.example:3128", "noProxy"?: ["host", ".domain"] }' },
);

export const caFileSchema = z
  .string({ error: 'expected the path of a PEM file of CA certificates' })
  .trim()
  .min(1)
  .superRefine((path, ctx) => {
    let pems: string[] = [];
    const problem = problemOf('caFile', () => {
      pems = readPemCertificateFile('caFile', path);
    });
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return;
    }
    const bytes = Buffer.byteLength(pems.join('\n'));
    if (bytes > MAX_CA_FILE_PEM_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `the certificates of ${path} take ${bytes} bytes; Lambda's environment (4 KB in all) has room for ${MAX_CA_FILE_PEM_BYTES}: put this bundle in the secret's "caCertificatesPem" instead`,
      });
    }
  });
