/**
 * Test support: real VictoriaMetrics and InfluxDB 1.x servers (Debian packages) on free
 * loopback ports, with their data in a temporary folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { freeTcpPort } from './sshd.js';

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class TestHttpServer {
  readonly output: string[] = [];
  private readonly exited: Promise<void>;

  constructor(
    readonly label: string,
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    running.add(child);
    this.exited = once(child, 'exit').then(() => {
      running.delete(child);
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.output.push(line);
        if (process.env.GRIDLINK_TEST_VERBOSE) process.stderr.write(`[${label}] ${line}\n`);
      });
    }
  }

  /** Polls `path` until it answers `status`; rejects with the server's output if it exits or takes too long. */
  async waitReady(path: string, status: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    for (;;) {
      if (exited) throw new Error(`${this.label} exited before it was ready; its output:\n${this.output.slice(-30).join('\n')}`);
      const answered = await fetch(new URL(path, this.url), { signal: AbortSignal.timeout(1_000) }).then(
        (r) => r.status,
        () => 0,
      );
      if (answered === status) return;
      if (Date.now() > deadline) throw new Error(`${this.label} not ready within ${timeoutMs} ms; its output:\n${this.output.slice(-30).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** victoria-metrics with its data in `dir`; resolves once /health answers. */
export async function startVictoriaMetrics(dir: string): Promise<TestHttpServer> {
  await mkdir(dir, { recursive: true });
  const port = await freeTcpPort();
  const child = spawn(
    'victoria-metrics',
    [`-storageDataPath=${dir}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=100y', '-search.disableCache', '-loggerLevel=WARN'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const server = new TestHttpServer('victoria-metrics', child, `http://127.0.0.1:${port}`);
  try {
    await server.waitReady('/health', 200);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** influxd (1.x) configured by environment variables (research/tsdb.md §4.3); resolves once /ping answers. */
export async function startInfluxDb(dir: string): Promise<TestHttpServer> {
  await mkdir(dir, { recursive: true });
  const port = await freeTcpPort();
  const rpcPort = await freeTcpPort();
  const child = spawn('influxd', ['run'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      INFLUXDB_REPORTING_DISABLED: 'true',
      INFLUXDB_META_DIR: join(dir, 'meta'),
      INFLUXDB_DATA_DIR: join(dir, 'data'),
      INFLUXDB_DATA_WAL_DIR: join(dir, 'wal'),
      INFLUXDB_HTTP_BIND_ADDRESS: `127.0.0.1:${port}`,
      INFLUXDB_BIND_ADDRESS: `127.0.0.1:${rpcPort}`,
      INFLUXDB_HTTP_LOG_ENABLED: 'false',
      INFLUXDB_DATA_QUERY_LOG_ENABLED: 'false',
      INFLUXDB_MONITOR_STORE_ENABLED: 'false',
      INFLUXDB_HTTP_MAX_ROW_LIMIT: '0',
      INFLUXDB_LOGGING_LEVEL: 'warn',
    },
  });
  const server = new TestHttpServer('influxd', child, `http://127.0.0.1:${port}`);
  try {
    await server.waitReady('/ping', 204);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
