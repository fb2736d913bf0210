import { describe, expect, it } from 'vitest';
import { ByteBuffer, Builder } from 'flatbuffers/mjs/flatbuffers.js';
import { fieldPropertyName, shortName } from '../../core/schema/descriptor.js';
import type { TypeDescriptor } from '../../core/schema/descriptor.js';
import { isRequestType, tableDescriptorOf } from '../../core/schema/schema.js';
import { messageTypeByName, verifyMessage } from '../../core/schema/registry.js';
import { MalformedMessageError } from '../../core/schema/errors.js';
import * as messages from '../../schemas/generated/messages.js';
import * as busFlat from '../../schemas/generated/flatc/bus_generated.js';
import * as storageFlat from '../../schemas/generated/flatc/storage_generated.js';
import * as supervisorFlat from '../../schemas/generated/flatc/supervisor_generated.js';
import * as provisioningFlat from '../../schemas/generated/flatc/provisioning_generated.js';
import * as gridFlat from '../../schemas/generated/flatc/grid_generated.js';
import * as fieldFlat from '../../schemas/generated/flatc/field_generated.js';
import * as alarmsFlat from '../../schemas/generated/flatc/alarms_generated.js';
import { Envelope as FlatEnvelope } from '../../schemas/generated/flatc/gridlink/bus/envelope.js';
import { Header as FlatHeader } from '../../schemas/generated/flatc/gridlink/bus/header.js';
import { MessageKind as FlatMessageKind } from '../../schemas/generated/flatc/gridlink/bus/message-kind.js';
import { ModuleRecord as FlatModuleRecord } from '../../schemas/generated/flatc/gridlink/bus/module-record.js';
import { RoleRecord as FlatRoleRecord } from '../../schemas/generated/flatc/gridlink/bus/role-record.js';
import { ModuleState as FlatModuleState } from '../../schemas/generated/flatc/gridlink/bus/module-state.js';
import { AddEntry as FlatAddEntry } from '../../schemas/generated/flatc/gridlink/storage/add-entry.js';
import { Rng, sampleTable } from './samples.js';

const { schema, allMessageTypes } = messages;
const flatClasses: Record<string, unknown> = { ...busFlat, ...storageFlat, ...supervisorFlat, ...provisioningFlat, ...gridFlat, ...fieldFlat, ...alarmsFlat };

/** A flatc-generated accessor object, seen generically. */
type FlatObject = Record<string, (...args: unknown[]) => unknown>;

function flatRoot(typeName: string, bytes: Uint8Array): FlatObject {
  const short = shortName(typeName);
  const cls = flatClasses[short] as Record<string, (bb: ByteBuffer) => FlatObject> | undefined;
  const getRoot = cls?.[`getRootAs${short}`];
  if (!getRoot) throw new Error(`no flatc class for ${typeName}`);
  return getRoot.call(cls, new ByteBuffer(bytes));
}

function newFlat(typeName: string): unknown {
  const cls = flatClasses[shortName(typeName)] as (new () => unknown) | undefined;
  if (!cls) throw new Error(`no flatc class for ${typeName}`);
  return new cls();
}

function enumNumber(enumName: string, valueName: unknown): number {
  const e = schema.enum(enumName)!;
  return e.values.find((v) => v.name === valueName)!.value;
}

/**
 * Compares what flatc's generated reader sees in a buffer with the value the
 * codec encoded into it, field by field, recursively.
 */
