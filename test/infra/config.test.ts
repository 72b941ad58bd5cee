import { describe, expect, it } from 'vitest';
import { loadSkewConfig } from '../../functions/clock-skew/skew-config.js';
import { clockSkewEnvironment } from '../../infra/aws/clock-skew-monitor.js';
import { createSyncWardenApp } from '../../infra/aws/synth.js';
import { loadConfig } from '../../infra/config/load.js';
import { scheduleIntervalMinutes } from '../../infra/config/schedule.js';
import { ConfigError, parseConfig } from '../../infra/config/schema.js';

const job = (overrides: Record<string, unknown> = {}) => ({
  name: 'orders',
  endpoint: { baseUrl: 'https://thingworx.example.com', thing: 'SensorStream' },
  secret: { create: true },
  ...overrides,
});

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw, 'test');
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('configuration defaults', () => {
  it('fills in every 4 hours in UTC, 300 s, 512 MB and the sync tuning of sync-config.ts', () => {
    const config = parseConfig({ jobs: [job()] }, 'test');
    const [parsed] = config.jobs;
    expect(parsed?.schedule).toEqual({ expression: 'rate(4 hours)', timezone: 'UTC', intervalMinutes: 240 });
    expect(parsed?.timeoutSeconds).toBe(300);
    expect(parsed?.memoryMb).toBe(512);
    expect(parsed?.endpoint).toMatchObject({ service: 'QueryStreamEntriesWithData', keyHeader: 'appKey' });
    expect(parsed?.sync).toMatchObject({
      minRemainingTimeMs: 30_000,
      safetyMarginMs: 20_000,
      leaseMarginMs: 45_000,
    });
    expect(config.stackName).toBe('SyncWarden');
    expect(config.logRetentionDays).toBe(90);
    expect(config.clockSkew).toBeUndefined();
  });

  it('loads the example configuration that cdk.json names', () => {
    const config = loadConfig({
      tryGetContext: (key) => (key === 'syncwarden:configFile' ? 'infra/config/example.json' : undefined),
    });
    expect(config.jobs.map((j) => j.name)).toEqual(['sensor-stream']);
    expect(config.jobs[0]?.secret).toEqual({ create: true });
    expect(config.jobs[0]?.rotation).toMatchObject({
      everyDays: 30,
      adminSecret: 'syncwarden/thingworx-admin-key',
    });
    expect(config.clockSkew?.targets).toEqual([
      { name: 'thingworx', url: 'https://thingworx.example.com', toleranceMs: 2000 },
    ]);
  });

  it('fills in the rotation defaults: any address, a test read of the endpoint thing, a 7-day margin', () => {
    const [parsed] = parseConfig(
      { jobs: [job({ rotation: { everyDays: 7, keyUser: 'reader', adminSecret: 'admin' } })] },
      'test',
    ).jobs;
    expect(parsed?.rotation).toEqual({
      everyDays: 7,
      keyUser: 'reader',
      adminSecret: 'admin',
      allowlist: [],
      testThing: 'SensorStream',
      testService: 'QueryStreamEntriesWithData',
      // A rotation failing on a Friday evening leaves the key working over the weekend and the week after.
      expiryMarginHours: 168,
    });
  });

  it('says which context to set when no configuration is given', () => {
    expect(() => loadConfig({ tryGetContext: () => undefined })).toThrow(/syncwarden:configFile/);
  });

  it('names the file it cannot read', () => {
    expect(() =>
      loadConfig({ tryGetContext: (key) => (key === 'syncwarden:configFile' ? 'no/such.json' : undefined) }),
    ).toThrow(/no\/such\.json.*cannot read/s);
  });
});

describe('schedule intervals', () => {
  it.each([
    ['rate(1 minute)', 1],
    ['rate(15 minutes)', 15],
    ['rate(4 hours)', 240],
    ['rate(1 day)', 1440],
    ['cron(0 0/4 * * ? *)', 240],
    ['cron(15 6,18 * * ? *)', 720],
    ['cron(0 8-17 ? * * *)', 900],
    ['cron(0 1 ? * MON *)', undefined],
  ])('%s runs at most %s minutes apart', (expression, minutes) => {
    expect(scheduleIntervalMinutes(expression)).toBe(minutes);
  });
});

