import { describe, expect, it } from 'vitest';
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
    expect(config.clockSkew?.targets).toEqual([
      { name: 'thingworx', url: 'https://thingworx.example.com', toleranceMs: 2000 },
    ]);
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
      'jobs[0] ("orders").secret: expected an existing secret\'s name or ARN (a string), or { "create": true } for a placeholder secret',
      'jobs[0] ("orders").schedule.timezone: expected an IANA time zone such as "UTC" or "Europe/Berlin"',
    ]);
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
