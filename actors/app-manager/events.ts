// AppEvents on topic `app-manager/events`: the progress of every operation (with its operation
// id) and every change of an app's state, for dashboards and gateways.

import { AppEvent, type AppState } from '../../schemas/generated/messages.js';

export const APP_EVENTS_TOPIC = 'app-manager/events';

export type PublishEvent = (event: AppEvent) => void;

export interface EventFields {
  readonly operationId?: string;
  readonly name: string;
  readonly version?: string;
  readonly stage: string;
  readonly state: AppState;
  readonly message?: string;
}

export function appEvent(fields: EventFields): AppEvent {
  return {
    operationId: fields.operationId ?? '',
    name: fields.name,
    version: fields.version ?? '',
    stage: fields.stage,
    state: fields.state,
    message: fields.message ?? '',
    timeMs: Date.now(),
  };
}

export { AppEvent };
