// Parses a ThingWorx InfoTable (`{dataShape: {fieldDefinitions}, rows}`) into typed parts; a body
// of the wrong shape is an error naming the first wrong field, never quoting the data.
import { z } from 'zod';
import { InvalidResponseError } from './errors.js';

const fieldDefinitionSchema = z.looseObject({
  name: z.string(),
  baseType: z.string(),
});

const infoTableSchema = z.looseObject({
  dataShape: z.looseObject({
    fieldDefinitions: z.record(z.string(), fieldDefinitionSchema),
  }),
  rows: z.array(z.record(z.string(), z.unknown())),
});

export type FieldDefinition = z.infer<typeof fieldDefinitionSchema>;

export interface InfoTable<Row = Record<string, unknown>> {
  readonly dataShape: { readonly fieldDefinitions: Readonly<Record<string, FieldDefinition>> };
  readonly rows: readonly Row[];
}

export function parseInfoTable(json: unknown, source: string): InfoTable {
  const result = infoTableSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new InvalidResponseError(
      `${source} did not answer an InfoTable: ${where}: ${issue?.message ?? 'invalid'}`,
      false,
    );
  }
  return { dataShape: { fieldDefinitions: result.data.dataShape.fieldDefinitions }, rows: result.data.rows };
}
