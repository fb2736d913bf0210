/**
 * `gridlink app install|start|stop|remove|upgrade|revert|config|info|plan|catalogue`: drives the
 * AppManager through the REST gateway (actors/app-gateway, docs/openapi/app-manager.yaml).
 * Lifecycle commands print their progress on stderr while they run (server-sent events of
 * GET /operations/{id}/events) and the result on stdout: text, or JSON with --json.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from '../commander.js';
import { InvalidArgumentError } from '../commander.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { printJson, printNote } from '../output.js';

const URL_VARIABLE = 'GRIDLINK_APP_URL';
const TOKEN_VARIABLE = 'GRIDLINK_APP_TOKEN';
const DEFAULT_URL = 'http://127.0.0.1:8480';

interface Connection {
  url?: string;
  token?: string;
  json?: boolean;
}

type JsonRecord = Record<string, unknown>;

/** A failed answer of the gateway: `{ code, message, name }` with its HTTP status. */
class GatewayAnswerError extends CliError {
  constructor(
    readonly status: number,
    readonly body: JsonRecord,
  ) {
    const code = typeof body.code === 'string' ? body.code : `HTTP ${status}`;
    const hint = status === 401 ? ` (check --token or ${TOKEN_VARIABLE})` : '';
    super(`${code}: ${typeof body.message === 'string' ? body.message : 'no message'}${hint}`, EXIT_FAILURE);
  }
}

function connectionOf(options: Connection): { url: string; token: string; json: boolean } {
  const url = (options.url ?? process.env[URL_VARIABLE] ?? DEFAULT_URL).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(url)) throw new CliError(`--url must be an http(s) URL, not "${url}"`, EXIT_USAGE);
  const token = options.token ?? process.env[TOKEN_VARIABLE];
  if (!token) throw new CliError(`a token is needed: --token <token> or ${TOKEN_VARIABLE}`, EXIT_USAGE);
  return { url, token, json: options.json === true };
}