function expectFlatReads(tableName: string, flat: FlatObject, value: Record<string, unknown>, path: string): void {
  const table = schema.table(tableName)!;
  for (const f of table.fields) {
    if (f.deprecated) continue;
    const js = fieldPropertyName(f.name);
    const where = `${path}.${f.name}`;
    const v = value[js];
    const t = f.type;
    if (t.kind === 'union') {
      const code = flat[`${js}Type`]!.call(flat) as number;
      if (v === undefined) {
        expect(code, where).toBe(0);
        continue;
      }
      const u = v as { type: string; value: Record<string, unknown> };
      const member = schema.union(t.name)!.members.find((m) => m.name === u.type)!;
      expect(code, where).toBe(member.value);
      const inner = flat[js]!.call(flat, newFlat(member.table)) as FlatObject;
      expectFlatReads(member.table, inner, u.value, where);
      continue;
    }
    if (t.kind === 'vector') {
      const len = flat[`${js}Length`]!.call(flat) as number;
      const items = (v ?? []) as ArrayLike<unknown>;
      expect(len, where).toBe(items.length);
      if (t.element.kind === 'scalar' && t.element.scalar === 'uint8') {
        const arr = flat[`${js}Array`]!.call(flat) as Uint8Array | null;
        expect(arr === null ? new Uint8Array(0) : new Uint8Array(arr), where).toEqual(v ?? new Uint8Array(0));
        continue;
      }
      for (let i = 0; i < len; i++) {
        const got = flat[js]!.call(flat, i);
        expectElement(t.element, got, (items as unknown[])[i], `${where}[${i}]`);
      }
      continue;
    }
    const got = flat[js]!.call(flat);
    if (v === undefined) {
      if (t.kind === 'scalar' || t.kind === 'enum') {
        expect(got, where).toBeNull();
      } else {
        expect(got, where).toBeNull();
      }
      continue;
    }
    expectElement(t, got, v, where);
  }
}

function expectElement(t: TypeDescriptor, got: unknown, v: unknown, where: string): void {
  switch (t.kind) {
    case 'scalar':
    case 'string':
      expect(got, where).toEqual(v);
      return;
    case 'enum':
      expect(got, where).toBe(enumNumber(t.name, v));
      return;
    case 'struct': {
      const s = schema.struct(t.name)!;
      const obj = got as FlatObject;
      for (const f of s.fields) {
        const js = fieldPropertyName(f.name);
        expectElement(f.type, obj[js]!.call(obj), (v as Record<string, unknown>)[js], `${where}.${f.name}`);
      }
      return;
    }
    case 'table':
      expectFlatReads(t.name, got as FlatObject, v as Record<string, unknown>, where);
      return;
    default:
      throw new Error(`unexpected ${t.kind} at ${where}`);
  }
}