describe('configuration errors fail synth with a message naming the field', () => {
  it('rejects a configuration with no jobs', () => {
    expect(problemsOf({ jobs: [] })).toEqual(['jobs: expected at least one job: nothing to schedule']);
  });

  it('rejects a bad schedule expression', () => {
    expect(problemsOf({ jobs: [job({ schedule: { expression: 'every 4 hours' } })] })).toEqual([
      'jobs[0] ("orders").schedule.expression: "every 4 hours": expected rate(<n> minutes|hours|days) or cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>)',
    ]);
    expect(problemsOf({ jobs: [job({ schedule: { expression: 'rate(1 hours)' } })] })[0]).toMatch(
      /schedule\.expression: "rate\(1 hours\)": write rate\(1 hour\)/,
    );
    expect(problemsOf({ jobs: [job({ schedule: { expression: 'cron(0 12 * * * *)' } })] })[0]).toMatch(
      /day-of-month and day-of-week fields must be "\?"/,
    );
  });

  it('rejects a timeout over 15 minutes', () => {
    expect(problemsOf({ jobs: [job({ timeoutSeconds: 901 })] })).toEqual([
      'jobs[0] ("orders").timeoutSeconds: expected an integer from 1 to 900 (seconds; Lambda\'s limit is 15 minutes)',
    ]);
  });

  it('rejects a duplicate job name', () => {
    expect(problemsOf({ jobs: [job(), job()] })).toEqual([
      'jobs[1] ("orders").name: duplicate job name "orders": each job needs its own name',
    ]);
  });

  it('rejects margins that leave a run no time within its timeout', () => {
    const problems = problemsOf({
      jobs: [job({ timeoutSeconds: 20, sync: { minRemainingTimeMs: 20_000 } })],
    });
    expect(problems).toEqual([
      'jobs[0] ("orders").sync.minRemainingTimeMs: 20000 ms leaves no time to sync within timeoutSeconds (20 s); it must be shorter',
      'jobs[0] ("orders").sync.safetyMarginMs: 20000 ms leaves no time to sync within timeoutSeconds (20 s); it must be shorter',
    ]);
  });

  it('rejects a timeout plus lease margin as long as the schedule interval', () => {
    const problems = problemsOf({ jobs: [job({ schedule: { expression: 'rate(5 minutes)' } })] });
    expect(problems).toEqual([
      expect.stringMatching(
        /^jobs\[0\] \("orders"\)\.timeoutSeconds: timeoutSeconds \(300 s\) plus sync\.leaseMarginMs/,
      ),
    ]);
  });

  it('asks for intervalMinutes when a cron does not run every day', () => {
    expect(problemsOf({ jobs: [job({ schedule: { expression: 'cron(0 1 ? * MON *)' } })] })).toEqual([
      expect.stringMatching(
        /^jobs\[0\] \("orders"\)\.schedule\.intervalMinutes: required for "cron\(0 1 \? \* MON \*\)"/,
      ),
    ]);
    expect(() =>
      parseConfig(
        { jobs: [job({ schedule: { expression: 'cron(0 1 ? * MON *)', intervalMinutes: 10080 } })] },
        't',
      ),
    ).toThrow(/7-day evaluation range/);
  });

  it('rejects an unknown time zone, a plain-http endpoint and a malformed secret', () => {
    const problems = problemsOf({
      jobs: [
        job({
          schedule: { timezone: 'Mars/Olympus' },
          endpoint: { baseUrl: 'http://thingworx.example.com', thing: 'S' },
          secret: { create: 'yes' },
        }),
      ],
    });
    expect(problems).toEqual([
      'jobs[0] ("orders").endpoint.baseUrl: expected an https:// URL without credentials, such as "https://thingworx.example.com"',
      'jobs[0] ("orders").secret: expected an existing secret\'s name or complete ARN (a string), or { "create": true, "customerManagedKey"?: boolean } for a placeholder secret',
      'jobs[0] ("orders").schedule.timezone: expected an IANA time zone such as "UTC" or "Europe/Berlin"',
    ]);
  });

  it('refuses, with the field, a base URL carrying a query and a key header with a space, as the cold start does', () => {
    const problems = problemsOf({
      jobs: [
        job({
          endpoint: {
            baseUrl: 'https://thingworx.example.com/Thingworx?appKey=4c7e2a90',
            thing: 'S',
            keyHeader: 'app key',
          },
        }),
      ],
    });
    expect(problems).toEqual([
      'jobs[0] ("orders").endpoint.baseUrl: expected scheme, host and path only: the key goes in its header, never in the URL, got a URL with a query string or fragment',
      'jobs[0] ("orders").endpoint.keyHeader: expected an HTTP header name: letters, digits and !#$%&\'*+-.^_`|~ only, no spaces or ":", such as "appKey", got "app key"',
    ]);
    expect(problems.join('\n')).not.toContain('4c7e2a90'); // never echoes what may be a key
  });

  describe("a job's existing secret", () => {
    it.each([
      'prod/thingworx-key',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/thingworx-key-AbC123',
      'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:a+b=c.d@e_f-Zz9Zz9',
    ])('accepts a name or a complete ARN: %s', (secret) => {
      expect(parseConfig({ jobs: [job({ secret })] }, 'test').jobs[0]?.secret).toBe(secret);
    });

    it.each([
      ['a partial ARN', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/thingworx'],
      ['an ARN of another service', 'arn:aws:ssm:eu-west-1:123456789012:parameter/prod/key'],
      ['a name with a space', 'prod key'],
      ['an empty name', '  '],
    ])('rejects %s, validated like rotation.adminSecret', (_, secret) => {
      expect(problemsOf({ jobs: [job({ secret })] })).toEqual([
        `jobs[0] ("orders").secret: ${JSON.stringify(secret.trim())}: expected the job's app key secret: the secret's name (letters, digits and /_+=.@-), or its complete ARN ending in "-" and the 6 random characters Secrets Manager appends (aws secretsmanager describe-secret --secret-id <name> --query ARN); a partial ARN cannot be told from a complete one, so give the name instead`,
      ]);
    });
  });

  it('rejects a skew target or pair that the monitor does not measure', () => {
    const problems = problemsOf({
      jobs: [job({ skewTarget: 'nowhere' })],
      clockSkew: {
        targets: [{ name: 'twx', url: 'https://thingworx.example.com', toleranceMs: 1000 }],
        pairs: [['twx', 'other']],
      },
    });
    expect(problems).toEqual([
      'clockSkew.pairs[0]: "other" is not a clockSkew target',
      'jobs[0] ("orders").skewTarget: "nowhere" is not one of clockSkew.targets',
    ]);
  });

  it('passes the monitor its consistency checks when asked for them, and rejects a count it cannot run', () => {
    const target = { name: 'twx', url: 'https://thingworx.example.com' };
    const config = parseConfig(
      { jobs: [job()], clockSkew: { targets: [target], consistencyChecks: 2 } },
      'test',
    );
    if (!config.clockSkew) throw new Error('the monitor is configured');
    const env = clockSkewEnvironment(config.clockSkew, 'control');

    expect(env.SKEW_CONSISTENCY_CHECKS).toBe('2');
    expect(loadSkewConfig(env).consistencyChecks).toBe(2);
    expect(problemsOf({ jobs: [job()], clockSkew: { targets: [target], consistencyChecks: 3 } })).toEqual([
      'clockSkew.consistencyChecks: expected an integer from 0 to 2 (extra requests per target, aimed just outside the final interval)',
    ]);
  });

  describe('rotation', () => {
    const rotating = (rotation: Record<string, unknown>, overrides: Record<string, unknown> = {}) => ({
      jobs: [
        job({
          rotation: { everyDays: 30, keyUser: 'reader', adminSecret: 'admin', ...rotation },
          ...overrides,
        }),
      ],
    });

    it.each([0, 1001, 1.5, '30'])(
      'rejects everyDays %j: Secrets Manager allows 1 to 1000 days',
      (everyDays) => {
        expect(problemsOf(rotating({ everyDays }))).toEqual([
          'jobs[0] ("orders").rotation.everyDays: expected an integer from 1 to 1000 (days; Secrets Manager\'s rotation schedule allows 1 to 1000)',
        ]);
      },
    );

    it('requires the key user and the admin secret', () => {
      expect(problemsOf({ jobs: [job({ rotation: { everyDays: 30 } })] })).toEqual([
        'jobs[0] ("orders").rotation.keyUser: expected the ThingWorx user the new keys act as',
        'jobs[0] ("orders").rotation.adminSecret: expected the admin key secret\'s name or complete ARN (a string)',
      ]);
    });

    it("rejects the job's own secret as the admin secret", () => {
      expect(problemsOf(rotating({ adminSecret: 'prod/key' }, { secret: 'prod/key' }))).toEqual([
        'jobs[0] ("orders").rotation.adminSecret: "prod/key" is the job\'s own secret; the admin key (allowed to create and delete keys) needs its own secret that only the rotation function reads',
      ]);
    });

    it('accepts rotation of an existing secret as well as a created one', () => {
      for (const secret of ['prod/key', { create: true }]) {
        expect(parseConfig(rotating({}, { secret }), 'test').jobs[0]?.rotation?.everyDays).toBe(30);
      }
    });

    it('rejects an ARN that is not a secret, a KMS key that is not an ARN, and an allowlist entry with a comma', () => {
      expect(
        problemsOf(
          rotating({
            adminSecret: 'arn:aws:ssm:eu-west-1:123456789012:parameter/admin',
            adminSecretKmsKeyArn: 'alias/admin',
            allowlist: ['203.0.113.7,198.51.100.1'],
          }),
        ),
      ).toEqual([
        expect.stringMatching(
          /^jobs\[0\] \("orders"\)\.rotation\.adminSecret: "arn:aws:ssm:[^"]+": expected the admin key secret: the secret's name .*or its complete ARN/,
        ),
        'jobs[0] ("orders").rotation.adminSecretKmsKeyArn: expected a KMS key ARN',
        'jobs[0] ("orders").rotation.allowlist[0]: expected an address without "," or spaces, such as "203.0.113.7"',
      ]);
    });

    it.each([
      ['a partial ARN', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/admin'],
      ['a name with a space', 'prod admin'],
    ])('rejects %s as the admin secret, saying to give the name or the complete ARN', (_, adminSecret) => {
      expect(problemsOf(rotating({ adminSecret }))).toEqual([
        `jobs[0] ("orders").rotation.adminSecret: ${JSON.stringify(adminSecret)}: expected the admin key secret: the secret's name (letters, digits and /_+=.@-), or its complete ARN ending in "-" and the 6 random characters Secrets Manager appends (aws secretsmanager describe-secret --secret-id <name> --query ARN); a partial ARN cannot be told from a complete one, so give the name instead`,
      ]);
    });

    it('rejects an expiry margin shorter than the rotation day plus a day to act', () => {
      expect(problemsOf(rotating({ expiryMarginHours: 24 }))).toEqual([
        expect.stringMatching(
          /^jobs\[0\] \("orders"\)\.rotation\.expiryMarginHours: expected an integer from 48 to 8760/,
        ),
      ]);
    });

    it("rejects a request timeout the rotation function's 60 s cannot hold", () => {
      expect(
        problemsOf(
          rotating(
            {},
            { endpoint: { baseUrl: 'https://thingworx.example.com', thing: 'S', requestTimeoutMs: 60_000 } },
          ),
        ),
      ).toEqual([
        'jobs[0] ("orders").endpoint.requestTimeoutMs: 60000 ms must be shorter than the rotation function\'s 60 s timeout when rotation is on',
      ]);
    });

    it('rejects a typo in the rotation block', () => {
      expect(problemsOf(rotating({ everyDay: 30 }))[0]).toMatch(
        /^jobs\[0\] \("orders"\)\.rotation: Unrecognized key: "everyDay"/,
      );
    });
  });

  it('rejects unknown fields instead of ignoring a typo', () => {
    expect(problemsOf({ jobs: [job({ timeoutSecs: 60 })] })[0]).toMatch(
      /^jobs\[0\] \("orders"\): Unrecognized key: "timeoutSecs"/,
    );
  });

  it('stops the CDK app before any resource is created', () => {
    expect(() => createSyncWardenApp({ context: { syncwarden: { jobs: [] } } })).toThrow(
      /Invalid syncwarden configuration \(context "syncwarden"\):\n {2}- jobs: expected at least one job/,
    );
  });
});
