// InfoTable bodies as ThingWorx serialises them: `{dataShape: {fieldDefinitions}, rows}`, plus the
// HTML table ThingWorx answers with when the client does not ask for JSON.
import type { StreamEntry } from './stream.js';

export type BaseType = 'STRING' | 'NUMBER' | 'INTEGER' | 'BOOLEAN' | 'DATETIME' | 'LOCATION' | 'TAGS';

export interface FieldDefinition {
  readonly name: string;
  readonly description: string;
  readonly baseType: BaseType;
  readonly ordinal: number;
  readonly aspects: Record<string, unknown>;
}

export interface InfoTable {
  readonly dataShape: { readonly fieldDefinitions: Record<string, FieldDefinition> };
  readonly rows: readonly Record<string, unknown>[];
}

type FieldSpec = readonly [
  name: string,
  baseType: BaseType,
  description: string,
  aspects?: Record<string, unknown>,
];

export function fieldDefinitions(fields: readonly FieldSpec[]): Record<string, FieldDefinition> {
  return Object.fromEntries(
    fields.map(([name, baseType, description, aspects], ordinal) => [
      name,
      { name, description, baseType, ordinal, aspects: aspects ?? {} },
    ]),
  );
}

/** The stream's entry fields followed by its data shape's fields, as QueryStreamEntriesWithData returns them. */
export const STREAM_ENTRY_FIELDS = fieldDefinitions([
  ['id', 'STRING', 'Stream entry id', { isPrimaryKey: true }],
  ['timestamp', 'DATETIME', 'Entry timestamp'],
  ['source', 'STRING', 'Entry source'],
  ['sourceType', 'STRING', 'Entry source type'],
  ['location', 'LOCATION', 'Entry location'],
  ['tags', 'TAGS', 'Entry data tags'],
  ['temperature', 'NUMBER', 'Temperature (°C)'],
  ['pressure', 'NUMBER', 'Pressure (hPa)'],
  ['status', 'STRING', 'Machine status'],
  ['payload', 'STRING', 'Filler to size the rows'],
]);

const STREAM_ENTRY_FIELD_NAMES = Object.keys(STREAM_ENTRY_FIELDS);

export function streamEntriesTable(entries: readonly StreamEntry[]): InfoTable {
  return {
    dataShape: { fieldDefinitions: STREAM_ENTRY_FIELDS },
    // Exactly the data shape's fields: the simulator's own bookkeeping (arrival, replacement) is never served.
    rows: entries.map((entry) =>
      Object.fromEntries(
        STREAM_ENTRY_FIELD_NAMES.filter((name) => name in entry).map((name) => [
          name,
          (entry as unknown as Record<string, unknown>)[name],
        ]),
      ),
    ),
  };
}

/** A service's single `result` output, as `{rows: [{result}]}`. */
export function resultTable(baseType: BaseType, result: unknown): InfoTable {
  return {
    dataShape: { fieldDefinitions: fieldDefinitions([['result', baseType, 'result']]) },
    rows: [{ result }],
  };
}

/** An entity collection's list (GET /Thingworx/<Collection>), as rows of `name` and `description`. */
export function entityListTable(names: readonly string[]): InfoTable {
  return {
    dataShape: {
      fieldDefinitions: fieldDefinitions([
        ['name', 'STRING', 'Entity name', { isPrimaryKey: true }],
        ['description', 'STRING', 'Entity description'],
      ]),
    },
    rows: names.map((name) => ({ name, description: '' })),
  };
}

/** What a service with no output (NOTHING) answers in the simulator: an empty InfoTable. */
export const EMPTY_TABLE: InfoTable = { dataShape: { fieldDefinitions: {} }, rows: [] };

export function infoTableHtml(table: InfoTable): string {
  const names = Object.keys(table.dataShape.fieldDefinitions);
  const cell = (value: unknown) =>
    escapeHtml(typeof value === 'object' ? JSON.stringify(value) : String(value ?? ''));
  const header = names.map((name) => `<th>${escapeHtml(name)}</th>`).join('');
  const rows = table.rows.map((row) => `<tr>${names.map((n) => `<td>${cell(row[n])}</td>`).join('')}</tr>`);
  return `<html><head><title>Result</title></head><body><table><tr>${header}</tr>${rows.join('')}</table></body></html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
