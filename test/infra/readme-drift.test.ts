// The README against the code's own sources of truth: a row with no counterpart in the code, or a
// counterpart with no row, fails here. Each table names where its truth lives.
import { describe, expect, it } from 'vitest';
import { ACCESS_DENIED_CAUSES } from '../../functions/endpoint/cause-guide.js';
import { PROBLEM_KINDS, problemBit } from '../../functions/job-health/problems.js';
import { loadSyncConfig } from '../../functions/sync/sync-config.js';
import { configSchema, parseConfig } from '../../infra/config/schema.js';
import { publishedMetrics } from '../support/published-metrics.js';
import { codeSpans, decodeEntities, expandBraces, readme, tableUnder } from '../support/readme.js';
import { exampleConfig, synthesize } from './fixture.js';

const README = readme();

describe('README: the sync environment table', () => {
  /** Each variable a row names, with the default the row gives it ('required', 'none', a value). */
  const documented = () =>
    tableUnder(README, 'Sync configuration (environment of the sync Lambda)').flatMap(
      ([names = '', defaults = '']) => {
        const variables = codeSpans(names);
        const perVariable = defaults.split(' / ');
        return variables.map((variable, index) => ({
          variable,
          documentedDefault: (perVariable.length === variables.length ? perVariable[index] : defaults)
            ?.replace(/`/g, '')
            .trim(),
        }));
      },
    );
  const minimalEnv = {
    SYNC_JOB_NAME: 'orders',
    CONTROL_TABLE_NAME: 'control',
    RECORDS_TABLE_NAME: 'records',
    ENDPOINT_BASE_URL: 'https://thingworx.example.com',
    ENDPOINT_THING: 'SensorStream',
    APP_KEY_SECRET_ID: 'syncwarden/orders',
  };

  it('names exactly the variables the cold-start loader reads', () => {
    const read = new Set<string>();
    const recording = new Proxy(minimalEnv as Record<string, string | undefined>, {
      get: (env, name) => {
        if (typeof name === 'string') read.add(name);
        return env[name as string];
      },
    });
    loadSyncConfig(recording);

    expect(
      documented()
        .map((row) => row.variable)
        .sort(),
    ).toEqual([...read].sort());
  });

  it('gives each default the loader applies: setting a variable to its documented default changes nothing', () => {
    const defaulted = documented().filter(
      ({ documentedDefault }) => !/^(required|one required|none)$/.test(documentedDefault ?? ''),
    );
    expect(defaulted.length).toBeGreaterThan(5);
    const withDefaults = loadSyncConfig(minimalEnv);
    for (const { variable, documentedDefault } of defaulted) {
      const explicit = loadSyncConfig({ ...minimalEnv, [variable]: documentedDefault });
      expect({ variable, config: explicit }).toEqual({ variable, config: withDefaults });
    }
  });

  it('marks required exactly the variables the loader refuses to start without', () => {
    for (const { variable, documentedDefault } of documented()) {
      if (!(variable in minimalEnv) || documentedDefault === 'one required') continue;
      const { [variable as keyof typeof minimalEnv]: _left, ...without } = minimalEnv;
      expect({ variable, documentedDefault }).toEqual({ variable, documentedDefault: 'required' });
      expect(() => loadSyncConfig(without)).toThrow(variable);
    }
  });
});

describe('README: the configuration fields table', () => {
  const documented = () =>
    tableUnder(README, 'Configuration fields').flatMap(([paths = '', defaultCell = '']) =>
      codeSpans(paths)
        .flatMap(expandBraces)
        .map((path) => ({ path, documentedDefault: defaultCell })),
    );

  it('has a row for every field the schema takes, and no other', () => {
    expect(
      documented()
        .map((row) => row.path)
        .sort(),
    ).toEqual(schemaFields().sort());
  });

  it('gives the default the schema applies, where the row gives one as a value', () => {
    const parsed = parseConfig(minimalConfig(), 'README test') as unknown as Record<string, unknown>;
    const literal = documented().filter(({ documentedDefault }) => /^`[^`]*`$/.test(documentedDefault));
    expect(literal.length).toBeGreaterThan(10);
    for (const { path, documentedDefault } of literal) {
      const value = valueAt(parsed, path);
      const shown = Array.isArray(value) ? (value.length > 0 ? value.join(',') : '[]') : String(value);
      expect({ path, default: shown }).toEqual({ path, default: documentedDefault.slice(1, -1) });
    }
  });
});

describe('README: the alarm table', () => {
  it('has a row for every alarm the stack creates, and no other', () => {
    const config = exampleConfig() as { stackName?: string; jobs: { name: string }[] };
    const stackName = config.stackName ?? 'SyncWarden';
    const jobNames = config.jobs.map((job) => job.name);
    const targetNames = (
      (config as { clockSkew?: { targets: { name: string }[] } }).clockSkew?.targets ?? []
    ).map((target) => target.name);
    const { template } = synthesize(config);
    const kinds = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => {
      let name = String((alarm as { Properties: { AlarmName: string } }).Properties.AlarmName);
      name = name.replace(`${stackName}-`, '');
      for (const job of jobNames) if (name.startsWith(`${job}-`)) name = name.slice(job.length + 1);
      for (const target of targetNames) name = name.replace(`clock-skew-${target}`, 'clock-skew-<target>');
      return name.replace(/^job-health-check-\d+-/, 'job-health-check-<group>-');
    });
    const rows = tableUnder(README, 'Alarms').map(([kind = '']) => decodeEntities(kind));

    expect([...rows].sort()).toEqual([...new Set(kinds)].sort());
    expect(rows).toHaveLength(new Set(rows).size); // one row per alarm kind
  });
});

describe('README: the job problems table', () => {
  it('has a row for every problem kind the job-health check finds, with its bit, in bit order', () => {
    const rows = tableUnder(README, 'Job problems').map(([kind = '', bit = '']) => [
      codeSpans(kind)[0],
      Number(bit),
    ]);
    expect(rows).toEqual(PROBLEM_KINDS.map((kind) => [kind, problemBit(kind)]));
  });
});

describe('README: the metrics table', () => {
  it('has a row for every metric the Lambdas publish, and no other', () => {
    const { names, unresolved } = publishedMetrics();
    expect(unresolved).toEqual([]); // a metric call the scan cannot read: teach it the new form
    const rows = tableUnder(README, 'Metrics').flatMap(([metric = '']) => codeSpans(metric));
    expect([...rows].sort()).toEqual([...names].sort());
  });
});

describe('README: the Access Denied causes table', () => {
  it('has a row for every cause the diagnosis names, and no other', () => {
    const rows = tableUnder(README, 'Access Denied causes').map(([cause = '']) => codeSpans(cause)[0]);
    expect([...rows].sort()).toEqual([...ACCESS_DENIED_CAUSES].sort());
  });
});

type ZodNode = {
  _zod: { def: { type: string; shape?: object; innerType?: ZodNode; element?: ZodNode; in?: ZodNode } };
};

/** Every field path the configuration schema accepts: `jobs[].endpoint.baseUrl`, `clockSkew.pairs`. */
function schemaFields(): string[] {
  const fields: string[] = [];
  const walk = (node: ZodNode, path: string): void => {
    const { def } = node._zod;
    if (def.type === 'object') {
      for (const [key, child] of Object.entries(def.shape as Record<string, ZodNode>)) {
        if (key !== '$comment') walk(child, path ? `${path}.${key}` : key);
      }
    } else if (['optional', 'default', 'prefault', 'nullable'].includes(def.type)) {
      walk(def.innerType as ZodNode, path);
    } else if (def.type === 'pipe') {
      walk(def.in as ZodNode, path);
    } else if (def.type === 'array' && unwrap(def.element as ZodNode)._zod.def.type === 'object') {
      walk(def.element as ZodNode, `${path}[]`);
    } else {
      fields.push(path);
    }
  };
  walk(configSchema as unknown as ZodNode, '');
  return fields;
}

function unwrap(node: ZodNode): ZodNode {
  const { def } = node._zod;
  return def.innerType ? unwrap(def.innerType) : node;
}

/** The smallest configuration that reaches every defaulted field: one job with a proxy and rotation, one skew target. */
function minimalConfig(): unknown {
  return {
    jobs: [
      {
        name: 'orders',
        endpoint: {
          baseUrl: 'https://thingworx.example.com',
          thing: 'SensorStream',
          proxy: { url: 'http://proxy.example.com:3128' },
        },
        secret: 'syncwarden/orders',
        skewTarget: 'thingworx',
        rotation: { everyDays: 30, keyUser: 'SyncWardenReader', adminSecret: 'syncwarden/admin' },
      },
    ],
    clockSkew: { targets: [{ name: 'thingworx', url: 'https://thingworx.example.com/Thingworx/' }] },
  };
}

/** The value at `jobs[].sync.pageSize` (the first element of each list). */
function valueAt(config: Record<string, unknown>, path: string): unknown {
  let node: unknown = config;
  for (const part of path.split('.')) {
    const key = part.replace('[]', '');
    node = (node as Record<string, unknown> | undefined)?.[key];
    if (part.endsWith('[]')) node = (node as unknown[] | undefined)?.[0];
  }
  return node;
}
