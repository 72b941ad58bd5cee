// Which certificate authorities the endpoint client trusts: Node's bundled roots plus any extra CAs the
// operator names (a PEM file in the bundle, or PEM in the job's secret) for a private or corporate CA.
//
// Node's `ca` option *replaces* its trusted roots ("Optionally override the trusted CA certificates.
// Default is to trust the well-known CAs curated by Mozilla"), so an extra CA is only "in addition to"
// when the roots are passed with it: https://nodejs.org/api/tls.html#tlscreatesecurecontextoptions and
// `tls.rootCertificates` https://nodejs.org/api/tls.html#tlsrootcertificates.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { InvalidInputError } from '../shared/errors.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM text, each checked to parse as X.509. `field` names where the text came
 * from (an environment variable, a secret field) in the error; certificates are public, but the
 * error still quotes nothing of the text.
 */
export function parsePemCertificates(field: string, text: string): string[] {
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new InvalidInputError(
      field,
      'one or more PEM certificates ("-----BEGIN CERTIFICATE-----" ... "-----END CERTIFICATE-----")',
      'no PEM certificate block',
    );
  }
  return blocks.map((block, index) => {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new InvalidInputError(
        field,
        'PEM certificates that parse as X.509',
        `certificate ${index + 1} of ${blocks.length} does not parse (${(error as Error).message})`,
      );
    }
    return block;
  });
}

/** The certificates of a PEM file, read once at cold start; `field` is the variable that named the file. */
export function readPemCertificateFile(field: string, path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new InvalidInputError(
      field,
      'a readable PEM file of CA certificates',
      `${JSON.stringify(path)} (${typeof code === 'string' ? code : (error as Error).message})`,
    );
  }
  return parsePemCertificates(`${field} (${path})`, text);
}

/** Node's roots followed by the extra CAs: what `ca` must be for the extras to add trust, not replace it. */
export function trustAnchors(extraCaPems: readonly string[]): string[] {
  return [...tls.rootCertificates, ...extraCaPems];
}

// Building a secure context parses every root (about 150): do it once per distinct set of extra CAs.
const contexts = new Map<string, tls.SecureContext>();
const MAX_CACHED_CONTEXTS = 8;

/**
 * A secure context trusting Node's roots plus `extraCaPems`, or undefined when there are none (Node's
 * default context then applies, which is the same roots).
 */
export function secureContextFor(extraCaPems: readonly string[]): tls.SecureContext | undefined {
  if (extraCaPems.length === 0) return undefined;
  const cacheKey = extraCaPems.join('\n');
  let context = contexts.get(cacheKey);
  if (!context) {
    if (contexts.size >= MAX_CACHED_CONTEXTS) contexts.clear();
    context = tls.createSecureContext({ ca: trustAnchors(extraCaPems) });
    contexts.set(cacheKey, context);
  }
  return context;
}