async function call(connection: { url: string; token: string }, method: string, path: string, body?: JsonRecord): Promise<JsonRecord> {
  let response: Response;
  try {
    response = await fetch(`${connection.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${connection.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new CliError(`cannot reach the app gateway at ${connection.url}: ${cause}`, EXIT_FAILURE);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new CliError(`the app gateway answered ${response.status} with something that is not JSON: ${text.slice(0, 200)}`, EXIT_FAILURE);
  }
  const record = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as JsonRecord) : { value: parsed };
  if (!response.ok) throw new GatewayAnswerError(response.status, record);
  return record;
}

const appPath = (name: string): string => `/apps/${encodeURIComponent(name)}`;

const onHost = (host: string | undefined): { host?: string } => (host ? { host } : {});

/**
 * Follows the progress of `operationId` (opened before the request that starts it, so no event is
 * missed) and prints each event on stderr; returns the function that stops following.
 */
function followProgress(connection: { url: string; token: string }, operationId: string): () => Promise<void> {
  const abort = new AbortController();
  const done = (async () => {
    const response = await fetch(`${connection.url}/operations/${encodeURIComponent(operationId)}/events`, {
      headers: { Authorization: `Bearer ${connection.token}`, Accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (!response.ok || !response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === 'progress' && data) printNote(progressLine(JSON.parse(data) as JsonRecord));
      }
    }
  })().catch(() => undefined); // progress is a courtesy: the request's own answer decides
  return async () => {
    // The last events may trail the reply by a moment: the stream ends by itself at the result.
    const timer = setTimeout(() => abort.abort(), 500);
    await done;
    clearTimeout(timer);
  };
}

function progressLine(event: JsonRecord): string {
  const parts = [event.name, event.version, event.stage].filter((p) => typeof p === 'string' && p !== '').join(' ');
  return `  ${parts}${typeof event.message === 'string' && event.message ? `: ${event.message}` : ''}`;
}

/** Runs a lifecycle request with its progress shown; prints the apps it concerns. */
async function operation(options: Connection, method: string, path: string, body: JsonRecord): Promise<void> {
  const connection = connectionOf(options);
  const operationId = `cli-${randomUUID().slice(0, 8)}`;
  const stop = followProgress(connection, operationId);
  let result: JsonRecord;
  try {
    result = await call(connection, method, method === 'DELETE' ? `${path}${path.includes('?') ? '&' : '?'}operation_id=${operationId}` : path, method === 'DELETE' ? undefined : { ...body, operation_id: operationId });
  } finally {
    await stop();
  }
  if (connection.json) printJson(result);
  else printApps(result);
}

function printApps(result: JsonRecord): void {
  if (typeof result.message === 'string' && result.message) process.stdout.write(`${result.message}\n`);
  const apps = Array.isArray(result.apps) ? (result.apps as JsonRecord[]) : [];
  if (apps.length === 0) process.stdout.write('no apps\n');
  for (const app of apps) {
    process.stdout.write(`${String(app.name)} ${String(app.version)} ${String(app.state)}${app.detail ? ` (${String(app.detail)})` : ''}\n`);
  }
}

function printPlan(name: string, plan: JsonRecord): void {
  const steps = Array.isArray(plan.steps) ? (plan.steps as JsonRecord[]) : [];
  steps.forEach((step, i) => process.stdout.write(`${i + 1}. ${String(step.action)} ${String(step.name)} ${String(step.version)}${step.reason ? `  (${String(step.reason)})` : ''}\n`));
  const problems = Array.isArray(plan.problems) ? (plan.problems as string[]) : [];
  for (const problem of problems) process.stdout.write(`problem: ${problem}\n`);
  if (problems.length === 0) process.stdout.write(`plan id ${String(plan.plan_id)}; carry it out with: gridlink app install ${name} --plan ${String(plan.plan_id)}\n`);
}

/** A JSON object from the command line, or from a file with "@file". */
function parseConfig(value: string): JsonRecord {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (error) {
      throw new InvalidArgumentError(`cannot read ${value.slice(1)}: ${(error as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('expected a JSON object');
  return parsed as JsonRecord;
}

function parseMs(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) throw new InvalidArgumentError(`expected a whole number of milliseconds, not "${value}".`);
  return ms;
}

const HOST_HELP = "the app's host (another host's AppManager carries it out); default: the gateway's host";

/** `?host=` for the GET and DELETE routes, which carry no body. */
function hostQuery(host: string | undefined, separator: '?' | '&' = '?'): string {
  return host ? `${separator}host=${encodeURIComponent(host)}` : '';
}

/** --url, --token and --json on every subcommand. */
function withConnection(command: Command): Command {
  return command
    .option('--url <url>', `the app gateway (or ${URL_VARIABLE}; default ${DEFAULT_URL})`)
    .option('--token <token>', `bearer token (or ${TOKEN_VARIABLE})`)
    .option('--json', 'print the result as JSON');
}

export function registerAppCommand(program: Command): void {
  const app = program
    .command('app')
    .summary('install, start, stop, remove, upgrade, revert and configure apps (through the REST gateway)')
    .description(
      `Talk to the AppManager through the REST app gateway (actors/app-gateway). Give the gateway's URL and a token with --url/--token or ${URL_VARIABLE}/${TOKEN_VARIABLE}. Lifecycle commands print their progress on stderr and the result on stdout. Exit code 0: done; 1: refused or failed (the message names the AppManager's error code); 2: wrong usage.`,
    )
    .addHelpText(
      'after',
      `
Examples:
  export ${URL_VARIABLE}=http://127.0.0.1:8480 ${TOKEN_VARIABLE}=...
  npx gridlink app catalogue
  npx gridlink app plan grm '^1.0'
  npx gridlink app install grm --plan 6f1c...      # exactly the plan shown
  npx gridlink app install grm                     # plans afresh and installs
  npx gridlink app info --json
  npx gridlink app upgrade grm '^1.1' && npx gridlink app revert grm   # and back again
  npx gridlink app config grm '{"interval": 5000}'
  npx gridlink app stop grm --force && npx gridlink app remove grm`,
    );

  withConnection(app.command('catalogue').summary("list the App Store's packages"))
    .addHelpText('after', '\nExample:\n  npx gridlink app catalogue --json')
    .action(async (options: Connection) => {
      const connection = connectionOf(options);
      const result = await call(connection, 'GET', '/catalogue');
      if (connection.json) return printJson(result);
      const entries = Array.isArray(result.entries) ? (result.entries as JsonRecord[]) : [];
      if (entries.length === 0) process.stdout.write('the catalogue is empty\n');
      for (const entry of entries) {
        const manifest = (entry.manifest ?? {}) as JsonRecord;
        process.stdout.write(`${String(manifest.name)} ${String(manifest.version)}  ${String(manifest.description ?? '')}\n`);
      }
    });

  withConnection(app.command('info').summary('installed apps, or one app in detail').argument('[name]', 'an app').option('--host <host>', "the host whose apps to list; default: the gateway's host"))
    .addHelpText('after', '\nExamples:\n  npx gridlink app info\n  npx gridlink app info grm --json\n  npx gridlink app info --host host-b')
    .action(async (name: string | undefined, options: Connection & { host?: string }) => {
      const connection = connectionOf(options);
      const result = await call(connection, 'GET', `${name === undefined ? '/apps' : appPath(name)}${hostQuery(options.host)}`);
      if (connection.json) return printJson(result);
      printApps(result);
      if (name !== undefined) {
        const found = ((result.apps as JsonRecord[] | undefined) ?? [])[0];
        if (found) process.stdout.write(`config: ${JSON.stringify(found.config)}\n`);
      }
    });

  withConnection(app.command('plan').summary('what installing an app would do (nothing is installed)').argument('<name>', 'an app').argument('[range]', 'semver range, e.g. ^1.0'))
    .addHelpText('after', "\nExample:\n  npx gridlink app plan grm '^1.0'")
    .action(async (name: string, range: string | undefined, options: Connection) => {
      const connection = connectionOf(options);
      const plan = await call(connection, 'POST', '/plan', { name, ...(range ? { version_range: range } : {}) });
      if (connection.json) printJson(plan);
      else printPlan(name, plan);
      if (Array.isArray(plan.problems) && plan.problems.length > 0) throw new CliError(`${name} cannot be installed: ${(plan.problems as string[]).join('; ')}`, EXIT_FAILURE);
    });

  withConnection(
    app
      .command('install')
      .summary('install an app and what it needs (and start them)')
      .argument('<name>', 'an app')
      .argument('[range]', 'semver range; default: the newest')
      .option('--plan <id>', 'carry out this plan (from `gridlink app plan`) exactly')
      .option('--no-start', 'install only; start later')
      .option('--config <json>', 'configuration of the app (JSON, or @file)', parseConfig)
      .option('--host <host|policy>', "where: a host name, or least-loaded, spread, pinned:<host> (a placement policy); default: the gateway's host"),
  )
    .addHelpText('after', '\nExamples:\n  npx gridlink app install grm\n  npx gridlink app install grm --host least-loaded\n  npx gridlink app install grm --plan 6f1c... --config @grm.json\n  npx gridlink app install grm --no-start --json')
    .action(async (name: string, range: string | undefined, options: Connection & { plan?: string; start: boolean; config?: JsonRecord; host?: string }) => {
      await operation(options, 'POST', `${appPath(name)}/install`, {
        start: options.start,
        ...(range ? { version_range: range } : {}),
        ...(options.plan ? { plan_id: options.plan } : {}),
        ...(options.config ? { config: options.config } : {}),
        ...onHost(options.host),
      });
    });

  withConnection(app.command('start').summary('start an installed app').argument('<name>', 'an app').option('--only', 'without starting the apps it needs').option('--host <host>', HOST_HELP))
    .addHelpText('after', '\nExample:\n  npx gridlink app start grm --host host-b')
    .action(async (name: string, options: Connection & { only?: boolean; host?: string }) => {
      await operation(options, 'POST', `${appPath(name)}/start`, { with_dependencies: options.only !== true, ...onHost(options.host) });
    });

  withConnection(app.command('stop').summary('stop an app (it may refuse; --force insists)').argument('<name>', 'an app').option('--force', 'stop even if the module refuses').option('--reason <text>', 'why, for the log').option('--host <host>', HOST_HELP))
    .addHelpText('after', "\nExample:\n  npx gridlink app stop grm --reason 'maintenance'")
    .action(async (name: string, options: Connection & { force?: boolean; reason?: string; host?: string }) => {
      await operation(options, 'POST', `${appPath(name)}/stop`, { force: options.force === true, ...(options.reason ? { reason: options.reason } : {}), ...onHost(options.host) });
    });

  withConnection(app.command('remove').summary('remove a stopped app (its data is kept unless --delete-data)').argument('<name>', 'an app').option('--delete-data', "delete the app's state folder too").option('--host <host>', HOST_HELP))
    .addHelpText('after', '\nExample:\n  npx gridlink app remove grm')
    .action(async (name: string, options: Connection & { deleteData?: boolean; host?: string }) => {
      await operation(options, 'DELETE', `${appPath(name)}${options.deleteData ? '?delete_data=true' : ''}${hostQuery(options.host, options.deleteData ? '&' : '?')}`, {});
    });

  withConnection(
    app
      .command('upgrade')
      .summary('upgrade an app (state handed over; rolled back if the new version fails)')
      .argument('<name>', 'an app')
      .argument('[range]', 'semver range; default: the newest')
      .option('--health-window <ms>', 'how long the new version must stay healthy', parseMs)
      .option('--host <host>', HOST_HELP),
  )
    .addHelpText('after', "\nExample:\n  npx gridlink app upgrade grm '^1.1'")
    .action(async (name: string, range: string | undefined, options: Connection & { healthWindow?: number; host?: string }) => {
      await operation(options, 'POST', `${appPath(name)}/upgrade`, {
        ...(range ? { version_range: range } : {}),
        ...(options.healthWindow !== undefined ? { health_window_ms: options.healthWindow } : {}),
        ...onHost(options.host),
      });
    });

  withConnection(
    app
      .command('revert')
      .summary('go back to the version kept beside the current one (the one before the last upgrade; no download; state handed over; rolled back if it fails)')
      .argument('<name>', 'an app')
      .option('--health-window <ms>', 'how long the kept version must stay healthy', parseMs)
      .option('--host <host>', HOST_HELP),
  )
    .addHelpText('after', '\nExamples:\n  npx gridlink app revert grm\n  npx gridlink app revert grm --health-window 10000 --host host-b')
    .action(async (name: string, options: Connection & { healthWindow?: number; host?: string }) => {
      await operation(options, 'POST', `${appPath(name)}/revert`, {
        ...(options.healthWindow !== undefined ? { health_window_ms: options.healthWindow } : {}),
        ...onHost(options.host),
      });
    });

  withConnection(app.command('config').summary("show or replace an app's configuration (run time, no restart)").argument('<name>', 'an app').argument('[json]', 'the new configuration (JSON, or @file); absent: show it').option('--host <host>', HOST_HELP))
    .addHelpText('after', '\nExamples:\n  npx gridlink app config grm\n  npx gridlink app config grm \'{"interval": 5000}\'\n  npx gridlink app config grm @grm.json')
    .action(async (name: string, json: string | undefined, options: Connection & { host?: string }) => {
      if (json === undefined) {
        const connection = connectionOf(options);
        const result = await call(connection, 'GET', `${appPath(name)}${hostQuery(options.host)}`);
        const config = ((result.apps as JsonRecord[] | undefined) ?? [])[0]?.config ?? null;
        printJson(config, connection.json ? false : undefined);
        return;
      }
      let config: JsonRecord;
      try {
        config = parseConfig(json);
      } catch (error) {
        throw new CliError(`the configuration: ${(error as Error).message}`, EXIT_USAGE);
      }
      await operation(options, 'PUT', `${appPath(name)}/config`, { config, ...onHost(options.host) });
    });
}
