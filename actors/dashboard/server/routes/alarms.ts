// Alarms through the alarms module (role "alarms"): GET /api/alarms (GetAlarms), POST
// /api/alarms/ack|shelve|unshelve (by = the session's user), GET /api/alarms/state
// (GetSubstationState), GET /api/alarms/notifications (the last notifications the dashboard saw).
// The module's AlarmErrorReply keeps its meaning: NotFound 404, InvalidArgument 422, InvalidState 409.

import { BusError, RecipientFailureError } from '../../../../core/bus/index.js';
import type { MessageType } from '../../../../core/schema/message-type.js';
import {
  AcknowledgeAlarm,
  Alarm,
  AlarmErrorReply,
  AlarmsReply,
  GetAlarms,
  GetSubstationState,
  ShelveAlarm,
  SubstationState,
  UnshelveAlarm,
  type AlarmState,
  type Audience,
} from '../../../../schemas/generated/messages.js';
import type { AlarmView } from '../../api.js';
import { alarmView, type NotificationLog } from '../alarm-view.js';
import { ApiFailure, failureFromBus } from '../api-failure.js';
import type { RouteContext } from '../context.js';
import { bodyObject, numberField, textField, type ApiRequest, type Router } from '../router.js';

export const ALARMS_ROLE = 'alarms';

const STATES: readonly AlarmState[] = ['Raised', 'Acknowledged', 'Cleared', 'Shelved'];
const AUDIENCES: readonly Audience[] = ['Administrator', 'FieldEngineer'];
const ERROR_STATUS: Record<string, [number, string]> = {
  NotFound: [404, 'NotFound'],
  InvalidArgument: [422, 'InvalidArgument'],
  InvalidState: [409, 'Conflict'],
};

function listParam<T extends string>(request: ApiRequest, name: string, allowed: readonly T[]): T[] | undefined {
  const text = request.query.get(name);
  if (text === null || text.trim() === '' || text === 'all') return text === 'all' && name === 'states' ? [...allowed] : undefined;
  const items = text.split(',').map((s) => s.trim());
  for (const item of items) if (!allowed.includes(item as T)) throw new ApiFailure(422, 'InvalidArgument', `"${name}" takes ${allowed.join(', ')} (comma-separated), not "${item}"`);
  return items as T[];
}

export function registerAlarmsRoutes(router: Router, ctx: RouteContext, notifications: NotificationLog): void {
  const ask = async <T, R>(type: MessageType<T>, value: T, reply: MessageType<R>, timeoutMs: number): Promise<R> => {
    try {
      return await ctx.bus.request(ALARMS_ROLE, type, value, reply, timeoutMs);
    } catch (error) {
      throw alarmsFailure(error);
    }
  };

  router.add('GET', '/api/alarms', {
    permission: 'view',
    handler: async (request) => {
      const limitText = request.query.get('limit');
      const limit = limitText ? Number(limitText) : 0;
      if (!Number.isInteger(limit) || limit < 0) throw new ApiFailure(422, 'InvalidArgument', '"limit" must be a whole number');
      const states = listParam(request, 'states', STATES);
      const audienceFilter = listParam(request, 'audience', AUDIENCES);
      const prefix = request.query.get('prefix') ?? '';
      const reply = await ask(GetAlarms, { limit, ...(states ? { states } : {}), ...(audienceFilter ? { audienceFilter } : {}), ...(prefix ? { keyPrefix: prefix } : {}) }, AlarmsReply, ctx.settings.timeouts.queryMs);
      const alarms: AlarmView[] = (reply.alarms ?? []).map(alarmView);
      return { status: 200, json: alarms };
    },
  });

  router.add('GET', '/api/alarms/state', {
    permission: 'view',
    // The decoded value is already camelCase, as api.ts says (toJson would give the schema's snake_case).
    handler: async () => ({ status: 200, json: await ask(GetSubstationState, {}, SubstationState, ctx.settings.timeouts.queryMs) }),
  });

  router.add('GET', '/api/alarms/notifications', {
    permission: 'view',
    handler: async () => ({ status: 200, json: notifications.list() }),
  });

  const keyOf = (request: ApiRequest): string => {
    const body = request.body;
    return typeof body === 'object' && body !== null && typeof (body as { key?: unknown }).key === 'string' ? (body as { key: string }).key : '';
  };

  router.add('POST', '/api/alarms/ack', {
    permission: 'handleAlarms',
    action: 'alarm-ack',
    target: keyOf,
    handler: async (request) => {
      const body = bodyObject(request);
      const comment = textField(body, 'comment', { optional: true, maxLength: 1000 });
      const alarm = await ask(AcknowledgeAlarm, { key: textField(body, 'key', { maxLength: 512 }), by: request.session!.user, ...(comment ? { comment } : {}) }, Alarm, ctx.settings.timeouts.actionMs);
      return { status: 200, json: alarmView(alarm) };
    },
  });

  router.add('POST', '/api/alarms/shelve', {
    permission: 'handleAlarms',
    action: 'alarm-shelve',
    target: keyOf,
    handler: async (request) => {
      const body = bodyObject(request);
      const comment = textField(body, 'comment', { optional: true, maxLength: 1000 });
      const alarm = await ask(ShelveAlarm, { key: textField(body, 'key', { maxLength: 512 }), by: request.session!.user, untilMs: numberField(body, 'untilMs'), ...(comment ? { comment } : {}) }, Alarm, ctx.settings.timeouts.actionMs);
      return { status: 200, json: alarmView(alarm) };
    },
  });

  router.add('POST', '/api/alarms/unshelve', {
    permission: 'handleAlarms',
    action: 'alarm-unshelve',
    target: keyOf,
    handler: async (request) => {
      const body = bodyObject(request);
      const alarm = await ask(UnshelveAlarm, { key: textField(body, 'key', { maxLength: 512 }), by: request.session!.user }, Alarm, ctx.settings.timeouts.actionMs);
      return { status: 200, json: alarmView(alarm) };
    },
  });
}

function alarmsFailure(error: unknown): unknown {
  if (error instanceof RecipientFailureError && error.replyType === AlarmErrorReply.name) {
    try {
      const reply = AlarmErrorReply.decode(error.replyBody);
      const [status, code] = ERROR_STATUS[reply.code] ?? [502, 'Failed'];
      return new ApiFailure(status, code, reply.message ?? reply.code);
    } catch {
      // falls through to the generic mapping
    }
  }
  if (error instanceof BusError) return failureFromBus(error, 'the alarms module');
  return error;
}
