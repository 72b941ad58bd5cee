// DynamoDB Local is a Java program: check for a usable `java` up front so the operator gets
// "install Java 17" rather than a cryptic spawn failure.
import { spawnSync } from 'node:child_process';

export const MINIMUM_JAVA_MAJOR = 17;

const INSTALL_HINT =
  `DynamoDB Local needs a Java ${MINIMUM_JAVA_MAJOR}+ runtime on the PATH. ` +
  'Install one, e.g. `sudo apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu) or ' +
  '`brew install openjdk@17` (macOS), then check with `java -version`.';

export class JavaMissingError extends Error {
  override readonly name = 'JavaMissingError';
}

/** Parses the major version from `java -version` output ("1.8.0_392" → 8, "17.0.15" → 17). */
export function parseJavaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

/** Throws a JavaMissingError naming what is wrong and how to fix it; returns the major version. */
export function requireJava(command = 'java'): number {
  const result = spawnSync(command, ['-version'], { encoding: 'utf8' });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    const what =
      code === 'ENOENT' ? `\`${command}\` was not found` : `\`${command} -version\` failed (${code})`;
    throw new JavaMissingError(`${what}. ${INSTALL_HINT}`);
  }
  const major = parseJavaMajorVersion(`${result.stderr}${result.stdout}`);
  if (major === undefined) {
    throw new JavaMissingError(`Could not read a version from \`${command} -version\`. ${INSTALL_HINT}`);
  }
  if (major < MINIMUM_JAVA_MAJOR) {
    throw new JavaMissingError(`Found Java ${major}, which is too old. ${INSTALL_HINT}`);
  }
  return major;
}
