// Adapts the ThingWorx client to the sync's record reader: QueryStreamEntriesWithData oldest-first over
// an inclusive window, rows validated into keyed, timestamped records.
import type { ThingWorxClient } from '../endpoint/thingworx-client.js';
import type { RecordReader } from './paginate.js';
import { type RowShape, toSourceRecord } from './source-rows.js';

export interface StreamService {
  readonly thing: string;
  readonly service: string;
}

export function streamReader(client: ThingWorxClient, stream: StreamService, shape: RowShape): RecordReader {
  return async ({ startMs, endMs, maxItems }) => {
    const table = await client.callService(stream.thing, stream.service, {
      startDate: startMs,
      endDate: endMs,
      maxItems,
      oldestFirst: true,
    });
    return table.rows.map((row, index) => toSourceRecord(row, index, shape));
  };
}
