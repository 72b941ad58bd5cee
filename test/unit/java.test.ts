import { describe, expect, it } from 'vitest';
import { JavaMissingError, parseJavaMajorVersion, requireJava } from '../../infra/local/java.js';

describe('Java check for DynamoDB Local', () => {
  it('reads modern and legacy version strings', () => {
    expect(parseJavaMajorVersion('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajorVersion('java version "1.8.0_392"')).toBe(8);
    expect(parseJavaMajorVersion('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajorVersion('no version here')).toBeUndefined();
  });

  it('says java is missing and how to install it when the command does not exist', () => {
    expect(() => requireJava('/nonexistent/java')).toThrow(JavaMissingError);
    expect(() => requireJava('/nonexistent/java')).toThrow(
      /was not found.*Java 17\+.*apt-get install -y openjdk-17/s,
    );
  });
});
