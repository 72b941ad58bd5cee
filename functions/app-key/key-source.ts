// The app key as every caller sees it, independent of where it is stored (Secrets Manager, a local file).
import type { ProxyCredentials } from '../endpoint/proxy-route.js';
import { SyncWardenError } from '../shared/errors.js';

export interface AppKey {
  /** The secret itself. Goes into one request header and nowhere else. */
  readonly appKey: string;
  /** Identifies this version of the secret; a different value after `refresh()` means the key was rotated. */
  readonly versionId: string;
  /** When the key stops working (ThingWorx keys default to a 24 h life), if the secret says so. */
  readonly expiresAt?: Date;
  /** The key's name on the server, for operators; not secret. */
  readonly keyName?: string;
  /** Username and password of the forward proxy, from the secret's `proxy` field (redacted when logged). */
  readonly proxyCredentials?: ProxyCredentials;
  /** Extra CAs (PEM) the endpoint's certificate may chain to, in addition to Node's roots. */
  readonly caCertificatesPem?: string;
}

export interface KeySource {
  /** The key, possibly from a cache. */
  get(): Promise<AppKey>;
  /** The current key from the store, bypassing any cache. */
  refresh(): Promise<AppKey>;
  /** Where the key comes from (secret name, file path), safe to log; never the value. */
  describe(): string;
}

/** The key store could not be read (missing secret, no permission, unreadable file). */
export class KeySourceUnavailableError extends SyncWardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'key-source-unavailable', options);
  }
}

/** The stored secret exists but does not hold a usable key; the message names the secret and the problem. */
export class MalformedSecretError extends SyncWardenError {
  constructor(
    readonly secret: string,
    readonly problem: string,
  ) {
    super(`app key secret ${secret} is malformed: ${problem}`, 'malformed-secret');
  }
}
