import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';

/**
 * Where a module keeps the state it hands over from one run to the next
 * (saved when it accepts a shutdown, given back to it on start). Written to a
 * temporary file and renamed, so a crash mid-write never leaves half a state.
 */
export class StateStore {
  readonly path: string;

  constructor(dir: string, name: string, private readonly log: Logger) {
    this.path = join(dir, `${name}.state.json`);
  }

  load(): unknown {
    if (!existsSync(this.path)) return undefined;
    const text = readFileSync(this.path, 'utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      // Keep the bytes for a person to look at; start without state.
      const aside = `${this.path}.corrupt-${Date.now()}`;
      renameSync(this.path, aside);
      this.log.error('saved state is not valid JSON; moved aside, starting without it', { file: aside, error: (error as Error).message });
      return undefined;
    }
  }

  save(state: unknown): void {
    if (state === undefined) return;
    mkdirSync(join(this.path, '..'), { recursive: true });
    const temp = `${this.path}.tmp-${process.pid}`;
    writeFileSync(temp, JSON.stringify(state, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
    renameSync(temp, this.path);
  }
}
