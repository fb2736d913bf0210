import { describe, expect, it } from 'vitest';
import { SchemaError } from '../../core/schema/errors.js';
import * as m from '../../schemas/generated/messages.js';

function schemaError(run: () => unknown): SchemaError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(SchemaError);
    return e as SchemaError;
  }
  throw new Error('expected a SchemaError');
}

describe('fromJson errors say what and where', () => {
  it.each([
    ['a wrong scalar', () => m.AddEntry.fromJson({ data_point: 'm.u1', value: 'abc' }), 'gridlink.storage.AddEntry.value: expected a number, got "abc"'],
    ['a missing required field', () => m.AddEntry.fromJson({ value: 1 }), 'gridlink.storage.AddEntry.data_point: required field is missing'],
    ['a null required field', () => m.AddEntry.fromJson({ data_point: null }), 'gridlink.storage.AddEntry.data_point: required field is missing'],
    ['an unknown field', () => m.AddEntry.fromJson({ data_point: 'x', timestamp: 1 }), 'gridlink.storage.AddEntry.timestamp: unknown field of gridlink.storage.AddEntry'],
    ['a camelCase name (JSON uses schema names)', () => m.AddEntry.fromJson({ dataPoint: 'x' }), 'gridlink.storage.AddEntry.dataPoint: unknown field of gridlink.storage.AddEntry'],
    ['a root that is not an object', () => m.AddEntry.fromJson([1]), 'gridlink.storage.AddEntry: expected an object, got an array'],
    ['a nested vector element', () => m.Hello.fromJson({ record: { roles: [{ name: 'a' }, { request_types: ['ok', 5] }] } }), 'gridlink.bus.Hello.record.roles[1].request_types[1]: expected a string, got 5'],
    ['a bad enum name', () => m.ModuleRecord.fromJson({ state: 'Sleeping' }), 'gridlink.bus.ModuleRecord.state: expected one of "Unknown", "Starting", "Running", "Stopping", "Failed" (gridlink.bus.ModuleState), got "Sleeping"'],
    ['an integer out of range', () => m.ModuleRecord.fromJson({ pid: -1 }), 'gridlink.bus.ModuleRecord.pid: expected an integer from 0 to 4294967295, got -1'],
    ['a fractional integer', () => m.GetEntriesOfTimeSpan.fromJson({ data_point: 'x', limit: 1.5 }), 'gridlink.storage.GetEntriesOfTimeSpan.limit: expected an integer from 0 to 4294967295, got 1.5'],
    ['an imprecise 64-bit number', () => m.Heartbeat.fromJson({ incarnation: 2 ** 60 }), 'gridlink.bus.Heartbeat.incarnation: 1152921504606847000 is beyond 2^53 and may have lost precision; pass it as a decimal string'],
    ['a negative uint64', () => m.Heartbeat.fromJson({ incarnation: '-1' }), 'gridlink.bus.Heartbeat.incarnation: expected an integer from 0 to 18446744073709551615, got -1n'],
    ['a non-numeric 64-bit string', () => m.Heartbeat.fromJson({ incarnation: '12a' }), 'gridlink.bus.Heartbeat.incarnation: expected an integer (number or decimal string), got "12a"'],
    ['a bool given as a string', () => m.ShutdownRequest.fromJson({ force: 'yes' }), 'gridlink.bus.ShutdownRequest.force: expected true or false, got "yes"'],
    ['a struct missing a field', () => m.StatisticsReply.fromJson({ data_point: 'x', confidence_95: { low: 1 } }), 'gridlink.storage.StatisticsReply.confidence_95.high: struct field is missing'],
    ['a struct with an unknown field', () => m.MostRecentEntryReply.fromJson({ data_point: 'x', entry: { timestamp_ms: 1, value: 2, quality: 3 } }), 'gridlink.storage.MostRecentEntryReply.entry.quality: unknown field of gridlink.storage.Entry'],
    ['a vector element of a struct vector', () => m.EntriesReply.fromJson({ data_point: 'x', entries: [{ timestamp_ms: 1, value: 2 }, { timestamp_ms: 'late', value: 2 }] }), 'gridlink.storage.EntriesReply.entries[1].timestamp_ms: expected a number, got "late"'],
    ['a null vector element', () => m.TagsReply.fromJson({ tags: ['a', null] }), 'gridlink.storage.TagsReply.tags[1]: expected a value, got null'],
    ['an unknown union member', () => m.Control.fromJson({ body_type: 'Goodbye', body: {} }), 'gridlink.bus.Control.body_type: expected one of "Hello", "RegistryDelta", "ResyncRequest", "Leave", "Heartbeat" (gridlink.bus.ControlBody), got "Goodbye"'],
    ['a union value without its type', () => m.Control.fromJson({ body: { id: 'x' } }), 'gridlink.bus.Control.body: has a value but no "body_type"'],
    ['a union type without its value', () => m.Control.fromJson({ body_type: 'Leave' }), 'gridlink.bus.Control.body: "body_type" is Leave but the value is missing'],
    ['a field inside a union member', () => m.Control.fromJson({ body_type: 'Leave', body: { id: 7 } }), 'gridlink.bus.Control.body.id: expected a string, got 7'],
    ['a lone surrogate', () => m.GetTags.fromJson({ data_point: 'a\uD800b' }), 'gridlink.storage.GetTags.data_point: string contains a lone surrogate (not representable in UTF-8)'],
  ])('%s', (_what, run, message) => {
    const e = schemaError(run);
    expect(e.message).toBe(message);
    expect(message.startsWith(`${e.path}: `)).toBe(true);
    expect(e.reason).toBe(message.slice(e.path.length + 2));
  });
});

