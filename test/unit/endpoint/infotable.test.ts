import { describe, expect, it } from 'vitest';
import { InvalidResponseError } from '../../../functions/endpoint/errors.js';
import { parseInfoTable } from '../../../functions/endpoint/infotable.js';

describe('InfoTable parsing', () => {
  it('returns the data shape and the rows', () => {
    const table = parseInfoTable(
      {
        dataShape: { fieldDefinitions: { id: { name: 'id', baseType: 'STRING', ordinal: 0, aspects: {} } } },
        rows: [{ id: 'a' }, { id: 'b' }],
      },
      'POST /x',
    );
    expect(table.rows).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(table.dataShape.fieldDefinitions.id?.baseType).toBe('STRING');
  });

  it('names the first wrong field without quoting the data', () => {
    const call = () =>
      parseInfoTable({ dataShape: { fieldDefinitions: {} }, rows: 'private-data' }, 'POST /x');
    expect(call).toThrow(InvalidResponseError);
    expect(call).toThrow(/POST \/x did not answer an InfoTable: rows:/);
    expect(call).not.toThrow(/private-data/);
  });

  it('names a row that is not an object by its index', () => {
    const call = () =>
      parseInfoTable({ dataShape: { fieldDefinitions: {} }, rows: [{ id: 'a' }, 42] }, 'POST /x');
    expect(call).toThrow('POST /x did not answer an InfoTable: rows.1: expected an object, got a number');
  });

  it('names a field definition without its base type', () => {
    const call = () =>
      parseInfoTable({ dataShape: { fieldDefinitions: { id: { name: 'id' } } }, rows: [] }, 'POST /x');
    expect(call).toThrow('dataShape.fieldDefinitions.id.baseType: expected a string, got nothing');
  });

  it('rejects an HTML or text body parsed as a string', () => {
    expect(() => parseInfoTable('<html>', 'POST /x')).toThrow('(root): expected an object, got a string');
  });
});
