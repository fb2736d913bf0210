import * as flatbuffers from 'flatbuffers/mjs/flatbuffers.js';
import { Envelope } from '../../schemas/generated/flatc/gridlink/bus/envelope.js';
import { MessageKind } from '../../schemas/generated/flatc/gridlink/bus/message-kind.js';

export { MessageKind };

/** The decoded envelope of one frame; one instance is reused by each receive loop. */
export interface EnvelopeFields {
  kind: MessageKind;
  sender: string;
  target: string;
  type: string;
  correlationId: number;
  timestampMs: number;
  deadlineMs: number;
  batchCount: number;
}

export class MalformedFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedFrameError';
  }
}

const ENVELOPE_VERSION = 1;
/** Field slots of the Envelope table (flatc numbering: 4 + 2 * field index). */
const SLOT = { version: 4, kind: 6, sender: 8, target: 10, type: 12, correlationId: 14, timestampMs: 16, deadlineMs: 18, batchCount: 20, flags: 22, headers: 24 };
const MAX_STRING = 4096;

/**
 * Prebuilt envelope bytes for one (kind, target, type), with the byte offsets
 * of the scalars that change per message. Building a FlatBuffer costs
 * microseconds in JS; copying a template and patching four numbers costs
 * tens of nanoseconds, which is what a bus carrying a million messages a
 * second needs.
 */
export interface EnvelopeTemplate {
  bytes: Uint8Array;
  correlationAt: number;
  timestampAt: number;
  deadlineAt: number;
  batchCountAt: number;
}

export class EnvelopeEncoder {
  private readonly builder = new flatbuffers.Builder(256);
  private readonly templates = new Map<string, EnvelopeTemplate>();

  constructor(private readonly sender: string) {}

  /** The template of (kind, target, type); callers that send often keep it (see fill). */
  template(kind: MessageKind, target: string, type: string): EnvelopeTemplate {
    const key = `${kind}\u0000${target}\u0000${type}`;
    let template = this.templates.get(key);
    if (template === undefined) {
      template = this.build(kind, target, type);
      if (this.templates.size > 4096) this.templates.clear();
      this.templates.set(key, template);
    }
    return template;
  }

  /** A fresh envelope from a template (a pooled slice: envelopes are small, so zeromq.js copies them). */
  fill(template: EnvelopeTemplate, correlationId: number, deadlineMs: number, batchCount: number): Buffer {
    const out = Buffer.allocUnsafe(template.bytes.byteLength);
    out.set(template.bytes);
    out.writeUInt32LE(correlationId >>> 0, template.correlationAt);
    out.writeDoubleLE(Date.now(), template.timestampAt);
    out.writeDoubleLE(deadlineMs, template.deadlineAt);
    out.writeUInt32LE(batchCount >>> 0, template.batchCountAt);
    return out;
  }

  encode(kind: MessageKind, target: string, type: string, correlationId: number, deadlineMs: number, batchCount: number): Buffer {
    return this.fill(this.template(kind, target, type), correlationId, deadlineMs, batchCount);
  }

  private build(kind: MessageKind, target: string, type: string): EnvelopeTemplate {
    const b = this.builder;
    b.clear();
    // clear() resets this flag; every scalar must be present to be patched later.
    b.forceDefaults(true);
    const senderOffset = b.createString(this.sender);
    const targetOffset = b.createString(target);
    const typeOffset = b.createString(type);
    Envelope.startEnvelope(b);
    Envelope.addVersion(b, ENVELOPE_VERSION);
    Envelope.addKind(b, kind);
    Envelope.addSender(b, senderOffset);
    Envelope.addTarget(b, targetOffset);
    Envelope.addType(b, typeOffset);
    Envelope.addCorrelationId(b, 0);
    Envelope.addTimestampMs(b, 0);
    Envelope.addDeadlineMs(b, 0);
    Envelope.addBatchCount(b, 0);
    b.finish(Envelope.endEnvelope(b));
    const bytes = b.asUint8Array().slice();
    const layout = locateFields(bytes);
    const at = (slot: number): number => {
      const offset = layout.fieldOffset(slot);
      if (offset === 0) throw new Error(`envelope template lacks slot ${slot}`);
      return layout.table + offset;
    };
    return {
      bytes,
      correlationAt: at(SLOT.correlationId),
      timestampAt: at(SLOT.timestampMs),
      deadlineAt: at(SLOT.deadlineMs),
      batchCountAt: at(SLOT.batchCount),
    };
  }
}

interface TableLayout {
  table: number;
  fieldOffset(slot: number): number;
}

