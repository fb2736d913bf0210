// better-sqlite3, the SQLite peer of several benchmarks (bench:storacle, bench:field). It is
// CommonJS and native: loaded with require() (see core/bus/zeromq.ts for why), and a bench row is
// marked unavailable, not crashed, when its binary does not load.

import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

export type DatabaseConstructor = typeof BetterSqlite3;

export function loadSqlite(): DatabaseConstructor {
  return createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
}

/** Why SQLite cannot be measured in this run, or undefined when it loads. */
export function sqliteUnavailable(): string | undefined {
  try {
    loadSqlite();
    return undefined;
  } catch (error) {
    return `better-sqlite3 cannot be loaded: ${error instanceof Error ? error.message : String(error)}`;
  }
}
