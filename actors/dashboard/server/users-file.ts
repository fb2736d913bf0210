// The dashboard's users: a JSON file the administrator keeps with `gridlink dashboard user ...`
//   {"users":[{"name":"ada","role":"administrator","password":"scrypt$32768$8$1$<salt>$<hash>"}]}
// Re-read when it changes (a user removed loses access at the next login; sessions of a removed
// user or a changed role end at their next request). Written atomically with mode 0600.

import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Role } from '../api.js';
import { hashPassword, parseHash, verifyPassword, type StoredHash } from './password.js';

export const ROLES: readonly Role[] = ['administrator', 'operator', 'engineer'];
export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export interface UserRecord {
  name: string;
  role: Role;
  /** The stored hash text. */
  password: string;
}

interface LoadedUser {
  record: UserRecord;
  hash: StoredHash;
}

export function parseUsers(text: string, where: string): UserRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not JSON (${(error as Error).message})`);
  }
  const list = typeof parsed === 'object' && parsed !== null && 'users' in parsed ? (parsed as { users: unknown }).users : undefined;
  if (!Array.isArray(list)) throw new Error(`${where}: expected {"users":[{"name","role","password"}]}`);
  const seen = new Set<string>();
  return list.map((item: unknown, index) => {
    const at = `${where}: users[${index}]`;
    if (typeof item !== 'object' || item === null) throw new Error(`${at} must be an object`);
    const { name, role, password } = item as Record<string, unknown>;
    if (typeof name !== 'string' || !USER_NAME.test(name)) throw new Error(`${at}.name must be 1-64 letters, digits, ".", "_", "@" or "-"`);
    if (seen.has(name)) throw new Error(`${at}: user "${name}" is listed twice`);
    seen.add(name);
    if (!ROLES.includes(role as Role)) throw new Error(`${at}.role must be one of ${ROLES.join(', ')}`);
    if (typeof password !== 'string') throw new Error(`${at}.password must be a scrypt hash (gridlink dashboard user add)`);
    try {
      parseHash(password);
    } catch (error) {
      throw new Error(`${at}.password ${(error as Error).message}`);
    }
    return { name, role: role as Role, password };
  });
}

export function readUsers(file: string): UserRecord[] {
  return parseUsers(readFileSync(file, 'utf8'), file);
}

/** Writes the file whole (temporary file, fsync, rename), readable by its owner only. */
export function writeUsers(file: string, users: readonly UserRecord[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ users }, null, 2)}\n`);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

/**
 * The users as the server checks them. A hash of a made-up password stands in for unknown users,
 * so an unknown name costs the same scrypt time as a wrong password (no user enumeration by timing).
 */
export class UsersFile {
  private users = new Map<string, LoadedUser>();
  private loadedMtimeMs = -1;
  private loadedSize = -1;
  private decoy?: Promise<StoredHash>;

  /** Throws with a clear message when the file is missing or bad (the module then refuses to start). */
  constructor(readonly file: string) {
    this.reload();
  }

  get count(): number {
    this.reloadIfChanged();
    return this.users.size;
  }

  /** The user when name and password match; undefined otherwise (always after one scrypt). */
  async verify(name: string, password: string): Promise<UserRecord | undefined> {
    this.reloadIfChanged();
    const user = this.users.get(name);
    const hash = user?.hash ?? (await this.decoyHash());
    const ok = await verifyPassword(hash, password);
    return ok && user ? user.record : undefined;
  }

  /** The user's current record (role changes and removals take effect on live sessions). */
  find(name: string): UserRecord | undefined {
    this.reloadIfChanged();
    return this.users.get(name)?.record;
  }

  private decoyHash(): Promise<StoredHash> {
    this.decoy ??= hashPassword(randomBytes(16).toString('hex')).then(parseHash);
    return this.decoy;
  }

  private reloadIfChanged(): void {
    let stat;
    try {
      stat = statSync(this.file);
    } catch {
      // A deleted file lets nobody in.
      this.users = new Map();
      this.loadedMtimeMs = -1;
      return;
    }
    if (stat.mtimeMs === this.loadedMtimeMs && stat.size === this.loadedSize) return;
    try {
      this.reload();
    } catch {
      // A half-edited file keeps the previous users until it parses again.
    }
  }

  private reload(): void {
    let stat;
    try {
      stat = statSync(this.file);
    } catch {
      throw new Error(`dashboard users file ${this.file} does not exist: create it with \`gridlink dashboard user add <name> --role administrator --users-file ${this.file}\``);
    }
    const records = readUsers(this.file);
    this.users = new Map(records.map((record) => [record.name, { record, hash: parseHash(record.password) }]));
    this.loadedMtimeMs = stat.mtimeMs;
    this.loadedSize = stat.size;
  }
}