/** Locates the root table and its vtable, checking every bound; throws MalformedFrameError. */
function locateFields(bytes: Uint8Array): TableLayout {
  const length = bytes.byteLength;
  if (length < 12) throw new MalformedFrameError(`envelope of ${length} bytes is too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const table = view.getUint32(0, true);
  if (table < 4 || table + 4 > length) throw new MalformedFrameError(`envelope root offset ${table} outside ${length} bytes`);
  const vtable = table - view.getInt32(table, true);
  if (vtable < 0 || vtable + 4 > length) throw new MalformedFrameError(`envelope vtable at ${vtable} outside ${length} bytes`);
  const vtableSize = view.getUint16(vtable, true);
  const tableSize = view.getUint16(vtable + 2, true);
  if (vtableSize < 4 || vtableSize % 2 !== 0 || vtable + vtableSize > length || table + tableSize > length) {
    throw new MalformedFrameError('envelope vtable sizes out of bounds');
  }
  return {
    table,
    fieldOffset(slot: number): number {
      if (slot >= vtableSize) return 0;
      const offset = view.getUint16(vtable + slot, true);
      if (offset !== 0 && offset >= tableSize) throw new MalformedFrameError(`envelope field at slot ${slot} outside its table`);
      return offset;
    },
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The last bytes and text of one string field. Consecutive messages from a
 * peer repeat their sender, target and type, so comparing a few bytes saves
 * decoding (and allocating) the same strings again.
 */
class StringCache {
  private bytes: Buffer = Buffer.alloc(0);
  private text = '';

  read(frame: Buffer, table: number, fieldOffset: number, name: string): string {
    if (fieldOffset === 0) return '';
    const at = table + fieldOffset;
    if (at + 4 > frame.byteLength) throw new MalformedFrameError(`envelope ${name} offset truncated`);
    const start = at + frame.readUInt32LE(at);
    if (start + 4 > frame.byteLength) throw new MalformedFrameError(`envelope ${name} outside the frame`);
    const length = frame.readUInt32LE(start);
    if (length > MAX_STRING || start + 4 + length > frame.byteLength) throw new MalformedFrameError(`envelope ${name} of ${length} bytes outside the frame`);
    const bytes = frame.subarray(start + 4, start + 4 + length);
    if (bytes.equals(this.bytes)) return this.text;
    try {
      this.text = utf8.decode(bytes);
    } catch {
      throw new MalformedFrameError(`envelope ${name} is not UTF-8`);
    }
    this.bytes = Buffer.from(bytes);
    return this.text;
  }
}

/**
 * Reads envelopes without trusting a single offset in them: a malformed,
 * truncated or hostile frame gives MalformedFrameError, never a crash, a hang
 * or a huge allocation. One reader per receive loop; it fills and returns
 * one reused EnvelopeFields.
 */
export class EnvelopeReader {
  readonly fields: EnvelopeFields = emptyEnvelope();
  private readonly sender = new StringCache();
  private readonly target = new StringCache();
  private readonly type = new StringCache();
  private frame: Buffer = Buffer.alloc(0);
  private vtable = 0;
  private vtableSize = 0;
  private tableSize = 0;

  /** The offset of a field from the vtable (0: absent); a scalar must lie inside the table. */
  private readonly field = (slot: number, size: number): number => {
    if (slot >= this.vtableSize) return 0;
    const offset = this.frame.readUInt16LE(this.vtable + slot);
    if (offset !== 0 && offset + size > this.tableSize) throw new MalformedFrameError(`envelope field at slot ${slot} outside its table`);
    return offset;
  };

  read(frame: Buffer): EnvelopeFields {
    const length = frame.byteLength;
    if (length < 12) throw new MalformedFrameError(`envelope of ${length} bytes is too short`);
    const table = frame.readUInt32LE(0);
    if (table < 4 || table + 4 > length) throw new MalformedFrameError(`envelope root offset ${table} outside ${length} bytes`);
    const vtable = table - frame.readInt32LE(table);
    if (vtable < 0 || vtable + 4 > length) throw new MalformedFrameError(`envelope vtable at ${vtable} outside ${length} bytes`);
    const vtableSize = frame.readUInt16LE(vtable);
    const tableSize = frame.readUInt16LE(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0 || vtable + vtableSize > length || table + tableSize > length) {
      throw new MalformedFrameError('envelope vtable sizes out of bounds');
    }
    this.frame = frame;
    this.vtable = vtable;
    this.vtableSize = vtableSize;
    this.tableSize = tableSize;
    const field = this.field;
    const out = this.fields;
    let o = field(SLOT.version, 1);
    const version = o === 0 ? ENVELOPE_VERSION : frame[table + o];
    if (version !== ENVELOPE_VERSION) throw new MalformedFrameError(`envelope version ${version} (this bus speaks ${ENVELOPE_VERSION})`);
    o = field(SLOT.kind, 1);
    const kind = o === 0 ? 0 : frame[table + o];
    if (kind > MessageKind.Control) throw new MalformedFrameError(`unknown message kind ${kind}`);
    out.kind = kind as MessageKind;
    out.sender = this.sender.read(frame, table, field(SLOT.sender, 4), 'sender');
    out.target = this.target.read(frame, table, field(SLOT.target, 4), 'target');
    out.type = this.type.read(frame, table, field(SLOT.type, 4), 'type');
    o = field(SLOT.correlationId, 4);
    out.correlationId = o === 0 ? 0 : frame.readUInt32LE(table + o);
    o = field(SLOT.timestampMs, 8);
    out.timestampMs = o === 0 ? 0 : frame.readDoubleLE(table + o);
    o = field(SLOT.deadlineMs, 8);
    out.deadlineMs = o === 0 ? 0 : frame.readDoubleLE(table + o);
    o = field(SLOT.batchCount, 4);
    out.batchCount = o === 0 ? 0 : frame.readUInt32LE(table + o);
    if (out.type === '') throw new MalformedFrameError('envelope without a message type');
    return out;
  }
}

/** Reads one envelope (tools and tests; receive loops keep an EnvelopeReader). */
export function readEnvelope(bytes: Uint8Array): EnvelopeFields {
  const frame = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { ...new EnvelopeReader().read(frame) };
}

export function emptyEnvelope(): EnvelopeFields {
  return { kind: MessageKind.Publish, sender: '', target: '', type: '', correlationId: 0, timestampMs: 0, deadlineMs: 0, batchCount: 0 };
}
