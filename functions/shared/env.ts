// Reads configuration from environment variables once, with errors that name the variable, what was
// expected and what was found, so a misconfigured Lambda fails at cold start with an actionable message.
import { InvalidInputError } from './errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

export class EnvReader {
  constructor(private readonly env: Env) {}

  string(name: string, fallback?: string): string {
    const value = this.env[name]?.trim();
    if (value) return value;
    if (fallback !== undefined) return fallback;
    throw new InvalidInputError(name, 'a non-empty value (environment variable is not set)');
  }

  optionalString(name: string): string | undefined {
    return this.env[name]?.trim() || undefined;
  }

  integer(name: string, bounds: { default?: number; min: number; max?: number }): number {
    const raw = this.env[name]?.trim();
    if (!raw) {
      if (bounds.default !== undefined) return bounds.default;
      throw new InvalidInputError(name, 'an integer (environment variable is not set)');
    }
    const value = Number(raw);
    const range = bounds.max === undefined ? `>= ${bounds.min}` : `from ${bounds.min} to ${bounds.max}`;
    if (
      !Number.isSafeInteger(value) ||
      value < bounds.min ||
      (bounds.max !== undefined && value > bounds.max)
    ) {
      throw new InvalidInputError(name, `an integer ${range}`, JSON.stringify(raw));
    }
    return value;
  }

  /** Comma-separated list of non-empty items. */
  list(name: string, fallback: readonly string[]): string[] {
    const raw = this.env[name]?.trim();
    if (!raw) return [...fallback];
    const items = raw.split(',').map((item) => item.trim());
    if (items.some((item) => !item)) {
      throw new InvalidInputError(name, 'a comma-separated list of non-empty names', JSON.stringify(raw));
    }
    return items;
  }

  /** An ISO-8601 date, returned as epoch ms. */
  optionalDateMs(name: string): number | undefined {
    const raw = this.env[name]?.trim();
    if (!raw) return undefined;
    const ms = Date.parse(raw);
    if (!Number.isFinite(ms)) throw new InvalidInputError(name, 'an ISO-8601 date', JSON.stringify(raw));
    return ms;
  }

  url(name: string): URL {
    const raw = this.string(name);
    try {
      return new URL(raw);
    } catch {
      throw new InvalidInputError(
        name,
        'an absolute URL such as https://thingworx.example.com',
        JSON.stringify(raw),
      );
    }
  }
}
