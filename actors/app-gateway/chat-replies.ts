// Text replies of the XMPP gateway for people reading a chat: one line per app, plan step or
// catalogue entry. JSON commands get the REST API's JSON instead (see chat-commands.ts).

import type { AppCommand, JsonObject } from '../../core/provisioning/app-manager-client/index.js';

type Row = Record<string, unknown>;

const rows = (value: unknown): Row[] => (Array.isArray(value) ? (value as Row[]) : []);
const str = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value));

export function resultText(command: AppCommand, result: JsonObject): string {
  switch (command.kind) {
    case 'plan': {
      const steps = rows(result.steps).map((s, i) => `${i + 1}. ${str(s.action)} ${str(s.name)} ${str(s.version)}${s.reason ? ` (${str(s.reason)})` : ''}`);
      const problems = rows(result.problems).map((p) => `problem: ${str(p)}`);
      const planId = str(result.plan_id);
      const confirm = planId && problems.length === 0 ? [`plan ${planId}; confirm with: install ${command.name} --plan ${planId}`] : ['this plan cannot be carried out'];
      return [...steps, ...problems, ...confirm].join('\n');
    }
    case 'catalogue': {
      const entries = rows(result.entries).map((e) => {
        const manifest = (e.manifest ?? {}) as Row;
        const provides = rows(manifest.provides).map((p) => `${str(p.role)} ${str(p.version)}`);
        const requires = rows(manifest.requires).map((r) => `${str(r.role)} ${str(r.range)}`);
        return `${str(manifest.name)} ${str(manifest.version)}${provides.length ? `; provides ${provides.join(', ')}` : ''}${requires.length ? `; requires ${requires.join(', ')}` : ''}`;
      });
      return entries.length === 0 ? 'the catalogue is empty' : entries.join('\n');
    }
    default: {
      const apps = rows(result.apps).map((a) => `${str(a.name)} ${str(a.version)} ${str(a.state)}${a.detail ? ` (${str(a.detail)})` : ''}`);
      // A listing is its lines; an operation's answer leads with what happened.
      const head = command.kind === 'apps' ? [] : [result.message ? `done: ${str(result.message)}` : 'done'];
      const body = apps.length === 0 && command.kind === 'apps' ? ['no apps installed'] : apps;
      return [...head, ...body].join('\n');
    }
  }
}

export function progressText(operationId: string, event: JsonObject): string {
  return `[${operationId}] ${str(event.name)} ${str(event.version)} ${str(event.stage)}${event.message ? `: ${str(event.message)}` : ''}`.replace(/\s+/g, ' ').trim();
}

export function errorText(error: { code: string; message: string; name?: string }): string {
  return `error ${error.code}${error.name ? ` (${error.name})` : ''}: ${error.message}`;
}
