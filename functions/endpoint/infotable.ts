// Parses a ThingWorx InfoTable (`{dataShape: {fieldDefinitions}, rows}`) into typed parts; a body
// of the wrong shape is an error naming the first wrong field, never quoting the data.
// Checked by hand rather than with a schema library: this runs on every row of every page, and a
// schema library would be most of the sync Lambda's bundle.
import { InvalidResponseError } from './errors.js';

export interface FieldDefinition {
  readonly name: string;
  readonly baseType: string;
  readonly [attribute: string]: unknown;
}

export interface InfoTable<Row = Record<string, unknown>> {
  readonly dataShape: { readonly fieldDefinitions: Readonly<Record<string, FieldDefinition>> };
  readonly rows: readonly Row[];
}

export function parseInfoTable(json: unknown, source: string): InfoTable {
  const fail = (where: string, expected: string, got: unknown): never => {
    throw new InvalidResponseError(
      `${source} did not answer an InfoTable: ${where}: expected ${expected}, got ${describe(got)}`,
      false,
    );
  };
  if (!isPlainObject(json)) return fail('(root)', 'an object', json);
  const { dataShape, rows } = json;
  if (!isPlainObject(dataShape)) return fail('dataShape', 'an object', dataShape);
  const { fieldDefinitions } = dataShape;
  if (!isPlainObject(fieldDefinitions))
    return fail('dataShape.fieldDefinitions', 'an object', fieldDefinitions);
  for (const [field, definition] of Object.entries(fieldDefinitions)) {
    const where = `dataShape.fieldDefinitions.${field}`;
    if (!isPlainObject(definition)) return fail(where, 'an object', definition);
    if (typeof definition.name !== 'string') fail(`${where}.name`, 'a string', definition.name);
    if (typeof definition.baseType !== 'string') fail(`${where}.baseType`, 'a string', definition.baseType);
  }
  if (!Array.isArray(rows)) return fail('rows', 'an array', rows);
  rows.forEach((row, index) => {
    if (!isPlainObject(row)) fail(`rows.${index}`, 'an object', row);
  });
  return {
    dataShape: { fieldDefinitions: fieldDefinitions as Record<string, FieldDefinition> },
    rows: rows as Record<string, unknown>[],
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The kind of value found, never the value itself: response bodies may hold private data. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
