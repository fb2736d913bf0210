/** How the CLI writes JSON and module records. */
import type { ModuleRecord } from '../../core/bus/registry.js';

/**
 * JSON text of a value; bigints become decimal strings and byte arrays
 * base64, so nothing the bus or a codec hands over makes stringify throw.
 */
export function jsonText(value: unknown, pretty = false): string {
  return JSON.stringify(
    value,
    (_key, item: unknown) => {
      if (typeof item === 'bigint') return item.toString();
      if (item instanceof Uint8Array) return Buffer.from(item.buffer, item.byteOffset, item.byteLength).toString('base64');
      return item;
    },
    pretty ? 2 : undefined,
  );
}

/**
 * Prints one JSON document on stdout: indented for a person at a terminal,
 * one line when piped (so `| jq` and line-by-line readers both work).
 */
export function printJson(value: unknown, pretty = process.stdout.isTTY === true): void {
  process.stdout.write(`${jsonText(value, pretty)}\n`);
}

/** Prints one JSON line on stdout (streams of events, publications). */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${jsonText(value)}\n`);
}

/** One line on stderr. */
export function printNote(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** A module record as JSON: every field, the 64-bit incarnation as a decimal string. */
export type ModuleRecordJson = {
  id: string;
  name: string;
  version: string;
  host: string;
  hostKey: string;
  pid: number;
  state: string;
  roles: { name: string; requestTypes: string[] }[];
  topics: string[];
  publishes: string[];
  routerEndpoints: string[];
  pubEndpoints: string[];
  incarnation: string;
  seq: number;
  curvePublicKey: string;
};

export function recordJson(record: ModuleRecord): ModuleRecordJson {
  return {
    id: record.id,
    name: record.name,
    version: record.version,
    host: record.host,
    hostKey: record.hostKey,
    pid: record.pid,
    state: record.state,
    roles: record.roles.map((role) => ({ name: role.name, requestTypes: [...role.requestTypes] })),
    topics: [...record.topics],
    publishes: [...record.publishes],
    routerEndpoints: [...record.routerEndpoints],
    pubEndpoints: [...record.pubEndpoints],
    incarnation: record.incarnation.toString(),
    seq: record.seq,
    curvePublicKey: record.curvePublicKey,
  };
}

/** Records in a stable order for people: by name, then id. */
export function sortRecords(records: readonly ModuleRecord[]): ModuleRecord[] {
  return [...records].sort((a, b) => (a.name === b.name ? a.id.localeCompare(b.id) : a.name.localeCompare(b.name)));
}

/** A plain text table with a header row; columns as wide as their widest cell. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
