// What an endpoint's configuration must be, as problems to report rather than exceptions: the sync's
// cold-start loader and the CDK schema both refuse the same base URLs and key headers, so a job that
// would fail every run after taking its lock fails at synth, or at the latest at cold start.
import { carriesKeySafely } from './http-request.js';

/** What was expected and what was found; `got` never quotes a URL's credentials or query. */
export interface ConfigProblem {
  readonly expected: string;
  readonly got: string;
}

/** Why a base URL cannot be used, or undefined: HTTPS (plain HTTP for loopback only), no credentials, no query. */
export function baseUrlProblem(url: URL): ConfigProblem | undefined {
  if (url.username !== '' || url.password !== '') {
    return {
      expected: 'a URL without credentials (URLs end up in logs; credentials go in the secret)',
      got: 'a URL with a user name or password',
    };
  }
  if (!carriesKeySafely(url)) {
    return {
      expected:
        'https:// (plain http:// only for loopback: localhost, 127.0.0.0/8, ::1), because the app key travels in a request header',
      got: `${url.protocol}//${url.host}`,
    };
  }
  if (url.search !== '' || url.hash !== '') {
    // ?appKey=… would put the key where every proxy and log keeps it (ThingWorx refuses a key in the URL anyway).
    return {
      expected: 'scheme, host and path only: the key goes in its header, never in the URL',
      got: 'a URL with a query string or fragment',
    };
  }
  return undefined;
}

/** An HTTP field name is a token: letters, digits and !#$%&'*+-.^_`|~ (RFC 9110, section 5.1). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Why a key header name cannot be sent, or undefined. */
export function keyHeaderProblem(name: string): ConfigProblem | undefined {
  return HEADER_NAME.test(name)
    ? undefined
    : {
        expected:
          'an HTTP header name: letters, digits and !#$%&\'*+-.^_`|~ only, no spaces or ":", such as "appKey"',
        got: JSON.stringify(name),
      };
}
