/**
 * The chat syntax of the XMPP gateway (actors/app-gateway/chat-commands.ts): text commands and
 * their options, JSON commands with the REST fields, and the refusals, each naming the problem.
 */
import { describe, expect, it } from 'vitest';
import { parseChatCommand } from '../../actors/app-gateway/chat-commands.js';
import { GatewayError } from '../../actors/app-gateway/gateway-error.js';

const refusal = (body: string): string => {
  try {
    parseChatCommand(body);
  } catch (error) {
    if (error instanceof GatewayError) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error(`"${body}" was accepted`);
};

describe('chat commands as text', () => {
  it('reads each command with its options', () => {
    expect(parseChatCommand('  help ')).toEqual({ format: 'text' });
    expect(parseChatCommand('info')).toEqual({ command: { kind: 'apps' }, format: 'text' });
    expect(parseChatCommand('INFO examples/generator').command).toEqual({ kind: 'apps', name: 'examples/generator' });
    expect(parseChatCommand('plan grm ^1.0').command).toEqual({ kind: 'plan', name: 'grm', versionRange: '^1.0' });
    expect(parseChatCommand('install grm ^1.0 --plan p-1 --no-start').command).toEqual({ kind: 'install', name: 'grm', versionRange: '^1.0', planId: 'p-1', start: false });
    expect(parseChatCommand('install grm --config {"a": 1, "b": [2, 3]}').command).toEqual({ kind: 'install', name: 'grm', start: true, config: { a: 1, b: [2, 3] } });
    expect(parseChatCommand('start grm --only').command).toEqual({ kind: 'start', name: 'grm', withDependencies: false });
    expect(parseChatCommand('stop grm --force').command).toEqual({ kind: 'stop', name: 'grm', force: true });
    expect(parseChatCommand('remove grm --delete-data').command).toEqual({ kind: 'remove', name: 'grm', deleteData: true });
    expect(parseChatCommand('upgrade grm ^2 --health-window 3000').command).toEqual({ kind: 'upgrade', name: 'grm', versionRange: '^2', healthWindowMs: 3000 });
    expect(parseChatCommand('revert grm').command).toEqual({ kind: 'revert', name: 'grm', healthWindowMs: 0 });
    expect(parseChatCommand('revert grm --health-window 3000').command).toEqual({ kind: 'revert', name: 'grm', healthWindowMs: 3000 });
    expect(parseChatCommand('config grm {"interval": 5000, "label": "a b"}').command).toEqual({ kind: 'config', name: 'grm', config: { interval: 5000, label: 'a b' } });
  });

  it('takes --host on every command that concerns an app, a placement policy for install', () => {
    expect(parseChatCommand('info --host host-b').command).toEqual({ kind: 'apps', host: 'host-b' });
    expect(parseChatCommand('install grm --host least-loaded').command).toEqual({ kind: 'install', name: 'grm', start: true, host: 'least-loaded' });
    expect(parseChatCommand('install grm --host pinned:host-b').command).toEqual({ kind: 'install', name: 'grm', start: true, host: 'pinned:host-b' });
    expect(parseChatCommand('start grm --host host-b').command).toEqual({ kind: 'start', name: 'grm', withDependencies: true, host: 'host-b' });
    expect(parseChatCommand('stop grm --host host-b --force').command).toEqual({ kind: 'stop', name: 'grm', force: true, host: 'host-b' });
    expect(parseChatCommand('remove grm --host host-b').command).toEqual({ kind: 'remove', name: 'grm', deleteData: false, host: 'host-b' });
    expect(parseChatCommand('upgrade grm ^2 --host host-b').command).toEqual({ kind: 'upgrade', name: 'grm', versionRange: '^2', healthWindowMs: 0, host: 'host-b' });
    expect(parseChatCommand('revert grm --host host-b').command).toEqual({ kind: 'revert', name: 'grm', healthWindowMs: 0, host: 'host-b' });
    expect(parseChatCommand('config grm --host host-b {"interval": 5000}').command).toEqual({ kind: 'config', name: 'grm', config: { interval: 5000 }, host: 'host-b' });
    expect(refusal('catalogue --host host-b')).toMatch(/^InvalidArgument: catalogue: --host does not apply/);
    expect(refusal('plan grm --host host-b')).toMatch(/^InvalidArgument: plan: --host does not apply/);
    expect(refusal('stop grm --host')).toBe('InvalidArgument: stop: --host needs a value');
    expect(refusal('stop grm --host b/c')).toMatch(/^InvalidArgument: bad host "b\/c"/);
  });

  it('refuses what it cannot read, naming the problem', () => {
    expect(refusal('reboot')).toBe('InvalidArgument: unknown command "reboot" (send "help")');
    expect(refusal('stop')).toMatch(/^InvalidArgument: bad app name undefined/);
    expect(refusal('stop ../etc')).toMatch(/^InvalidArgument: bad app name "..\/etc"/);
    expect(refusal('stop grm now')).toBe('InvalidArgument: stop: too many arguments (send "help")');
    expect(refusal('install grm --plan')).toBe('InvalidArgument: install: --plan needs a value');
    expect(refusal('upgrade grm --health-window soon')).toBe('InvalidArgument: upgrade: --health-window needs a whole number of ms');
    // A revert goes to the kept version: it takes no range.
    expect(refusal('revert grm 1.0.0')).toBe('InvalidArgument: revert: too many arguments (send "help")');
    expect(refusal('config grm [1, 2]')).toBe('InvalidArgument: config: "config" must be a JSON object');
    expect(refusal('config grm {oops}')).toMatch(/^InvalidArgument: config: the configuration is not valid JSON/);
    expect(refusal('catalogue grm')).toBe('InvalidArgument: catalogue: too many arguments (send "help")');
  });
});

describe('chat commands as JSON', () => {
  it('takes the REST fields plus "command" and an operation id', () => {
    expect(parseChatCommand('{"command": "install", "name": "grm", "version_range": "^1", "start": false, "operation_id": "op-7"}')).toEqual({
      command: { kind: 'install', name: 'grm', versionRange: '^1', start: false },
      operationId: 'op-7',
      format: 'json',
    });
    expect(parseChatCommand('{"command": "help"}')).toEqual({ format: 'json' });
    expect(parseChatCommand('{"command": "stop", "name": "grm", "host": "host-b"}').command).toEqual({ kind: 'stop', name: 'grm', force: false, host: 'host-b' });
    expect(parseChatCommand('{"command": "info", "host": "host-b"}').command).toEqual({ kind: 'apps', host: 'host-b' });
    expect(parseChatCommand('{"command": "revert", "name": "grm", "health_window_ms": 2000, "operation_id": "op-8"}')).toEqual({
      command: { kind: 'revert', name: 'grm', healthWindowMs: 2000 },
      operationId: 'op-8',
      format: 'json',
    });
    expect(refusal('{"command": "revert", "name": "grm", "version_range": "^1"}')).toBe('InvalidArgument: command: unknown field "version_range"');
    expect(refusal('{"command": "catalogue", "host": "host-b"}')).toBe('InvalidArgument: command: unknown field "host"');
  });

  it('refuses unknown fields, wrong types, bad ids and broken JSON', () => {
    expect(refusal('{"command": "stop", "name": "grm", "forse": true}')).toBe('InvalidArgument: command: unknown field "forse"');
    expect(refusal('{"command": "stop", "name": "grm", "force": "yes"}')).toBe('InvalidArgument: command: "force" must be true or false');
    expect(refusal('{"command": "stop", "name": "grm", "operation_id": "a/b"}')).toMatch(/^InvalidArgument: bad operation_id "a\/b"/);
    expect(refusal('{"name": "grm"}')).toBe('InvalidArgument: a JSON command needs "command" (e.g. "install")');
    expect(refusal('{"command": "stop"')).toMatch(/^InvalidArgument: not valid JSON/);
  });
});
