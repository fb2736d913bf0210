/** How the CLI resolves a message type name as a person types it. */
import { describe, expect, it } from 'vitest';
import { allMessageTypes } from '../../core/schema/index.js';
import { CliError } from '../../tools/cli/cli-error.js';
import { resolveMessageType, resolveTypeName } from '../../tools/cli/messages.js';

function failure(run: () => unknown): CliError {
  try {
    run();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected a CliError');
}

describe('message type names', () => {
  it('resolves fully qualified, partly qualified and short names of the real schemas', () => {
    expect(resolveMessageType('gridlink.storage.AddEntry').name).toBe('gridlink.storage.AddEntry');
    expect(resolveMessageType('storage.AddEntry').name).toBe('gridlink.storage.AddEntry');
    expect(resolveMessageType('AddEntry').name).toBe('gridlink.storage.AddEntry');
    expect(resolveMessageType('ShutdownRequest').name).toBe('gridlink.bus.ShutdownRequest');
  });

  it('knows every generated type by its short name or says it is ambiguous', () => {
    for (const type of allMessageTypes.values()) {
      const short = type.name.slice(type.name.lastIndexOf('.') + 1);
      const sameShort = [...allMessageTypes.values()].filter((other) => other.name.endsWith(`.${short}`));
      if (sameShort.length === 1) expect(resolveMessageType(short)).toBe(type);
      else expect(failure(() => resolveMessageType(short)).message).toContain('ambiguous');
    }
  });

  it('names the candidates of an ambiguous short name', () => {
    const types = [{ name: 'gridlink.storage.ErrorReply' }, { name: 'gridlink.grid.ErrorReply' }, { name: 'gridlink.grid.Topology' }];
    const error = failure(() => resolveTypeName('ErrorReply', types));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      'the message type "ErrorReply" is ambiguous; it could be gridlink.grid.ErrorReply, gridlink.storage.ErrorReply. Give the fully qualified name.',
    );
    expect(resolveTypeName('grid.ErrorReply', types).name).toBe('gridlink.grid.ErrorReply');
  });

  it('suggests close names for a typo, and lists every type when nothing is close', () => {
    const types = [{ name: 'gridlink.storage.AddEntry' }, { name: 'gridlink.storage.GetTags' }];
    expect(failure(() => resolveTypeName('addentry', types)).message).toBe('unknown message type "addentry"; did you mean gridlink.storage.AddEntry?');
    expect(failure(() => resolveTypeName('Zzz', types)).message).toBe(
      'unknown message type "Zzz"; known types: gridlink.storage.AddEntry, gridlink.storage.GetTags',
    );
  });
});
