// Requests about data points and their tags: CreateDataPoint, ExistsDataPoint, GetDataPoints,
// GetTags, UpdateTags. Creating a data point and changing its tags are announced to observers.

import { StoreError, type TagMatch as StoreTagMatch, type TagUpdateMode as StoreTagUpdateMode } from '../../core/storacle/store/api.js';
import type {
  CreateDataPoint,
  DataPointsReply,
  ExistsDataPoint,
  ExistsDataPointReply,
  GetDataPoints,
  GetTags,
  SuccessReply,
  TagMatch,
  TagsReply,
  TagUpdateMode,
  UpdateTags,
} from '../../schemas/generated/messages.js';
import { checkDataPointName, checkTags } from './request-checks.js';
import { toDataPointInfo, type StorageContext } from './storage-context.js';

const MAX_UNIT_LENGTH = 50;
const MAX_DESCRIPTION_LENGTH = 2000;

export function tagMatch(match: TagMatch | undefined): StoreTagMatch {
  return match === 'All' ? 'all' : 'any';
}

const UPDATE_MODES: Record<TagUpdateMode, StoreTagUpdateMode> = { Add: 'add', Remove: 'remove', Replace: 'replace' };

/** Free text fields: bounded, and without control characters other than tab and line breaks. */
function checkText(value: string | undefined, field: string, max: number, dataPoint: string): string | undefined {
  if (value === undefined) return undefined;
  if (value.length > max) throw new StoreError('InvalidArgument', `${field} is ${value.length} characters long; at most ${max}`, dataPoint);
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) throw new StoreError('InvalidArgument', `${field} contains a control character`, dataPoint);
  return value;
}

/** Throws NotFound unless the data point exists. */
export function requireDataPoint(context: StorageContext, dataPoint: string): void {
  checkDataPointName(dataPoint);
  if (!context.store().exists(dataPoint)) throw new StoreError('NotFound', `no data point ${dataPoint}`, dataPoint);
}

export class DataPointRequests {
  constructor(private readonly context: StorageContext) {}

  create(request: CreateDataPoint): SuccessReply {
    const name = request.dataPoint;
    checkDataPointName(name);
    const tags = checkTags(request.tags, name);
    const unit = checkText(request.unit, 'unit', MAX_UNIT_LENGTH, name);
    const description = checkText(request.description, 'description', MAX_DESCRIPTION_LENGTH, name);
    const store = this.context.store();
    if (store.exists(name)) {
      if (!request.existOk) throw new StoreError('AlreadyExists', `data point ${name} exists already (set exist_ok to accept that)`, name);
      return { message: 'already existed' };
    }
    const options: { tags: string[]; unit?: string; description?: string } = { tags };
    if (unit !== undefined) options.unit = unit;
    if (description !== undefined) options.description = description;
    const { created, info } = store.createDataPoint(name, options, request.existOk);
    if (!created) return { message: 'already existed' };
    this.context.events.created(info);
    this.context.log.info('data point created', { dataPoint: name, tags: info.tags.join(',') });
    return { message: 'created' };
  }

  exists(request: ExistsDataPoint): ExistsDataPointReply {
    // Any string may be asked about; a name that could never exist simply does not.
    return { dataPoint: request.dataPoint, exists: this.context.store().exists(request.dataPoint) };
  }

  list(request: GetDataPoints): DataPointsReply {
    const tags = checkTags(request.tags);
    return { dataPoints: this.context.store().dataPoints(tags, tagMatch(request.match)).map(toDataPointInfo) };
  }

  tags(request: GetTags): TagsReply {
    if (request.dataPoint === undefined) return { tags: this.context.store().tags() };
    requireDataPoint(this.context, request.dataPoint);
    return { dataPoint: request.dataPoint, tags: this.context.store().tags(request.dataPoint) };
  }

  updateTags(request: UpdateTags): TagsReply {
    const name = request.dataPoint;
    requireDataPoint(this.context, name);
    const tags = checkTags(request.tags, name);
    const change = this.context.store().updateTags(name, tags, UPDATE_MODES[request.mode] ?? 'add');
    this.context.events.tagsChanged(name, change);
    return { dataPoint: name, tags: change.tags };
  }
}
