/**
 * When several host agents answer and no --agent names one, the console asks
 * which: a numbered list, one key to choose. chooserLines and chosenIndex are
 * pure (tested without a terminal); chooseAgent does the terminal part.
 */
import type { ModuleRecord } from '../../core/bus/registry.js';
import { fit } from './render.js';

/** At most nine agents can be chosen by key; more need --agent. */
export const MAX_CHOICES = 9;

export function chooserLines(agents: readonly ModuleRecord[], width: number): string[] {
  const lines = [
    `${agents.length} host agents answer; press 1-${Math.min(agents.length, MAX_CHOICES)} to watch one, q to quit:`,
    ...agents.slice(0, MAX_CHOICES).map((record, i) => `  ${i + 1}  ${record.id}  host ${record.host}  pid ${record.pid}  ${record.name}`),
  ];
  if (agents.length > MAX_CHOICES) lines.push(`  (${agents.length - MAX_CHOICES} more: name one with --agent <id>)`);
  return lines.map((line) => fit(line, Math.max(1, width)));
}

/** The index a key chooses, 'quit', or undefined for a key that does nothing. */
export function chosenIndex(key: string, count: number): number | 'quit' | undefined {
  if (key === 'q' || key === '\u0003' || key === '\u0004') return 'quit';
  if (!/^[1-9]$/.test(key)) return undefined;
  const index = Number(key) - 1;
  return index < Math.min(count, MAX_CHOICES) ? index : undefined;
}

/** Shows the list and waits for a choice; undefined when the user quits or the signal aborts. */
export function chooseAgent(agents: readonly ModuleRecord[], input: NodeJS.ReadStream, output: NodeJS.WriteStream, signal: AbortSignal): Promise<ModuleRecord | undefined> {
  output.write(`${chooserLines(agents, output.columns || 80).join('\r\n')}\r\n`);
  return new Promise((resolve) => {
    const finish = (record: ModuleRecord | undefined): void => {
      input.off('data', onData);
      signal.removeEventListener('abort', onAbort);
      if (input.isTTY) input.setRawMode(false);
      input.pause();
      resolve(record);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const key of Array.from(chunk.toString())) {
        const chosen = chosenIndex(key, agents.length);
        if (chosen === 'quit') return finish(undefined);
        if (chosen !== undefined) return finish(agents[chosen]);
      }
    };
    const onAbort = (): void => finish(undefined);
    if (signal.aborted) return finish(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    if (input.isTTY) input.setRawMode(true);
    input.on('data', onData);
    input.resume();
  });
}
