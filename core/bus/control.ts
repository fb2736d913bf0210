import * as flatbuffers from 'flatbuffers/mjs/flatbuffers.js';
import { BusError as BusErrorTable } from '../../schemas/generated/flatc/gridlink/bus/bus-error.js';
import { ControlBody } from '../../schemas/generated/flatc/gridlink/bus/control-body.js';
import { Control } from '../../schemas/generated/flatc/gridlink/bus/control.js';
import { ErrorCode } from '../../schemas/generated/flatc/gridlink/bus/error-code.js';
import { Heartbeat } from '../../schemas/generated/flatc/gridlink/bus/heartbeat.js';
import { Hello } from '../../schemas/generated/flatc/gridlink/bus/hello.js';
import { Leave } from '../../schemas/generated/flatc/gridlink/bus/leave.js';
import { ModuleRecord as ModuleRecordTable } from '../../schemas/generated/flatc/gridlink/bus/module-record.js';
import { ModuleState } from '../../schemas/generated/flatc/gridlink/bus/module-state.js';
import { RegistryDelta } from '../../schemas/generated/flatc/gridlink/bus/registry-delta.js';
import { ResyncRequest } from '../../schemas/generated/flatc/gridlink/bus/resync-request.js';
import { RoleRecord } from '../../schemas/generated/flatc/gridlink/bus/role-record.js';
import { verifyMessage } from '../schema/index.js';
import { MalformedFrameError } from './envelope.js';
import type { ModuleRecord, ModuleStateName, RoleEntry } from './registry.js';

export type ControlMessage =
  | { kind: 'hello'; record: ModuleRecord; replyWanted: boolean }
  | { kind: 'delta'; id: string; incarnation: bigint; seq: number; state?: ModuleStateName; roles?: readonly RoleEntry[]; topics?: readonly string[] }
  | { kind: 'resync'; id: string; haveSeq: number }
  | { kind: 'leave'; id: string; incarnation: bigint; reason: string }
  | { kind: 'heartbeat'; id: string; incarnation: bigint; seq: number };

const STATES: ModuleStateName[] = ['unknown', 'starting', 'running', 'stopping', 'failed'];
const CONTROL_TYPE = 'gridlink.bus.Control';

function stateOf(name: ModuleStateName | undefined): ModuleState {
  return name === undefined ? ModuleState.Unknown : (STATES.indexOf(name) as ModuleState);
}

/**
 * Encodes and decodes the Control messages peers exchange about the
 * registry (Hello, RegistryDelta, ResyncRequest, Leave, Heartbeat). Every
 * received buffer is verified against the schema before the flatc reader,
 * which trusts offsets, touches it.
 */
export class ControlCodec {
  readonly typeName = CONTROL_TYPE;
  private readonly builder = new flatbuffers.Builder(1024);

  encode(message: ControlMessage): Uint8Array {
    const b = this.builder;
    b.clear();
    let type: ControlBody;
    let body: flatbuffers.Offset;
    switch (message.kind) {
      case 'hello': {
        const record = this.writeRecord(message.record);
        body = Hello.createHello(b, record, message.replyWanted);
        type = ControlBody.Hello;
        break;
      }
      case 'delta': {
        const id = b.createString(message.id);
        const roles = message.roles ? this.writeRoles(message.roles) : 0;
        const topics = message.topics ? this.writeStrings(message.topics) : 0;
        RegistryDelta.startRegistryDelta(b);
        RegistryDelta.addId(b, id);
        RegistryDelta.addIncarnation(b, message.incarnation);
        RegistryDelta.addSeq(b, message.seq);
        RegistryDelta.addState(b, stateOf(message.state));
        if (roles) RegistryDelta.addRoles(b, roles);
        if (topics) RegistryDelta.addTopics(b, topics);
        body = RegistryDelta.endRegistryDelta(b);
        type = ControlBody.RegistryDelta;
        break;
      }
      case 'resync':
        body = ResyncRequest.createResyncRequest(b, b.createString(message.id), message.haveSeq);
        type = ControlBody.ResyncRequest;
        break;
      case 'leave':
        body = Leave.createLeave(b, b.createString(message.id), message.incarnation, b.createString(message.reason));
        type = ControlBody.Leave;
        break;
      case 'heartbeat':
        body = Heartbeat.createHeartbeat(b, b.createString(message.id), message.incarnation, message.seq);
        type = ControlBody.Heartbeat;
        break;
    }
    b.finish(Control.createControl(b, type, body));
    return b.asUint8Array().slice();
  }

