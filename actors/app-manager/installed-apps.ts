// The durable record of installed apps: `<appsDir>/apps.json`, rewritten atomically (a temporary
// file, fsync, rename, fsync of the folder) after every change, reloaded when the AppManager
// starts. What runs is asked of the host agent; this file says what should be there.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ProxyConfig } from '../../core/bus/index.js';
import type { Manifest } from '../../core/provisioning/package/index.js';
import type { AppState } from '../../schemas/generated/messages.js';

/** One installed version of an app. */
export interface InstalledVersion {
  readonly version: string;
  readonly manifest: Manifest;
  /** The module file `gridlink run` starts, absolute. */
  readonly entryFile: string;
  /** Name of its worker in the host agent's tree (unique per app version). */
  readonly childName: string;
  readonly installedMs: number;
}

export interface InstalledApp {
  readonly name: string;
  /** The version that runs or would run. */
  current: string;
  /** Every installed version (the current one and those kept for rollback), newest first. */
  versions: InstalledVersion[];
  /** The settings a person chose (ConfigureApp, InstallApp.config_json); merged over the version's defaults. */
  overrides: Record<string, unknown>;
  /** The module's proxy chains (module configuration "proxies"), when set by ConfigureApp. */
  proxies?: ProxyConfig;
  state: AppState;
  detail: string;
  moduleId: string;
  installedMs: number;
  sinceMs: number;
}

interface RecordFile {
  format: 1;
  apps: InstalledApp[];
}

export class InstalledApps {
  private readonly apps = new Map<string, InstalledApp>();
  readonly file: string;

  constructor(readonly appsDir: string) {
    this.file = join(appsDir, 'apps.json');
  }

  /** Reads the record; a missing file is an empty record, an unreadable one an error naming the file. */
  load(): void {
    this.apps.clear();
    if (!existsSync(this.file)) return;
    let parsed: RecordFile;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8')) as RecordFile;
    } catch (error) {
      throw new Error(`${this.file}: not valid JSON (${(error as Error).message}); fix or move it aside`);
    }
    if (parsed.format !== 1 || !Array.isArray(parsed.apps)) throw new Error(`${this.file}: not an AppManager record (format 1)`);
    for (const app of parsed.apps) this.apps.set(app.name, app);
  }

  get(name: string): InstalledApp | undefined {
    return this.apps.get(name);
  }

  list(): InstalledApp[] {
    return [...this.apps.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  set(app: InstalledApp): void {
    this.apps.set(app.name, app);
    this.save();
  }

  delete(name: string): void {
    this.apps.delete(name);
    this.save();
  }

  /** Writes the whole record atomically. */
  save(): void {
    mkdirSync(this.appsDir, { recursive: true });
    const body: RecordFile = { format: 1, apps: this.list() };
    writeFileAtomic(this.file, JSON.stringify(body, null, 2) + '\n');
  }
}

export function versionOf(app: InstalledApp, version = app.current): InstalledVersion {
  const found = app.versions.find((v) => v.version === version);
  if (!found) throw new Error(`${app.name}: no installed version ${version}`);
  return found;
}

/** A temporary file beside the target, fsync'ed, renamed over it, and the folder fsync'ed: a crash leaves the old or the new content. */
export function writeFileAtomic(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  const dir = openSync(dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
