// Which application keys a rotation may retire (expire or delete) with the admin key: only keys it created
// itself. The admin key can delete any key on the server, and the secret's JSON is writable by whoever has
// PutSecretValue (or types a name by hand), so a key name read from the secret is trusted only when both hold:
//   1. the name is this rotation's own: `<ROTATION_KEY_NAME_PREFIX>-<token>` (the prefix names the job), and
//   2. the version it came from was written by this rotation: createSecret names each key after the token it
//      writes the version under, so a rotated version's `keyName` is `<prefix>-<its own version id>`. A value
//      put by hand gets a version id Secrets Manager makes up, so it never passes, whatever name it holds.
// `previousKeyName` is trusted only inside such a version (createSecret copies it from the version it
// replaced, and only when that version passed the same test). Anything else is logged and left alone.
import type { RotatedAppKey } from './rotated-key-value.js';

/** The rotation event's token pattern (rotation-event.ts): what follows the prefix in a key it created. */
const TOKEN = '[A-Za-z0-9_-]{1,64}';

/** The key name createSecret gives the key of version `token`. */
export function ownKeyName(prefix: string, token: string): string {
  return `${prefix}-${token}`;
}

/** Whether `name` has the shape of a key this rotation creates: the prefix, "-", a token. */
export function hasOwnKeyShape(prefix: string, name: string): boolean {
  return new RegExp(`^${escapeRegExp(prefix)}-${TOKEN}$`).test(name);
}

/** True when this rotation wrote `version`: its key is named after its own version id. */
export function isRotationWrittenVersion(prefix: string, version: RotatedAppKey): boolean {
  return version.keyName !== undefined && version.keyName === ownKeyName(prefix, version.versionId);
}

export type RetirableKey =
  | { readonly retire: true; readonly keyName: string }
  | { readonly retire: false; readonly keyName: string | undefined; readonly why: string };

/** The key of `version` (the version AWSCURRENT moved away from), if this rotation may expire it. */
export function replacedKeyToRetire(prefix: string, version: RotatedAppKey): RetirableKey {
  const { keyName } = version;
  if (keyName === undefined) return { retire: false, keyName, why: 'the version names no key' };
  if (!isRotationWrittenVersion(prefix, version)) {
    return {
      retire: false,
      keyName,
      why: `version ${version.versionId} was not written by this rotation (its key would be named ${ownKeyName(prefix, version.versionId)})`,
    };
  }
  return { retire: true, keyName };
}

/** The key before `version`'s key (its `previousKeyName`), if this rotation may delete it. */
export function olderKeyToRetire(prefix: string, version: RotatedAppKey): RetirableKey {
  const keyName = version.previousKeyName;
  if (keyName === undefined) return { retire: false, keyName, why: 'the version names no key before it' };
  if (!isRotationWrittenVersion(prefix, version)) {
    return { retire: false, keyName, why: `version ${version.versionId} was not written by this rotation` };
  }
  if (!hasOwnKeyShape(prefix, keyName)) {
    return { retire: false, keyName, why: `the name does not start with this job's prefix ${prefix}-` };
  }
  return { retire: true, keyName };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
