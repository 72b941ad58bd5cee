import { describe, expect, it } from 'vitest';
import { loadSkewConfig } from '../../../functions/clock-skew/skew-config.js';

const minimal = {
  CONTROL_TABLE_NAME: 'control',
  SKEW_TARGETS: JSON.stringify([{ name: 'thingworx', url: 'https://tw.example.com/Thingworx/' }]),
};

describe("clock-skew monitor: the endpoint's proxy", () => {
  it('reads the same proxy and NO_PROXY as the sync, so a target behind the proxy is measured through it', () => {
    const config = loadSkewConfig({
      ...minimal,
      ENDPOINT_PROXY_URL: 'http://proxy.corp.example:3128',
      NO_PROXY: 'auth.internal.example',
    });

    expect(config.transport.proxy?.url.host).toBe('proxy.corp.example:3128');
    expect(config.transport.proxy?.noProxy).toEqual([{ host: 'auth.internal.example', subdomains: false }]);
  });

  it('goes direct without a proxy, and refuses a proxy URL with credentials naming the variable', () => {
    expect(loadSkewConfig(minimal).transport).toEqual({ extraCaPems: [] });
    expect(() =>
      loadSkewConfig({ ...minimal, ENDPOINT_PROXY_URL: 'http://u:pw@proxy.corp.example:3128' }),
    ).toThrow(/^ENDPOINT_PROXY_URL: expected .*with credentials in the URL/);
  });
});
