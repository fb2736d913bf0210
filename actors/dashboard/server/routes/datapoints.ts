// Data points from storage (role `storage`): search by a part of the name and by tags (any/all),
// statistics of a span, and a chart of any span as M4-downsampled data (GetDownsampled), answered
// in the binary layout of api.ts (ChartView as JSON with `Accept: application/json`).

import { RecipientFailureError } from '../../../../core/bus/index.js';
import type { RequestType } from '../../../../core/schema/message-type.js';
import { ErrorReply, GetDataPoints, GetDownsampled, GetStatistics, type DataPointInfo, type StatisticsReply } from '../../../../schemas/generated/messages.js';
import type { ChartView, DataPointView, StatisticsView } from '../../api.js';
import { ApiFailure, asApiFailure } from '../api-failure.js';
import type { RouteContext } from '../context.js';
import type { ApiRequest, Router } from '../router.js';

export const STORAGE_ROLE = 'storage';
export const CHART_MAGIC = 0x474c4348;
export const CHART_VERSION = 1;
/** Bytes before the timestamps: 4 uint32 and the float64 source-entry count. */
export const CHART_HEADER_BYTES = 24;
const DEFAULT_PIXELS = 1000;
const MAX_PIXELS = 100_000;
const MAX_QUERY_LENGTH = 200;

/** DataPointView with what storage knows besides (the data points page ends its spans at the last entry). */
export type ListedDataPoint = DataPointView & { entryCount: number; firstTimestampMs?: number; lastTimestampMs?: number };