  decode(bytes: Uint8Array): ControlMessage {
    const verified = verifyMessage(CONTROL_TYPE, bytes);
    if (!verified.ok) throw new MalformedFrameError(`control message: ${verified.error.message}`);
    const control = Control.getRootAsControl(new flatbuffers.ByteBuffer(bytes));
    switch (control.bodyType()) {
      case ControlBody.Hello: {
        const hello = control.body(new Hello()) as Hello | null;
        const record = hello?.record();
        if (!record) throw new MalformedFrameError('Hello without a record');
        return { kind: 'hello', record: this.readRecord(record), replyWanted: hello!.replyWanted() };
      }
      case ControlBody.RegistryDelta: {
        const delta = control.body(new RegistryDelta()) as RegistryDelta;
        const state = delta.state();
        const hasRoles = delta.bb!.__offset(delta.bb_pos, 12) !== 0;
        const hasTopics = delta.bb!.__offset(delta.bb_pos, 14) !== 0;
        return {
          kind: 'delta',
          id: requireId(delta.id()),
          incarnation: delta.incarnation(),
          seq: delta.seq(),
          state: state === ModuleState.Unknown ? undefined : (STATES[state] ?? undefined),
          roles: hasRoles ? readRoles(delta.rolesLength(), (i) => delta.roles(i)) : undefined,
          topics: hasTopics ? readStrings(delta.topicsLength(), (i) => delta.topics(i)) : undefined,
        };
      }
      case ControlBody.ResyncRequest: {
        const resync = control.body(new ResyncRequest()) as ResyncRequest;
        return { kind: 'resync', id: requireId(resync.id()), haveSeq: resync.haveSeq() };
      }
      case ControlBody.Leave: {
        const leave = control.body(new Leave()) as Leave;
        return { kind: 'leave', id: requireId(leave.id()), incarnation: leave.incarnation(), reason: leave.reason() ?? '' };
      }
      case ControlBody.Heartbeat: {
        const beat = control.body(new Heartbeat()) as Heartbeat;
        return { kind: 'heartbeat', id: requireId(beat.id()), incarnation: beat.incarnation(), seq: beat.seq() };
      }
      default:
        throw new MalformedFrameError(`unknown control message ${control.bodyType()}`);
    }
  }

  encodeBusError(code: 'UnknownType' | 'RecipientFailure', message: string, origin: string): Uint8Array {
    const b = this.builder;
    b.clear();
    const errorCode = code === 'UnknownType' ? ErrorCode.UnknownType : ErrorCode.RecipientFailure;
    b.finish(BusErrorTable.createBusError(b, errorCode, b.createString(message), b.createString(origin)));
    return b.asUint8Array().slice();
  }

  /** The text of a BusError body, or a note that it could not be read. */
  describeBusError(bytes: Uint8Array): string {
    try {
      if (!verifyMessage('gridlink.bus.BusError', bytes).ok) return 'unreadable error reply';
      const error = BusErrorTable.getRootAsBusError(new flatbuffers.ByteBuffer(bytes));
      return `${ErrorCode[error.code()] ?? 'Unknown'}: ${error.message() ?? ''} (at ${error.origin() ?? '?'})`;
    } catch {
      return 'unreadable error reply';
    }
  }

