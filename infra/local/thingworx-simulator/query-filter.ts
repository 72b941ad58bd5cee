// The `query` parameter of QueryStreamEntriesWithData: the part of ThingWorx's filter language the
// simulator understands, parsed from JSON and matched against stream entries; and DATETIME inputs.
import type { StreamEntry } from './stream-entry.js';

/**
 * The part of ThingWorx's `query` parameter the simulator understands: `{filters: F}` where F is
 * `{type: 'And'|'Or', filters: F[]}`, `{type: 'EQ'|'NE'|'GT'|'GE'|'LT'|'LE', fieldName, value}` or
 * `{type: 'Between'|'NotBetween', fieldName, from, to}` (types case-insensitive). Enough for keyset
 * pagination past a page full of one timestamp: `timestamp > t OR (timestamp = t AND id > lastId)`.
 */
export type QueryFilter =
  | { readonly type: 'AND' | 'OR'; readonly filters: readonly QueryFilter[] }
  | {
      readonly type: 'EQ' | 'NE' | 'GT' | 'GE' | 'LT' | 'LE';
      readonly fieldName: string;
      readonly value: unknown;
    }
  | {
      readonly type: 'BETWEEN' | 'NOTBETWEEN';
      readonly fieldName: string;
      readonly from: unknown;
      readonly to: unknown;
    };

/** Parses ThingWorx's `query` parameter into a filter; throws on anything it does not support. */
export function parseQueryFilter(query: unknown): QueryFilter | undefined {
  if (query === undefined || query === null || query === '') return undefined;
  const parsed: unknown = typeof query === 'string' ? JSON.parse(query) : query;
  if (typeof parsed !== 'object' || parsed === null) throw new Error('query must be an object');
  const filters = (parsed as { filters?: unknown }).filters;
  return filters === undefined ? undefined : parseFilter(filters);
}

function parseFilter(raw: unknown): QueryFilter {
  if (typeof raw !== 'object' || raw === null) throw new Error('a query filter must be an object');
  const node = raw as Record<string, unknown>;
  const type = String(node.type ?? '').toUpperCase();
  switch (type) {
    case 'AND':
    case 'OR': {
      if (!Array.isArray(node.filters)) throw new Error(`${type} needs a filters array`);
      return { type, filters: node.filters.map(parseFilter) };
    }
    case 'EQ':
    case 'NE':
    case 'GT':
    case 'GE':
    case 'LT':
    case 'LE':
      return { type, fieldName: fieldNameOf(node), value: node.value };
    case 'BETWEEN':
    case 'NOTBETWEEN':
      return { type, fieldName: fieldNameOf(node), from: node.from, to: node.to };
    default:
      throw new Error(`unsupported query filter type ${JSON.stringify(node.type)}`);
  }
}

function fieldNameOf(node: Record<string, unknown>): string {
  if (typeof node.fieldName !== 'string') throw new Error('a query filter needs a fieldName');
  return node.fieldName;
}

/** Whether an entry passes a parsed filter; a comparison it cannot make matches only NE. */
export function matchesFilter(entry: StreamEntry, filter: QueryFilter): boolean {
  switch (filter.type) {
    case 'AND':
      return filter.filters.every((f) => matchesFilter(entry, f));
    case 'OR':
      return filter.filters.some((f) => matchesFilter(entry, f));
    case 'BETWEEN':
    case 'NOTBETWEEN': {
      const inside =
        compareField(entry, filter.fieldName, filter.from) >= 0 &&
        compareField(entry, filter.fieldName, filter.to) <= 0;
      return filter.type === 'BETWEEN' ? inside : !inside;
    }
    default: {
      const order = compareField(entry, filter.fieldName, filter.value);
      if (Number.isNaN(order)) return filter.type === 'NE';
      return {
        EQ: order === 0,
        NE: order !== 0,
        GT: order > 0,
        GE: order >= 0,
        LT: order < 0,
        LE: order <= 0,
      }[filter.type];
    }
  }
}

/** Compares an entry's field with a filter value: numbers numerically (dates may be ISO strings), else as strings. */
function compareField(entry: StreamEntry, fieldName: string, value: unknown): number {
  const actual = (entry as unknown as Record<string, unknown>)[fieldName];
  if (typeof actual === 'number') {
    const wanted = fieldName === 'timestamp' ? toEpochMs(value) : Number(value);
    return wanted === undefined || Number.isNaN(wanted) ? Number.NaN : actual - wanted;
  }
  if (actual === undefined || actual === null || typeof actual === 'object') return Number.NaN;
  const a = String(actual);
  const b = String(value);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** ThingWorx DATETIME inputs: epoch ms (number or digits) or an ISO-8601 string. */
export function toEpochMs(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.floor(value) : Number.NaN;
  if (typeof value === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(value.trim())) return Math.floor(Number(value));
    return Date.parse(value);
  }
  return Number.NaN;
}
