// The two DynamoDB tables, keyed as functions/shared/tables.ts defines: the control table (locks,
// watermarks, run ledger with TTL, last skew per target) and the records table. Data is retained.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  PARTITION_KEY,
  RECORDS_BY_SOURCE_TIME,
  SORT_KEY,
  TTL_ATTRIBUTE,
} from '../../functions/shared/tables.js';

export interface SyncWardenTablesProps {
  /** What happens to the tables when they leave the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class SyncWardenTables extends Construct {
  readonly control: dynamodb.Table;
  readonly records: dynamodb.Table;

  constructor(scope: Construct, id: string, props: SyncWardenTablesProps = {}) {
    super(scope, id);
    const common: dynamodb.TableProps = {
      partitionKey: { name: PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    };
    this.control = new dynamodb.Table(this, 'Control', { ...common, timeToLiveAttribute: TTL_ATTRIBUTE });
    this.records = new dynamodb.Table(this, 'Records', common);
    // The audit's time-window reads of the records whose key does not start with their source time
    // (functions/shared/source-time-order.ts; the others it reads from the table by key range). Sparse:
    // only those records carry the index key, and each of their writes costs one more write unit (two when
    // the source time changes) and about 100 bytes of storage; with the default key fields, nothing.
    // Added to a table with data, DynamoDB backfills it at one write unit per indexed item.
    this.records.addGlobalSecondaryIndex({
      indexName: RECORDS_BY_SOURCE_TIME.indexName,
      partitionKey: { name: PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: RECORDS_BY_SOURCE_TIME.sortKey, type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...RECORDS_BY_SOURCE_TIME.projected],
    });
  }
}