  private writeStrings(values: readonly string[]): flatbuffers.Offset {
    const offsets = values.map((v) => this.builder.createString(v));
    this.builder.startVector(4, offsets.length, 4);
    for (let i = offsets.length - 1; i >= 0; i--) this.builder.addOffset(offsets[i]);
    return this.builder.endVector();
  }

  private writeRoles(roles: readonly RoleEntry[]): flatbuffers.Offset {
    const b = this.builder;
    const offsets = roles.map((role) => RoleRecord.createRoleRecord(b, b.createString(role.name), this.writeStrings(role.requestTypes)));
    return ModuleRecordTable.createRolesVector(b, offsets);
  }

  private writeRecord(record: ModuleRecord): flatbuffers.Offset {
    const b = this.builder;
    const id = b.createString(record.id);
    const name = b.createString(record.name);
    const version = b.createString(record.version);
    const host = b.createString(record.host);
    const router = this.writeStrings(record.routerEndpoints);
    const pub = this.writeStrings(record.pubEndpoints);
    const roles = this.writeRoles(record.roles);
    const topics = this.writeStrings(record.topics);
    const key = b.createString(record.curvePublicKey);
    const publishes = this.writeStrings(record.publishes);
    const hostKey = b.createString(record.hostKey);
    ModuleRecordTable.startModuleRecord(b);
    ModuleRecordTable.addId(b, id);
    ModuleRecordTable.addIncarnation(b, record.incarnation);
    ModuleRecordTable.addName(b, name);
    ModuleRecordTable.addVersion(b, version);
    ModuleRecordTable.addHost(b, host);
    ModuleRecordTable.addPid(b, record.pid);
    ModuleRecordTable.addRouterEndpoints(b, router);
    ModuleRecordTable.addPubEndpoints(b, pub);
    ModuleRecordTable.addRoles(b, roles);
    ModuleRecordTable.addTopics(b, topics);
    ModuleRecordTable.addState(b, stateOf(record.state));
    ModuleRecordTable.addSeq(b, record.seq);
    ModuleRecordTable.addCurvePublicKey(b, key);
    ModuleRecordTable.addPublishes(b, publishes);
    ModuleRecordTable.addHostKey(b, hostKey);
    return ModuleRecordTable.endModuleRecord(b);
  }

  private readRecord(r: ModuleRecordTable): ModuleRecord {
    return {
      id: requireId(r.id()),
      incarnation: r.incarnation(),
      name: r.name() ?? '',
      version: r.version() ?? '',
      host: r.host() ?? '',
      hostKey: r.hostKey() ?? '',
      pid: r.pid(),
      routerEndpoints: readStrings(r.routerEndpointsLength(), (i) => r.routerEndpoints(i)),
      pubEndpoints: readStrings(r.pubEndpointsLength(), (i) => r.pubEndpoints(i)),
      roles: readRoles(r.rolesLength(), (i) => r.roles(i)),
      topics: readStrings(r.topicsLength(), (i) => r.topics(i)),
      publishes: readStrings(r.publishesLength(), (i) => r.publishes(i)),
      state: STATES[r.state()] ?? 'unknown',
      seq: r.seq(),
      curvePublicKey: r.curvePublicKey() ?? '',
    };
  }
}

function requireId(id: string | null): string {
  if (!id || !/^[0-9a-f]{32}$/.test(id)) throw new MalformedFrameError(`invalid module id "${String(id).slice(0, 40)}"`);
  return id;
}

function readStrings(length: number, at: (i: number) => string | null): string[] {
  const out: string[] = [];
  for (let i = 0; i < length; i++) out.push(at(i) ?? '');
  return out;
}

function readRoles(length: number, at: (i: number) => RoleRecord | null): RoleEntry[] {
  const out: RoleEntry[] = [];
  for (let i = 0; i < length; i++) {
    const role = at(i);
    if (role) out.push({ name: role.name() ?? '', requestTypes: readStrings(role.requestTypesLength(), (j) => role.requestTypes(j)) });
  }
  return out;
}
