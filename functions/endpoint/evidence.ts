// What of an answer may go into logs and errors: the headers that can explain a denial, redacted, and
// body text with every form of the key, every secret the client learned and every key service `result`
// redacted before it is cut to a snippet. The body of a call that answers a secret is never quoted.
import type { AppKey } from '../app-key/key-source.js';

/** Headers by which a cache says it answered instead of the server. */
export const CACHE_STATUS_HEADERS = ['x-cache', 'x-cache-status', 'cf-cache-status'] as const;

/** Response headers that can explain a denial; everything else is left out of logs. */
const EVIDENCE_HEADERS = [
  'date',
  'age',
  'via',
  ...CACHE_STATUS_HEADERS,
  'proxy-authenticate',
  'www-authenticate',
  'content-type',
  'location',
  'server',
  'retry-after',
] as const;

const REDACTED = '[REDACTED]';
/** What stands for the body of an answer that may hold a secret (GetKeyID's key value), whatever its status. */
export const WITHHELD_BODY = '[withheld: this call answers a secret]';
/** A quoted header value is cut to this: a header has no business carrying a page of text into a log. */
const MAX_HEADER_VALUE_CHARS = 200;
/**
 * Shorter learned values are not redacted: no key is that short, and redacting every "true" or "5" would
 * garble the evidence. Key service `result` fields are redacted whatever their length (redactResults).
 */
const MIN_SECRET_VALUE_CHARS = 8;
/**
 * A `result` field and its string value (or what is left of it in a truncated body). ThingWorx's REST API
 * answers a service's single output as a one-row InfoTable `{"rows":[{"result":…}]}`, so this is the output
 * of every key service, GetKeyID's being the key itself (PTC's ApplicationKey services, GetKeyID among them:
 * https://support.ptc.com/help/thingworx_hc/javadoc/com/thingworx/security/applicationkeys/ApplicationKey.html).
 */
const RESULT_FIELD = /("result"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|$)/g;

/** What must never be quoted: the keys in play and the secret values this client was answered. */
export interface Secrets {
  readonly keys: readonly (AppKey | undefined)[];
  /** Secret values learned from answers (a new key's value); values shorter than 8 characters are left. */
  readonly values?: Iterable<string>;
}

/** Replaces every form of the key (raw, URL-encoded) in a text. */
export function redact(text: string, ...keys: readonly (AppKey | undefined)[]): string {
  return redactSecrets(text, { keys });
}

/** Replaces every form (raw, URL-encoded, JSON-escaped) of every key and learned secret in a text. */
export function redactSecrets(text: string, secrets: Secrets): string {
  const forms = new Set<string>();
  const addForms = (value: string) => {
    forms.add(value);
    forms.add(encodeURIComponent(value));
    forms.add(JSON.stringify(value).slice(1, -1));
  };
  for (const key of secrets.keys) if (key) addForms(key.appKey);
  for (const value of secrets.values ?? []) if (value.length >= MIN_SECRET_VALUE_CHARS) addForms(value);
  let redacted = text;
  for (const form of forms) if (form !== '') redacted = redacted.split(form).join(REDACTED);
  return redacted;
}

/** Replaces the value of every `result` field (a key service's output), even in a body cut short. */
export function redactResults(text: string): string {
  return text.replace(RESULT_FIELD, `$1"${REDACTED}"`);
}

/**
 * Header values as they may be quoted: every secret redacted, a Location reduced to where it points (its
 * query string and fragment may carry tokens, as URLs in logs must not), and each cut to 200 characters.
 */
export function redactHeaders(
  headers: Readonly<Record<string, string>>,
  secrets: Secrets,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, redactHeaderValue(name, value, secrets)]),
  );
}

export function redactHeaderValue(name: string, value: string, secrets: Secrets): string {
  const shown = name.toLowerCase() === 'location' ? locationWithoutQuery(value) : value;
  const redacted = redactSecrets(shown, secrets);
  return redacted.length > MAX_HEADER_VALUE_CHARS
    ? `${redacted.slice(0, MAX_HEADER_VALUE_CHARS)}…`
    : redacted;
}

/** A Location's scheme, host and path (or path alone when relative), without credentials, query or fragment. */
function locationWithoutQuery(value: string): string {
  const withoutQuery = value.split(/[?#]/, 1)[0] ?? '';
  try {
    const url = new URL(withoutQuery);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return withoutQuery.replace(/^\/\/[^/@]*@/, '//'); // relative or scheme-relative: drop credentials
  }
}

export function pickEvidenceHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of EVIDENCE_HEADERS) {
    const value = headers[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

/**
 * The start of a text, whitespace collapsed, at most `maxChars` (then "…"). Call it on already-redacted
 * text only: cutting first could leave a key prefix that no longer matches.
 */
export function snippet(redactedText: string, maxChars: number): string {
  const collapsed = redactedText
    .slice(0, maxChars * 4)
    .replace(/\s+/g, ' ')
    .trim();
  return collapsed.length > maxChars ? `${collapsed.slice(0, maxChars)}…` : collapsed;
}
