/**
 * Topology files (e.g. CIM XML) stored whole under a name: in `<dataDir>/topology/<name>`, each
 * replaced atomically, or in a Map for a RAM-only store. Names become file names, so anything
 * that could leave the folder or clash with the temporary files is refused.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { StoreError } from './api.js';

const MAX_NAME_LENGTH = 200;

/** Throws StoreError InvalidArgument unless `name` is safe as a single file name. */
export function checkTopologyName(name: string): void {
  const bad = (why: string): never => {
    throw new StoreError('InvalidArgument', `topology name ${JSON.stringify(name)} ${why}`);
  };
  if (typeof name !== 'string' || name.length === 0) bad('is empty');
  if (name.length > MAX_NAME_LENGTH) bad(`is longer than ${MAX_NAME_LENGTH} characters`);
  if (name.includes('/') || name.includes('\\')) bad('contains a path separator');
  if (name === '.' || name.includes('..')) bad('contains ".."');
  if (name.includes('\0')) bad('contains a NUL character');
  if (name.includes('.tmp-')) bad('looks like a temporary file');
}

export class TopologyStore {
  /** Content by name; on disk also a cache of what was read at open or written since. */
  private readonly files = new Map<string, Uint8Array>();

  private constructor(private readonly dir: string | undefined) {}

  /** Loads the stored files (none for a RAM-only store). */
  static async open(dir: string | undefined): Promise<TopologyStore> {
    const store = new TopologyStore(dir);
    if (dir === undefined) return store;
    await fs.mkdir(dir, { recursive: true });
    for (const name of await fs.readdir(dir)) {
      if (name.includes('.tmp-')) {
        // A write that crashed before its rename: the old content (if any) is still in place.
        await fs.rm(path.join(dir, name), { force: true });
        continue;
      }
      store.files.set(name, new Uint8Array(await fs.readFile(path.join(dir, name))));
    }
    return store;
  }

  async put(name: string, content: Uint8Array): Promise<void> {
    checkTopologyName(name);
    const copy = new Uint8Array(content);
    if (this.dir !== undefined) {
      try {
        await writeFileAtomic(path.join(this.dir, name), copy);
      } catch (e) {
        throw new StoreError('IoError', `writing topology ${name}: ${(e as Error).message}`);
      }
    }
    this.files.set(name, copy);
  }

  get(name: string): Uint8Array {
    checkTopologyName(name);
    const content = this.files.get(name);
    if (content === undefined) throw new StoreError('NotFound', `no topology named ${name}`);
    return new Uint8Array(content);
  }

  names(): string[] {
    return [...this.files.keys()].sort();
  }
}
