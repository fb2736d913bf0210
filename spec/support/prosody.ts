/**
 * Test support: a real XMPP server (Debian prosody) on a free loopback port, with its own
 * configuration, data folder, log and pid file in a temporary folder. Client-to-server only
 * (no server-to-server, no HTTP); no TLS: the clients authenticate with SCRAM-SHA-1 over
 * loopback, which prosody allows without encryption when c2s_require_encryption is off.
 * Tests run as root (as CI does), which prosody refuses unless run_as_root is set.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeTcpPort } from './sshd.js';

const run = promisify(execFile);
const PROSODY = '/usr/bin/prosody';
const PROSODYCTL = '/usr/bin/prosodyctl';

export interface ProsodyServer {
  /** The XMPP domain (virtual host), e.g. "gridlink.test". */
  readonly domain: string;
  readonly port: number;
  /** `xmpp://127.0.0.1:<port>`, as @xmpp/client takes it. */
  readonly service: string;
  readonly dir: string;
  /** Creates an account (prosodyctl register); resolves with its bare JID. */
  register(username: string, password: string): Promise<string>;
  /** The server's log so far (for failure messages). */
  log(): Promise<string>;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s). */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts prosody in `dir` (created if absent); resolves once it accepts TCP connections. Given the
 * `port` and `dir` of a stopped server, it starts that server again with its accounts.
 */
export async function startProsody(dir: string, domain = 'gridlink.test', port?: number): Promise<ProsodyServer> {
  await mkdir(join(dir, 'data'), { recursive: true });
  await mkdir(join(dir, 'certs'), { recursive: true });
  port ??= await freeTcpPort();
  const configPath = join(dir, 'prosody.cfg.lua');
  const logPath = join(dir, 'prosody.log');
  await writeFile(configPath, configText({ dir, port, domain, logPath }));
  const child = spawn(PROSODY, ['--config', configPath, '-F'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => {
    running.delete(child);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  const readLog = async (): Promise<string> => `${output}${await readFile(logPath, 'utf8').catch(() => '')}`;
  const deadline = Date.now() + 15_000;
  let ended = false;
  void exited.then(() => (ended = true));
  while (!(await accepts(port))) {
    if (ended || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prosody did not listen on 127.0.0.1:${port}${ended ? ' (it ended)' : ' within 15 s'}:\n${await readLog()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    domain,
    port,
    service: `xmpp://127.0.0.1:${port}`,
    dir,
    async register(username, password) {
      await run(PROSODYCTL, ['--config', configPath, 'register', username, domain, password], { cwd: dir });
      return `${username}@${domain}`;
    },
    log: readLog,
    async stop() {
      if (ended) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function luaString(text: string): string {
  return JSON.stringify(text);
}

function configText(options: { dir: string; port: number; domain: string; logPath: string }): string {
  return `-- prosody for one test run (spec/support/prosody.ts)
run_as_root = true
daemonize = false
pidfile = ${luaString(join(options.dir, 'prosody.pid'))}
data_path = ${luaString(join(options.dir, 'data'))}
log = { { levels = { min = "info" }, to = "file", filename = ${luaString(options.logPath)} } }
interfaces = { "127.0.0.1" }
c2s_interfaces = { "127.0.0.1" }
c2s_ports = { ${options.port} }
s2s_ports = { }
http_ports = { }
https_ports = { }
c2s_direct_tls_ports = { }
certificates = ${luaString(join(options.dir, "certs"))}
component_ports = { }
modules_enabled = { "roster", "saslauth", "disco", "ping", "posix" }
modules_disabled = { "s2s", "tls" }
authentication = "internal_hashed"
storage = "internal"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
allow_registration = false
VirtualHost ${luaString(options.domain)}
`;
}
