// The simulator's back-end profiles as values: resolving options to a full behaviour, reading the
// command-line spec, and the one-line description.
import { describe, expect, it } from 'vitest';
import {
  BACKEND_PROFILES,
  describeBackend,
  parseBackendSpec,
  resolveBackend,
} from '../../../infra/local/thingworx-simulator/backend-profile.js';

describe('resolveBackend', () => {
  it('defaults to postgres: both bounds inclusive, oldestFirst honoured, no cap, upserts keeping the id', () => {
    expect(resolveBackend()).toEqual({
      profile: 'postgres',
      startExclusive: false,
      endExclusive: false,
      ignoreOldestFirst: false,
      cutKeepsNewest: false,
      maxItemsCap: undefined,
      upsertKeepsId: true,
      upsert: true,
    });
  });

  it('takes the end bound from the profile: exclusive on dse', () => {
    expect(resolveBackend('dse')).toMatchObject({
      profile: 'dse',
      endExclusive: true,
      startExclusive: false,
    });
  });

  it('applies every switch on top of the profile', () => {
    expect(
      resolveBackend({
        profile: 'dse',
        startExclusive: true,
        ignoreOldestFirst: true,
        cutKeepsNewest: true,
        maxItemsCap: 200,
        upsertKeepsId: false,
        upsert: false,
      }),
    ).toEqual({
      profile: 'dse',
      startExclusive: true,
      endExclusive: true,
      ignoreOldestFirst: true,
      cutKeepsNewest: true,
      maxItemsCap: 200,
      upsertKeepsId: false,
      upsert: false,
    });
  });

  it('lists both profiles', () => {
    expect(BACKEND_PROFILES).toEqual(['postgres', 'dse']);
  });

  it('refuses an unknown profile with a RangeError naming it', () => {
    expect(() => resolveBackend('mssql' as never)).toThrow(RangeError);
    expect(() => resolveBackend('mssql' as never)).toThrow(
      /profile must be one of postgres, dse, got "mssql"/,
    );
  });

  it('refuses a switch that is not a boolean, naming the field and value', () => {
    expect(() => resolveBackend({ upsert: 'yes' as never })).toThrow(
      /backend option upsert must be a boolean, got "yes"/,
    );
  });

  it('refuses a maxItemsCap below 1 or not whole', () => {
    expect(() => resolveBackend({ maxItemsCap: 0 })).toThrow(/maxItemsCap must be an integer >= 1, got 0/);
    expect(() => resolveBackend({ maxItemsCap: 2.5 })).toThrow(RangeError);
  });

  it('refuses an unknown field, so a misspelt switch does not pass silently', () => {
    expect(() => resolveBackend({ endExclusive: true } as never)).toThrow(
      /unknown backend option endExclusive; accepted: profile, startExclusive/,
    );
  });
});

describe('parseBackendSpec', () => {
  it('reads a bare profile name', () => {
    expect(parseBackendSpec('dse')).toEqual({ profile: 'dse' });
  });

  it('reads a profile with bare switches (true) and valued ones', () => {
    expect(
      parseBackendSpec(
        'postgres,startExclusive,ignoreOldestFirst,cutKeepsNewest,maxItemsCap=200,upsertKeepsId=false,upsert=false',
      ),
    ).toEqual({
      profile: 'postgres',
      startExclusive: true,
      ignoreOldestFirst: true,
      cutKeepsNewest: true,
      maxItemsCap: 200,
      upsertKeepsId: false,
      upsert: false,
    });
  });

  it('reads switches without a profile, and =true', () => {
    expect(parseBackendSpec('upsert=true, maxItemsCap=5')).toEqual({ upsert: true, maxItemsCap: 5 });
  });

  it('reads profile=<name> and matches names without regard to case', () => {
    expect(parseBackendSpec('profile=DSE,STARTEXCLUSIVE')).toEqual({ profile: 'dse', startExclusive: true });
  });

  it('gives options that resolveBackend accepts', () => {
    expect(describeBackend(resolveBackend(parseBackendSpec('dse,maxItemsCap=200')))).toBe(
      'dse (end exclusive), maxItemsCap 200',
    );
    expect(describeBackend(resolveBackend(parseBackendSpec('postgres,cutKeepsNewest')))).toBe(
      'postgres (both bounds inclusive), cuts keep the newest rows',
    );
  });

  it('refuses an unknown part, naming it and listing what is accepted', () => {
    expect(() => parseBackendSpec('postgres,endExclusive')).toThrow(
      'backend spec "postgres,endExclusive": unknown part "endExclusive"; accepted: a profile (postgres | dse, ' +
        'or profile=<name>), startExclusive, ignoreOldestFirst, cutKeepsNewest, upsertKeepsId, upsert (bare for true, or =true / ' +
        '=false), maxItemsCap=<integer >= 1>, separated by commas',
    );
  });

  it('refuses an unknown profile', () => {
    expect(() => parseBackendSpec('profile=influx')).toThrow(
      /unknown profile in "profile=influx"; accepted:/,
    );
  });

  it('refuses a switch valued other than true or false', () => {
    expect(() => parseBackendSpec('upsert=no')).toThrow(/"upsert=no" needs true or false; accepted:/);
  });

  it('refuses a maxItemsCap that is not a whole number of at least 1', () => {
    expect(() => parseBackendSpec('maxItemsCap=0')).toThrow(/"maxItemsCap=0" needs an integer >= 1/);
    expect(() => parseBackendSpec('maxItemsCap=2e3')).toThrow(/needs an integer >= 1/);
    expect(() => parseBackendSpec('maxItemsCap')).toThrow(/"maxItemsCap" needs an integer >= 1/);
  });

  it('refuses a field given twice', () => {
    expect(() => parseBackendSpec('dse,postgres')).toThrow(/profile is given twice \(at "postgres"\)/);
  });

  it('refuses an empty spec and an empty part', () => {
    expect(() => parseBackendSpec(' ')).toThrow(/backend spec " ": it is empty; accepted:/);
    expect(() => parseBackendSpec('dse,,upsert')).toThrow(/it has an empty part/);
  });

  it('throws a plain Error, not a RangeError, so a command line can print its message as is', () => {
    expect(() => parseBackendSpec('nonsense')).toThrow(Error);
    expect(() => parseBackendSpec('nonsense')).not.toThrow(RangeError);
  });
});

describe('describeBackend', () => {
  it('describes the default in one line', () => {
    expect(describeBackend(resolveBackend())).toBe('postgres (both bounds inclusive)');
  });

  it('names only the departures from the defaults, after the bounds', () => {
    expect(describeBackend(resolveBackend('dse'))).toBe('dse (end exclusive)');
    expect(describeBackend(resolveBackend({ profile: 'dse', startExclusive: true }))).toBe(
      'dse (both bounds exclusive)',
    );
    expect(
      describeBackend(
        resolveBackend({
          startExclusive: true,
          ignoreOldestFirst: true,
          maxItemsCap: 50,
          upsertKeepsId: false,
        }),
      ),
    ).toBe(
      'postgres (start exclusive), ignores oldestFirst (newest first), maxItemsCap 50, upserts get a new id',
    );
    expect(describeBackend(resolveBackend({ upsert: false, upsertKeepsId: false }))).toBe(
      'postgres (both bounds inclusive), no upserts (same timestamp and source stored beside)',
    );
  });
});
