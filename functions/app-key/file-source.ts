// KeySource backed by a local file, for the embedded stack. Same format as the secret; the version
// is a hash of the content, so rewriting the file with a new key behaves like a rotation.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AppKey, KeySource } from './key-source.js';
import { KeySourceUnavailableError } from './key-source.js';
import { parseSecretValue } from './parse-secret.js';

export interface FileKeySourceOptions {
  readonly path: string;
  /** Injected for tests; defaults to `fs.promises.readFile` as UTF-8. */
  readonly readText?: (path: string) => Promise<string>;
}

export class FileKeySource implements KeySource {
  private readonly readText: (path: string) => Promise<string>;

  constructor(private readonly options: FileKeySourceOptions) {
    this.readText = options.readText ?? ((path) => readFile(path, 'utf8'));
  }

  describe(): string {
    return `file:${this.options.path}`;
  }

  get(): Promise<AppKey> {
    return this.read();
  }

  refresh(): Promise<AppKey> {
    return this.read();
  }

  private async read(): Promise<AppKey> {
    let text: string;
    try {
      text = await this.readText(this.options.path);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new KeySourceUnavailableError(
        `cannot read app key file ${this.options.path}: ${typeof code === 'string' ? code : String(error)}`,
        { cause: error },
      );
    }
    return parseSecretValue(this.options.path, text, contentVersionId(text));
  }
}

/** A short digest of the whole content: it changes on rotation and reveals nothing usable about the key. */
export function contentVersionId(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}
