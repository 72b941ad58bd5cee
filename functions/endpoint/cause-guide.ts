// The Access Denied causes the client can name, and for each what it means and what the operator should
// do: shared by errors, log lines, metrics (one `Cause` dimension value each) and the README table.

export const ACCESS_DENIED_CAUSES = [
  'stale-key',
  'expired-key',
  'invalid-key',
  'permission-denied',
  'content-type-rejected',
  'proxy-auth',
  'cached-response',
  'clock-skew',
  'key-in-url',
  'unknown',
] as const;

export type AccessDeniedCause = (typeof ACCESS_DENIED_CAUSES)[number];

export const CAUSE_GUIDE: Readonly<
  Record<AccessDeniedCause, { readonly meaning: string; readonly action: string }>
> = Object.freeze({
  'stale-key': {
    meaning: 'the request used an older secret version than the one now current (key rotated while warm)',
    action:
      'none if the retry with the new version succeeded; otherwise check the new key is live on the server',
  },
  'expired-key': {
    meaning: 'the key is past its expiresAt (or the server says it expired)',
    action: 'create a new app key on the server and put it (with its expiresAt) in the secret',
  },
  'invalid-key': {
    // ThingWorx answers all of these with the same bare 401; only its SecurityLog.log says which.
    meaning:
      'the server answered 401 to the current secret version: key unknown, revoked, expired on the server, ' +
      'or moved into the URL by a layer on the way',
    action:
      'check the key exists and is enabled on the server and matches the secret (replace it if revoked); ' +
      'ThingWorx\'s SecurityLog.log names the reason, e.g. "ApplicationKey Is Not Allowed As A URL Parameter" ' +
      'when a proxy or gateway moved the key out of its header',
  },
  'permission-denied': {
    meaning: 'the key authenticated but its user lacks a permission (403 "Not authorized")',
    action: "grant the key's user the permission named in the evidence (e.g. ServiceInvoke on the Thing)",
  },
  'content-type-rejected': {
    meaning: 'the server or a gateway rejected the request content type (a 403 naming it, or 415)',
    action: 'check that a gateway does not rewrite Content-Type/Accept and that the service accepts JSON',
  },
  'proxy-auth': {
    meaning:
      'a proxy or gateway auth layer answered instead of the server (407, Proxy-Authenticate, login page)',
    action:
      'allow the Lambda through the proxy/gateway (or bypass it for this host); check Via in the evidence',
  },
  'cached-response': {
    meaning:
      'the answer came from a cache, not the server (Age, X-Cache HIT, or the same Date replayed, on a ' +
      "retry too, further apart than the pool's clocks explain)",
    action: 'disable caching for the service path on the CDN/proxy; the client already sends no-cache',
  },
  'clock-skew': {
    meaning: "the server's Date differs from ours by more than the tolerance, so time-based checks disagree",
    action:
      'fix NTP/timezone on the server (see the clock-skew monitor); widen the tolerance only if justified',
  },
  'key-in-url': {
    meaning: 'the key would have been sent in the URL, which ThingWorx rejects and logs expose',
    action: 'remove the key from the configured URL/path; the client sends it only in the key header',
  },
  unknown: {
    meaning: 'an access failure that matches no known cause',
    action: 'read the status, headers and body snippet in the evidence; report a new cause if it recurs',
  },
});