describe('the JSON mapping', () => {
  it('uses schema field names, JSON-safe 64-bit integers, enum names and special floats', () => {
    const json = m.StatisticsReply.toJson({
      dataPoint: 'meterA.u1',
      count: 2n ** 60n,
      mean: Number.NaN,
      min: -Infinity,
      max: Infinity,
      histogram: { binEdges: [0, 1], counts: [5n], below: 0n, above: 1n },
      confidence95: { low: 1, high: 2 },
    });
    expect(json).toEqual({
      data_point: 'meterA.u1',
      count: '1152921504606846976',
      min: '-Infinity',
      max: 'Infinity',
      mean: 'NaN',
      histogram: { bin_edges: [0, 1], counts: [5], below: 0, above: 1 },
      confidence_95: { low: 1, high: 2 },
    });
    expect(m.StatisticsReply.fromJson(JSON.parse(JSON.stringify(json)))).toEqual({
      dataPoint: 'meterA.u1',
      count: 2n ** 60n,
      mean: Number.NaN,
      min: -Infinity,
      max: Infinity,
      histogram: { binEdges: [0, 1], counts: [5n], below: 0n, above: 1n },
      confidence95: { low: 1, high: 2 },
    });
  });

  it('accepts the forms flatc writes: numeric enums, "nan"/"inf", byte arrays, union type 0', () => {
    expect(m.ModuleRecord.fromJson({ state: 2 })).toMatchObject({ state: 'Running' });
    expect(m.AddEntry.fromJson({ data_point: 'x', value: 'nan', timestamp_ms: '-inf' })).toEqual({
      dataPoint: 'x',
      value: Number.NaN,
      timestampMs: -Infinity,
    });
    expect(m.Control.fromJson({ body_type: 'NONE' })).toEqual({});
    expect(m.Control.fromJson({ body_type: 0 })).toEqual({});
    expect(m.Heartbeat.fromJson({ incarnation: '18446744073709551615', seq: 1 })).toEqual({
      incarnation: 18446744073709551615n,
      seq: 1,
    });
  });

  it('treats null as absent for optional fields and fills scalar defaults', () => {
    expect(m.GetStatistics.fromJson({ data_point: 'd', from_ms: null, histogram_min: 0 })).toEqual({
      dataPoint: 'd',
      histogramBins: 10,
      histogramMin: 0,
    });
  });

  it('reports a wrong value passed to toJson', () => {
    const bad = { dataPoint: 'x', timestampMs: '1', value: 1 } as unknown as m.AddEntry;
    expect(() => m.AddEntry.toJson(bad)).toThrowError('gridlink.storage.AddEntry.timestamp_ms: expected a number, got "1"');
  });
});
