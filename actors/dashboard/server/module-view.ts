// Registry records as the web app shows them (ModuleView of api.ts).

import type { ModuleRecord } from '../../../core/bus/index.js';
import type { ModuleView } from '../api.js';

export function moduleView(record: ModuleRecord): ModuleView {
  return {
    id: record.id,
    name: record.name,
    version: record.version,
    host: record.host,
    pid: record.pid,
    state: record.state,
    roles: record.roles.map((role) => role.name),
    topics: [...record.topics],
    publishes: [...record.publishes],
  };
}