export function registerDatapointsRoutes(router: Router, ctx: RouteContext): void {
  const timeoutMs = ctx.settings.timeouts.queryMs;
  const ask = async <T, R>(type: RequestType<T, R>, value: T): Promise<R> => {
    try {
      return await ctx.bus.request(STORAGE_ROLE, type, value, type.reply, timeoutMs);
    } catch (error) {
      throw failureFromStorage(error);
    }
  };

  router.add('GET', '/api/datapoints', {
    permission: 'view',
    handler: async (request) => {
      const q = (request.query.get('q') ?? '').trim().toLowerCase();
      if (q.length > MAX_QUERY_LENGTH) throw new ApiFailure(422, 'InvalidArgument', `"q" is longer than ${MAX_QUERY_LENGTH} characters`);
      const tags = (request.query.get('tags') ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      const match = request.query.get('match') ?? 'any';
      if (match !== 'any' && match !== 'all') throw new ApiFailure(422, 'InvalidArgument', `"match" is ${JSON.stringify(match)}; it must be "any" or "all"`);
      const reply = await ask(GetDataPoints, { tags, match: match === 'all' ? 'All' : 'Any' });
      const listed = (reply.dataPoints ?? []).filter((info) => q === '' || info.name.toLowerCase().includes(q)).map(listedView);
      return { status: 200, json: listed };
    },
  });

  router.add('GET', '/api/datapoints/:name/statistics', {
    permission: 'view',
    handler: async (request) => {
      const dataPoint = request.params.name!;
      const fromMs = timeParam(request, 'from');
      const toMs = timeParam(request, 'to');
      const reply = await ask(GetStatistics, { dataPoint, histogramBins: 20, ...(fromMs === undefined ? {} : { fromMs }), ...(toMs === undefined ? {} : { toMs }) });
      return { status: 200, json: statisticsView(reply) };
    },
  });

  router.add('GET', '/api/datapoints/:name/chart', {
    permission: 'view',
    handler: async (request) => {
      const dataPoint = request.params.name!;
      const fromMs = timeParam(request, 'from');
      const toMs = timeParam(request, 'to');
      if (fromMs === undefined || toMs === undefined) throw new ApiFailure(422, 'InvalidArgument', '"from" and "to" (ms since the epoch) are required');
      const pixelsText = request.query.get('pixels');
      const pixels = pixelsText === null || pixelsText === '' ? DEFAULT_PIXELS : Number(pixelsText);
      if (!Number.isInteger(pixels) || pixels < 1 || pixels > MAX_PIXELS) throw new ApiFailure(422, 'InvalidArgument', `"pixels" is ${JSON.stringify(pixelsText)}; it must be a whole number from 1 to ${MAX_PIXELS}`);
      if (fromMs >= toMs) throw new ApiFailure(422, 'InvalidArgument', `"from" (${fromMs}) must be before "to" (${toMs})`);
      const reply = await ask(GetDownsampled, { dataPoint, fromMs, toMs, pixels });
      const timestamps = reply.timestampsMs ?? [];
      const values = reply.values ?? [];
      if (wantsJson(request)) {
        const view: ChartView = { dataPoint, fromMs, toMs, timestampsMs: timestamps, values, sourceEntries: reply.sourceEntries };
        return { status: 200, json: view };
      }
      return { status: 200, bytes: encodeChart(timestamps, values, reply.sourceEntries), contentType: 'application/octet-stream', headers: { 'Cache-Control': 'no-store' } };
    },
  });
}

/** api.ts' layout: uint32 magic, version, n, reserved; float64 source entries; n float64 timestamps; n float64 values (little-endian). */
export function encodeChart(timestamps: readonly number[], values: readonly number[], sourceEntries: number): Uint8Array {
  const n = timestamps.length;
  const buffer = new ArrayBuffer(CHART_HEADER_BYTES + 16 * n);
  const view = new DataView(buffer);
  view.setUint32(0, CHART_MAGIC, true);
  view.setUint32(4, CHART_VERSION, true);
  view.setUint32(8, n, true);
  view.setUint32(12, 0, true);
  view.setFloat64(16, sourceEntries, true);
  const columns = new Float64Array(buffer, CHART_HEADER_BYTES, 2 * n);
  // Float64Array is the platform's byte order; every machine Node runs on here is little-endian.
  columns.set(timestamps, 0);
  columns.set(values, n);
  return new Uint8Array(buffer);
}

function wantsJson(request: ApiRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('application/octet-stream');
}

function timeParam(request: ApiRequest, name: string): number | undefined {
  const text = request.query.get(name);
  if (text === null || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new ApiFailure(422, 'InvalidArgument', `"${name}" is ${JSON.stringify(text)}; it must be ms since the epoch`);
  return value;
}

function listedView(info: DataPointInfo): ListedDataPoint {
  const view: ListedDataPoint = { name: info.name, tags: info.tags ?? [], entryCount: Number(info.entryCount) };
  if (info.unit !== undefined) view.unit = info.unit;
  if (info.description !== undefined) view.description = info.description;
  if (info.firstTimestampMs !== undefined) view.firstTimestampMs = info.firstTimestampMs;
  if (info.lastTimestampMs !== undefined) view.lastTimestampMs = info.lastTimestampMs;
  return view;
}

/** StatisticsReply as JSON: camelCase, counts as numbers. */
function statisticsView(reply: StatisticsReply): StatisticsView {
  return JSON.parse(JSON.stringify(reply, (_key, value: unknown) => (typeof value === 'bigint' ? Number(value) : value))) as StatisticsView;
}

/** Storage's ErrorReply by its code (unknown data point 404, bad span 422); bus failures as usual. */
function failureFromStorage(error: unknown): ApiFailure {
  if (error instanceof RecipientFailureError && error.replyType === ErrorReply.name) {
    let reply: ErrorReply;
    try {
      reply = ErrorReply.decode(error.replyBody);
    } catch {
      return new ApiFailure(502, 'Failed', `storage failed: ${error.message}`);
    }
    const message = reply.message ?? reply.code;
    if (reply.code === 'NotFound') return new ApiFailure(404, 'NotFound', message);
    if (reply.code === 'InvalidArgument') return new ApiFailure(422, 'InvalidArgument', message);
    return new ApiFailure(502, 'Failed', `storage: ${reply.code}: ${message}`);
  }
  return asApiFailure(error);
}
