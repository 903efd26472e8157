// Reads TensorBoard event files back: every record's CRCs are checked (tfrecord.ts) and
// every record is decoded as a tensorflow.Event (tb_proto.ts). The tests read runs'
// event files back with it.
import { readFileSync } from 'node:fs';
import { decodeEvent, type TbEvent } from './tb_proto.js';
import { readRecords } from './tfrecord.js';

export interface ReadEventsOptions {
  /** Ignore an incomplete final record (a file still being written). Default false: throw. */
  allowPartialTail?: boolean;
}

export function readEvents(path: string, opts: ReadEventsOptions = {}): TbEvent[] {
  const records = readRecords(readFileSync(path), { source: path, allowPartialTail: opts.allowPartialTail ?? false });
  return records.map((r, i) => {
    try {
      return decodeEvent(r.data);
    } catch (e) {
      throw new Error(`${path}: record ${i} at byte ${r.offset} (${r.data.length} bytes) is not a valid Event: ${(e as Error).message}`);
    }
  });
}

export interface ScalarPoint {
  step: number;
  wall_time: number;
  value: number;
}

/** All simple_value points per tag, in file order. */
export function scalarsByTag(events: readonly TbEvent[]): Map<string, ScalarPoint[]> {
  const out = new Map<string, ScalarPoint[]>();
  for (const ev of events) {
    for (const v of ev.summary?.value ?? []) {
      if (v.simple_value === undefined) continue;
      let list = out.get(v.tag);
      if (!list) out.set(v.tag, (list = []));
      list.push({ step: ev.step, wall_time: ev.wall_time, value: v.simple_value });
    }
  }
  return out;
}
