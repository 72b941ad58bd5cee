// The metrics a Metrics Insights alarm's query analyzes, which is what the alarm is priced by: the emitted
// series in the query's namespace with its metric name, its SCHEMA's exact dimension set (if it names one)
// and its WHERE filters. Reads the subset of the query language an alarm needs:
//   SELECT FN(MetricName) FROM SCHEMA("Namespace", Dim1, Dim2) | Namespace
//     [WHERE Dim = 'value' [AND Dim != 'value']...] [GROUP BY ...] [ORDER BY ...] [LIMIT n]
// GROUP BY, ORDER BY and LIMIT shape the result, not what is analyzed. Anything else fails, naming the alarm.
import type { MetricSeries } from './emitted-metrics.js';

const QUERY =
  /^\s*SELECT\s+\w+\(\s*"?(\w+)"?\s*\)\s+FROM\s+(SCHEMA\(([^)]*)\)|"[^"]+"|[\w/]+)(?:\s+WHERE\s+(.+?))?(?:\s+GROUP BY\s.+?)?(?:\s+ORDER BY\s.+?)?(?:\s+LIMIT\s+\d+)?\s*;?\s*$/is;
const CONDITION = /^\s*"?(\w+)"?\s*(=|!=)\s*'([^']*)'\s*$/;

export function metricsAnalyzed(query: string, series: readonly MetricSeries[], alarm: string): number {
  const match = QUERY.exec(query);
  if (!match) throw new Error(`alarm ${alarm}: cannot read its Metrics Insights query: ${query}`);
  const [, metricName = '', from = '', schemaArguments, where] = match;
  const schema = schemaArguments?.split(',').map((part) => part.trim().replace(/^"|"$/g, ''));
  const namespace = schema ? (schema[0] ?? '') : from.replace(/^"|"$/g, '');
  const schemaDimensions = schema ? new Set(schema.slice(1)) : undefined;
  const conditions = (where ? where.split(/\s+AND\s+/i) : []).map((condition) => {
    const parsed = CONDITION.exec(condition);
    if (!parsed) throw new Error(`alarm ${alarm}: cannot read the condition "${condition}" of ${query}`);
    return { dimension: parsed[1] as string, equal: parsed[2] === '=', value: parsed[3] as string };
  });
  if (!series.some((s) => s.namespace === namespace)) {
    throw new Error(
      `alarm ${alarm}: namespace ${namespace} is not one syncwarden publishes; teach the bench its series`,
    );
  }
  return series.filter((s) => {
    if (s.namespace !== namespace || s.name !== metricName) return false;
    const keys = Object.keys(s.dimensions);
    if (
      schemaDimensions &&
      (keys.length !== schemaDimensions.size || keys.some((k) => !schemaDimensions.has(k)))
    ) {
      return false;
    }
    return conditions.every(({ dimension, equal, value }) => {
      const actual = s.dimensions[dimension];
      return actual !== undefined && (actual === value) === equal;
    });
  }).length;
}
