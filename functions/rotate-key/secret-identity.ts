// Which secret this rotation function is for. Each function rotates exactly one job's secret (its
// ROTATION_SECRET_ID); an event naming any other secret is refused before any call, so a misrouted or forged
// invocation changes nothing. Secrets Manager names the secret by its complete ARN in the event
// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html), while the
// configuration may hold the name: a name matches an ARN whose resource is that name plus the random suffix.

/** A complete secret ARN: the name is everything between `secret:` and the "-" + 6-character random suffix. */
const COMPLETE_SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$/;

/** True when `id` is a complete secret ARN (with the random suffix), not a name or a partial ARN. */
export function isCompleteSecretArn(id: string): boolean {
  return COMPLETE_SECRET_ARN.test(id);
}

/** Whether `requested` (from the event) names the secret `configured` names (a name or a complete ARN). */
export function isConfiguredSecret(configured: string, requested: string): boolean {
  if (requested === configured) return true;
  if (configured.startsWith('arn:')) return false; // a complete ARN matches only itself
  return COMPLETE_SECRET_ARN.exec(requested)?.[1] === configured;
}
