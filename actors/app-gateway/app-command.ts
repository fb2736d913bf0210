// What a caller asks the gateway to do, whichever way it came (REST request or XMPP message): the
// AppCommand union (core/provisioning/app-manager-client) that both gateways build and
// AppManagerClient carries out. Field checks live here so both gateways refuse the same input with
// the same message.

import type { AppCommand, CommandKind } from '../../core/provisioning/app-manager-client/index.js';
import { GatewayError } from './gateway-error.js';

/**
 * `host` of every command but catalogue and plan: a host name (another host's AppManager carries it
 * out), for install also a placement policy (`least-loaded`, `spread`, `pinned:<host>`); absent: here.
 */
const HOST = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$/;

export function checkHost(host: string | undefined): string | undefined {
  if (host !== undefined && !HOST.test(host)) throw new GatewayError('InvalidArgument', `bad host ${JSON.stringify(host)}: a host name or, for install, least-loaded, spread or pinned:<host>`);
  return host;
}

/** An app name as schemas/provisioning.fbs defines it: lowercase segments joined by '/'. */
const APP_NAME = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/;
/** Operation ids travel in URLs and chat lines: kept to a safe alphabet. */
const OPERATION_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function checkAppName(name: unknown): string {
  if (typeof name !== 'string' || !APP_NAME.test(name) || name.length > 200) {
    throw new GatewayError('InvalidArgument', `bad app name ${JSON.stringify(name)}: lowercase letters, digits and '-', segments joined by '/' (e.g. "grm", "examples/generator")`);
  }
  return name;
}

export function checkOperationId(id: unknown): string {
  if (typeof id !== 'string' || !OPERATION_ID.test(id)) throw new GatewayError('InvalidArgument', `bad operation_id ${JSON.stringify(id)}: 1 to 64 of A-Z a-z 0-9 . _ -`);
  return id;
}

/** Reads the optional fields of a JSON body, naming the field that is wrong. */
export class BodyFields {
  private readonly seen = new Set<string>();

  constructor(
    private readonly body: Record<string, unknown>,
    private readonly where: string,
  ) {}

  static of(body: unknown, where: string): BodyFields {
    if (body === undefined || body === null) return new BodyFields({}, where);
    if (typeof body !== 'object' || Array.isArray(body)) throw new GatewayError('InvalidArgument', `${where}: the body must be a JSON object`);
    return new BodyFields(body as Record<string, unknown>, where);
  }

  text(key: string): string | undefined {
    this.seen.add(key);
    const value = this.body[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw new GatewayError('InvalidArgument', `${this.where}: "${key}" must be a string`);
    return value === '' ? undefined : value;
  }

  flag(key: string, fallback: boolean): boolean {
    this.seen.add(key);
    const value = this.body[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw new GatewayError('InvalidArgument', `${this.where}: "${key}" must be true or false`);
    return value;
  }

  count(key: string, fallback: number): number {
    this.seen.add(key);
    const value = this.body[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new GatewayError('InvalidArgument', `${this.where}: "${key}" must be a whole number ≥ 0`);
    return value;
  }

  object(key: string): Record<string, unknown> | undefined {
    this.seen.add(key);
    const value = this.body[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw new GatewayError('InvalidArgument', `${this.where}: "${key}" must be a JSON object`);
    return value as Record<string, unknown>;
  }

  /** Refuses fields nobody read: a misspelt "versionrange" must not be silently ignored. */
  done(...alsoAllowed: string[]): void {
    const unknown = Object.keys(this.body).filter((key) => !this.seen.has(key) && !alsoAllowed.includes(key));
    if (unknown.length > 0) throw new GatewayError('InvalidArgument', `${this.where}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`);
  }
}

/**
 * Builds a command of `kind` for app `name` from JSON fields (snake_case, as in the REST API and
 * the XMPP JSON form). `operation_id` is read by the caller, not here.
 */
export function commandFromFields(kind: CommandKind, name: string | undefined, fields: BodyFields): AppCommand {
  const app = (): string => checkAppName(name);
  let command: AppCommand;
  switch (kind) {
    case 'apps':
      command = { kind, ...(name === undefined ? {} : { name: app() }), ...optional('host', checkHost(fields.text('host'))) };
      break;
    case 'catalogue':
      command = { kind };
      break;
    case 'plan':
      command = { kind, name: app(), ...optional('versionRange', fields.text('version_range')) };
      break;
    case 'install':
      command = {
        kind,
        name: app(),
        start: fields.flag('start', true),
        ...optional('versionRange', fields.text('version_range')),
        ...optional('planId', fields.text('plan_id')),
        ...optional('config', fields.object('config')),
        ...optional('host', checkHost(fields.text('host'))),
      };
      break;
    case 'start':
      command = { kind, name: app(), withDependencies: fields.flag('with_dependencies', true), ...optional('host', checkHost(fields.text('host'))) };
      break;
    case 'stop':
      command = { kind, name: app(), force: fields.flag('force', false), ...optional('reason', fields.text('reason')), ...optional('host', checkHost(fields.text('host'))) };
      break;
    case 'remove':
      command = { kind, name: app(), deleteData: fields.flag('delete_data', false), ...optional('host', checkHost(fields.text('host'))) };
      break;
    case 'upgrade':
      command = {
        kind,
        name: app(),
        healthWindowMs: fields.count('health_window_ms', 0),
        ...optional('versionRange', fields.text('version_range')),
        ...optional('host', checkHost(fields.text('host'))),
      };
      break;
    case 'revert':
      command = { kind, name: app(), healthWindowMs: fields.count('health_window_ms', 0), ...optional('host', checkHost(fields.text('host'))) };
      break;
    case 'config': {
      const config = fields.object('config');
      if (config === undefined) throw new GatewayError('InvalidArgument', 'config: "config" (the new settings, a JSON object) is required', name);
      command = { kind, name: app(), config, ...optional('host', checkHost(fields.text('host'))) };
      break;
    }
  }
  return command;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
