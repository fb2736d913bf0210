/**
 * A child's captured stdout and stderr: one file, rotated by size
 * (name.log -> name.log.1 -> ... -> name.log.<keep>), and its last lines.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export class RotatingLog {
  private fd: number | undefined;
  private size = 0;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly keep: number,
  ) {}

  write(chunk: Buffer | string): void {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    try {
      if (this.fd === undefined) this.open();
      if (this.size > 0 && this.size + data.length > this.maxBytes) this.rotate();
      writeSync(this.fd!, data);
      this.size += data.length;
    } catch {
      // A full disk must not stop the supervisor; the lines are lost.
    }
  }

  /** The last `count` lines of the current and rotated files. */
  tail(count: number): string[] {
    const lines: string[] = [];
    for (let index = 0; index <= this.keep && lines.length < count; index++) {
      const file = index === 0 ? this.path : `${this.path}.${index}`;
      if (!existsSync(file)) continue;
      const text = readFileSync(file, 'utf8');
      const fileLines = text.split('\n');
      if (fileLines.at(-1) === '') fileLines.pop();
      lines.unshift(...fileLines.slice(-(count - lines.length)));
    }
    return lines.slice(-count);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    this.fd = openSync(this.path, 'a');
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    this.close();
    if (this.keep === 0) rmSync(this.path, { force: true });
    else {
      rmSync(`${this.path}.${this.keep}`, { force: true });
      for (let index = this.keep - 1; index >= 1; index--) {
        if (existsSync(`${this.path}.${index}`)) renameSync(`${this.path}.${index}`, `${this.path}.${index + 1}`);
      }
      renameSync(this.path, `${this.path}.1`);
    }
    this.open();
  }
}