describe('generated message types', () => {
  it('cover every table of every schema, each with a flatc class', () => {
    const names = [...allMessageTypes.keys()];
    expect(names).toEqual([...names].sort());
    expect(names.length).toBe(schema.source.tables.length);
    for (const name of names) {
      expect(messageTypeByName(name)).toBe(allMessageTypes.get(name));
      expect(allMessageTypes.get(name)!.name).toBe(name);
      expect(typeof newFlat(name)).toBe('object');
    }
    const storageRequests: Record<string, string> = {
      CreateDataPoint: 'SuccessReply',
      ExistsDataPoint: 'ExistsDataPointReply',
      GetDataPoints: 'DataPointsReply',
      GetTags: 'TagsReply',
      UpdateTags: 'TagsReply',
      AddEntry: 'SuccessReply',
      GetMostRecentEntry: 'MostRecentEntryReply',
      GetEntriesOfTimeSpan: 'EntriesReply',
      GetStatistics: 'StatisticsReply',
      GetTopology: 'TopologyReply',
      SaveDataPointsCSV: 'SaveDataPointsCSVReply',
      PutTopology: 'SuccessReply',
    };
    for (const [request, reply] of Object.entries(storageRequests)) {
      const type = allMessageTypes.get(`gridlink.storage.${request}`)!;
      expect(isRequestType(type), request).toBe(true);
      if (isRequestType(type)) expect(type.reply).toBe(allMessageTypes.get(`gridlink.storage.${reply}`));
    }
    expect(messages.ShutdownRequest.reply).toBe(messages.ShutdownReply);
    expect(messages.AddEntry.reply).toBe(messages.SuccessReply);
    expect(isRequestType(messages.SuccessReply)).toBe(false);
    for (const event of ['MeasurementEvent', 'DataPointCreated', 'EntryAdded', 'TagsChanged', 'ErrorReply']) {
      expect(allMessageTypes.has(`gridlink.storage.${event}`), event).toBe(true);
    }
    expect(messageTypeByName('gridlink.storage.Nope')).toBeUndefined();
  });

  it('round-trip sample values of every type through bytes and through JSON', () => {
    const rng = new Rng(20261128);
    let checked = 0;
    for (const [name, type] of allMessageTypes) {
      expect(tableDescriptorOf(type)?.name).toBe(name);
      for (let k = 0; k < 25; k++) {
        const value = sampleTable(schema, name, rng, { full: k === 0, maxDepth: 3, specialFloats: true });
        const bytes = type.encode(value);
        expect(type.decode(bytes), name).toEqual(value);
        // toJson output survives JSON text.
        const json: unknown = JSON.parse(JSON.stringify(type.toJson(value)));
        expect(type.fromJson(json), name).toEqual(value);
        expect(verifyMessage(name, bytes).ok).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(allMessageTypes.size * 25);
  });

  it('write buffers that flatc-generated readers read back field by field, for every type', () => {
    const rng = new Rng(7);
    for (const [name, type] of allMessageTypes) {
      for (let k = 0; k < 10; k++) {
        const value = sampleTable(schema, name, rng, { full: k < 2, maxDepth: 3, specialFloats: false });
        const bytes = type.encode(value);
        expectFlatReads(name, flatRoot(name, bytes), value, name);
      }
    }
  });

  it('encode Envelope, ModuleRecord and AddEntry as the flatc classes see them', () => {
    const envelope: messages.Envelope = {
      version: 1,
      kind: 'Request',
      sender: '0123456789abcdef0123456789abcdef',
      target: 'storage',
      type: 'gridlink.storage.AddEntry',
      correlationId: 4294967295,
      timestampMs: 1764288000123.25,
      deadlineMs: 1764288005123.25,
      batchCount: 0,
      flags: 1,
      headers: [{ key: 'trace', value: 'abc' }],
    };
    const e = FlatEnvelope.getRootAsEnvelope(new ByteBuffer(messages.Envelope.encode(envelope)));
    expect(e.kind()).toBe(FlatMessageKind.Request);
    expect(e.sender()).toBe(envelope.sender);
    expect(e.type()).toBe('gridlink.storage.AddEntry');
    expect(e.correlationId()).toBe(4294967295);
    expect(e.timestampMs()).toBe(1764288000123.25);
    expect(e.flags()).toBe(1);
    expect(e.headers(0)?.key()).toBe('trace');
    expect(e.version()).toBe(1);

    const entry = FlatAddEntry.getRootAsAddEntry(
      new ByteBuffer(messages.AddEntry.encode({ dataPoint: 'meterA.u1', timestampMs: 1.5, value: -230.75 })),
    );
    expect([entry.dataPoint(), entry.timestampMs(), entry.value()]).toEqual(['meterA.u1', 1.5, -230.75]);

    const record = FlatModuleRecord.getRootAsModuleRecord(
      new ByteBuffer(
        messages.ModuleRecord.encode({
          id: 'm1',
          incarnation: 2n ** 64n - 1n,
          pid: 4242,
          state: 'Stopping',
          seq: 9,
          roles: [{ name: 'storage', requestTypes: ['gridlink.storage.AddEntry', 'gridlink.storage.GetTags'] }],
        }),
      ),
    );
    expect(record.incarnation()).toBe(2n ** 64n - 1n);
    expect(record.state()).toBe(FlatModuleState.Stopping);
    expect(record.roles(0)?.requestTypes(1)).toBe('gridlink.storage.GetTags');
    expect(record.name()).toBeNull();
  });

  it('decode buffers built with the flatc-generated builders', () => {
    const b = new Builder(64);
    const key = b.createString('k');
    const val = b.createString('v');
    const header = FlatHeader.createHeader(b, key, val);
    const headers = FlatEnvelope.createHeadersVector(b, [header]);
    const sender = b.createString('peer');
    const type = b.createString('gridlink.bus.Hello');
    FlatEnvelope.startEnvelope(b);
    FlatEnvelope.addVersion(b, 2);
    FlatEnvelope.addKind(b, FlatMessageKind.Control);
    FlatEnvelope.addSender(b, sender);
    FlatEnvelope.addType(b, type);
    FlatEnvelope.addCorrelationId(b, 77);
    FlatEnvelope.addTimestampMs(b, 12.5);
    FlatEnvelope.addHeaders(b, headers);
    b.finish(FlatEnvelope.endEnvelope(b));
    expect(messages.Envelope.decode(b.asUint8Array())).toEqual({
      version: 2,
      kind: 'Control',
      sender: 'peer',
      type: 'gridlink.bus.Hello',
      correlationId: 77,
      timestampMs: 12.5,
      deadlineMs: 0,
      batchCount: 0,
      flags: 0,
      headers: [{ key: 'k', value: 'v' }],
    });

    const b2 = new Builder(64);
    const roleName = b2.createString('storage');
    const types = FlatRoleRecord.createRequestTypesVector(b2, [b2.createString('gridlink.storage.AddEntry')]);
    const role = FlatRoleRecord.createRoleRecord(b2, roleName, types);
    const roles = FlatModuleRecord.createRolesVector(b2, [role]);
    const id = b2.createString('id1');
    FlatModuleRecord.startModuleRecord(b2);
    FlatModuleRecord.addId(b2, id);
    FlatModuleRecord.addIncarnation(b2, 123456789012345678n);
    FlatModuleRecord.addRoles(b2, roles);
    FlatModuleRecord.addState(b2, FlatModuleState.Running);
    b2.finish(FlatModuleRecord.endModuleRecord(b2));
    expect(messages.ModuleRecord.decode(b2.asUint8Array())).toEqual({
      id: 'id1',
      incarnation: 123456789012345678n,
      pid: 0,
      roles: [{ name: 'storage', requestTypes: ['gridlink.storage.AddEntry'] }],
      state: 'Running',
      seq: 0,
    });

    const b3 = new Builder(64);
    const dp = b3.createString('meterB.i2');
    b3.finish(FlatAddEntry.createAddEntry(b3, dp, 1700000000000.5, 42));
    expect(messages.AddEntry.decode(b3.asUint8Array())).toEqual({ dataPoint: 'meterB.i2', timestampMs: 1700000000000.5, value: 42 });
  });

  it('keep absent optional fields absent and present defaults explicit', () => {
    const reply = messages.StatisticsReply.decode(messages.StatisticsReply.encode({ dataPoint: 'd', count: 0n }));
    expect(reply).toEqual({ dataPoint: 'd', count: 0n });
    expect('mean' in reply).toBe(false);
    const withZero = messages.StatisticsReply.decode(messages.StatisticsReply.encode({ dataPoint: 'd', count: 1n, mean: 0, variance: -0 }));
    expect(withZero.mean).toBe(0);
    expect(Object.is(withZero.variance, -0)).toBe(true);
    const q = messages.GetStatistics.decode(messages.GetStatistics.encode({ dataPoint: 'd', histogramBins: 10 }));
    expect(q.histogramBins).toBe(10);
    expect(messages.GetStatistics.encode({ dataPoint: 'd', histogramBins: 10 }).length).toBeLessThan(
      messages.GetStatistics.encode({ dataPoint: 'd', histogramBins: 11 }).length,
    );
    expect(messages.GetDataPoints.fromJson({})).toEqual({ match: 'Any' });
  });

  it('encode a union and show it in JSON the way flatc does', () => {
    const control: messages.Control = { body: { type: 'Heartbeat', value: { id: 'p1', incarnation: 5n, seq: 3 } } };
    const bytes = messages.Control.encode(control);
    expect(messages.Control.decode(bytes)).toEqual(control);
    expect(messages.Control.toJson(control)).toEqual({ body_type: 'Heartbeat', body: { id: 'p1', incarnation: 5, seq: 3 } });
    expect(messages.Control.decode(messages.Control.encode({}))).toEqual({});
  });

  it('decode Node Buffers (as zeromq delivers them) into plain, independent values', () => {
    const bytes = messages.ConfigChanged.encode({ module: 'm', configJson: '{}', revision: 3 });
    const pooled = Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(bytes)]).subarray(3);
    expect(messages.ConfigChanged.decode(pooled)).toEqual({ module: 'm', configJson: '{}', revision: 3 });
    const beacon = { id: 'b', incarnation: 1n, routerPort: 1, pubPort: 2, seq: 0, leaving: false };
    expect(messages.Beacon.decode(Buffer.from(messages.Beacon.encode(beacon)))).toEqual(beacon);
  });

  it('give every decoded value its own memory', () => {
    const bytes = messages.GetTags.encode({ dataPoint: 'a.b' });
    const before = messages.GetTags.decode(bytes);
    bytes.fill(0);
    expect(before).toEqual({ dataPoint: 'a.b' });
    expect(() => messages.GetTags.decode(bytes)).toThrow(MalformedMessageError);
  });
});
