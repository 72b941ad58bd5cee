import { describe, expect, it } from 'vitest';
import { loadSkewConfig } from '../../../functions/clock-skew/skew-config.js';

const targets = JSON.stringify([
  { name: 'auth', url: 'https://auth.example.com/' },
  { name: 'thingworx', url: 'https://tw.example.com/Thingworx/', toleranceMs: 2000 },
]);

describe('skew monitor configuration', () => {
  it('reads targets with a 5000 ms default tolerance, pairs and the control table', () => {
    const config = loadSkewConfig({
      CONTROL_TABLE_NAME: 'control',
      SKEW_TARGETS: targets,
      SKEW_PAIRS: '[["auth","thingworx"]]',
    });
    expect(config.targets.map((t) => [t.name, t.url.href, t.toleranceMs])).toEqual([
      ['auth', 'https://auth.example.com/', 5000],
      ['thingworx', 'https://tw.example.com/Thingworx/', 2000],
    ]);
    expect(config.pairs).toEqual([['auth', 'thingworx']]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('accepts plain HTTP on loopback', () => {
    const config = loadSkewConfig({
      CONTROL_TABLE_NAME: 'control',
      SKEW_TARGETS: '[{"name":"sim","url":"http://127.0.0.1:8080/Thingworx/"}]',
    });
    expect(config.targets[0]?.url.protocol).toBe('http:');
  });

  it.each([
    [{ SKEW_TARGETS: targets }, /^CONTROL_TABLE_NAME: /],
    [{ CONTROL_TABLE_NAME: 'c' }, /^SKEW_TARGETS: /],
    [{ CONTROL_TABLE_NAME: 'c', SKEW_TARGETS: 'not json' }, /^SKEW_TARGETS: .*not valid JSON/],
    [
      { CONTROL_TABLE_NAME: 'c', SKEW_TARGETS: '[{"name":"a b","url":"https://x/"}]' },
      /^SKEW_TARGETS\[0\]\.name: /,
    ],
    [
      { CONTROL_TABLE_NAME: 'c', SKEW_TARGETS: '[{"name":"a","url":"http://tw.example.com/"}]' },
      /^SKEW_TARGETS\[0\]\.url: /,
    ],
    [
      {
        CONTROL_TABLE_NAME: 'c',
        SKEW_TARGETS: '[{"name":"a","url":"https://x/"},{"name":"b","url":"https://y/","toleranceMs":-1}]',
      },
      /^SKEW_TARGETS\[1\]\.toleranceMs: /,
    ],
    [
      { CONTROL_TABLE_NAME: 'c', SKEW_TARGETS: targets, SKEW_PAIRS: '[["auth","nope"]]' },
      /^SKEW_PAIRS\[0\]\[1\]: /,
    ],
  ])('fails at cold start naming the variable, index and field (%#)', (env, message) => {
    expect(() => loadSkewConfig(env)).toThrow(message);
  });

  it('never repeats a URL credential in its error', () => {
    expect(() =>
      loadSkewConfig({
        CONTROL_TABLE_NAME: 'c',
        SKEW_TARGETS: '[{"name":"a","url":"https://user:s3cret@x.example.com/"}]',
      }),
    ).toThrow(/^SKEW_TARGETS\[0\]\.url: (?!.*s3cret)/);
  });
});
