/**
 * `npm start`: a whole substation on embedded defaults, running the SCDA
 * sequence on a simulated feeder.
 *
 *  1. A seeded feeder (tools/simulate) is planned in a scratch folder
 *     (.gridlink/start/ under the repository, or GRIDLINK_START_DIR).
 *  2. The host agent (`gridlink up`) starts with storage, alarms and the
 *     dashboard (actors/dashboard, its address printed): the profiles must be
 *     in storage and the CIM files on disk before the grid model loads. The
 *     dashboard's first administrator is made at the first start, with a
 *     random password written to dashboard-admin.txt in the scratch folder
 *     (mode 0600); later starts keep the users file and its accounts.
 *  3. `gridlink simulate --storage` writes the CIM files and the feeder's
 *     profiles into that storage (with --flip-switch, one switch recorded in
 *     the wrong state).
 *  4. GRM (on the simulated CIM), BRM, SSD and BEMS-AA are added to the
 *     agent's tree (AddChild), so they run supervised like storage.
 *  5. BEMS-AA is asked for an assignment over the simulated span, once per
 *     method; each step of the sequence is printed as BEMS-AA and GRM
 *     publish it; the result is judged against the simulator's ground truth.
 *  6. The feeder stays alive: this process publishes its next samples (the
 *     simulator run longer, tools/simulate/live-feed.ts) on `measurements`,
 *     which storage ingests, one simulated step per --feed-interval-ms.
 *
 * Then it keeps running until Ctrl-C, which stops the agent (every module in
 * reverse order).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readUsers } from '../actors/dashboard/server/users-file.js';
import { Bus } from '../core/bus/bus.js';
import {
  AddChild,
  AssignmentEvent,
  GridVerified,
  RunAssignment,
  type AssignmentReply,
} from '../schemas/generated/messages.js';
import { accuracyOf, readFeederTruth, truthSpan, type FeederTruth } from './assess/ground-truth.js';
import { FeederContinuation, startLiveFeed, stepText, type LiveFeed } from './simulate/live-feed.js';
import type { SimulationOptions } from './simulate/simulation.js';

// The modules log at their own level (GRIDLINK_LOG as given, else info) into the agent's log
// files; this process's own bus peer stays quiet on the terminal unless told otherwise.
const childEnv: NodeJS.ProcessEnv = { ...process.env };
process.env.GRIDLINK_LOG ??= 'warn';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'bin', 'gridlink.js');

interface StartOptions {
  cluster: string;
  port: number;
  seed: number;
  buildings: number;
  switches: number;
  monitoringPoints: number;
  days: number;
  methods: string[];
  flip: boolean;
  /** Real milliseconds per simulated step of the live feed; 0: no feed. */
  feedIntervalMs: number;
  /** The dashboard's TCP port on 127.0.0.1; 0: any free one. */
  dashboardPort: number;
}

/** The dashboard's first administrator, made by the first start. */
const FIRST_ADMIN = 'admin';

const MEASUREMENT_TOPIC = 'measurements';

const HELP = `npm start [-- options]

Starts a substation on embedded defaults and runs the SCDA sequence on a
simulated feeder: a host agent (gridlink up) with storage, alarms, the
dashboard (a web page; its address is printed), GRM, BRM, SSD and BEMS-AA; a seeded feeder (CIM files and one-minute profiles) written into
storage; then BEMS-AA assigns every building to a grid monitoring point,
after GRM had SSD verify the recorded switch states. Prints SSD's verdict and
the assignment's accuracy against the simulator's ground truth, then keeps
running until Ctrl-C.

Options:
  --flip-switch         record one switch in the wrong state in the CIM files:
                        SSD catches it, GRM passes on no topology and nothing
                        is assigned or stored
  --seed <n>            the feeder's random seed (default 2)
  --buildings <n>       buildings on the feeder (default 60)
  --switches <n>        switching devices (default 8)
  --monitoring-points <n>  monitoring points at branch heads (default 6)
  --days <d>            span of the profiles in days (default 2)
  --feed-interval-ms <n>  after the first result the feeder keeps measuring:
                        its next samples go out on \`measurements\` (stored by
                        storage), one simulated minute per <n> ms (default
                        1000; 0: no feed)
  --methods <list>      assignment methods, comma-separated, run in this
                        order, each result stored (default
                        least-squares,iterative,pearson; also spearman)
  --dashboard-port <n>  the dashboard's port on 127.0.0.1 (default 8490; 0: any
                        free port, printed)
  --cluster <name>      bus cluster (default gridlink, or GRIDLINK_CLUSTER)
  --port <udp>          discovery port (default 5670, or GRIDLINK_DISCOVERY_PORT)
  -h, --help            this text

Scratch files (feeder, configuration, module logs, storage) go to
.gridlink/start/ (GRIDLINK_START_DIR changes it) and are replaced at each start,
except the dashboard's users (dashboard-users.json): the first start makes the
administrator "admin" with a random password written to dashboard-admin.txt
there (readable by you only); add others with
  npx gridlink dashboard user add <name> --role operator --users-file .gridlink/start/dashboard-users.json

Look at it from another terminal with:
  npx gridlink registry
  npx gridlink subscribe 'bems-aa/events'
  npx gridlink request bems-aa GetAssignment '{}'
  npx gridlink subscribe measurements
  npx gridlink console
Ctrl-C stops every module.
`;

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): StartOptions | 'help' {
  const options: StartOptions = {
    cluster: process.env.GRIDLINK_CLUSTER ?? 'gridlink',
    port: Number(process.env.GRIDLINK_DISCOVERY_PORT ?? 5670),
    // Seed 2: a feeder where a flipped switch is visible to the monitoring points (--flip-switch).
    seed: 2,
    buildings: 60,
    switches: 8,
    monitoringPoints: 6,
    days: 2,
    methods: ['least-squares', 'iterative', 'pearson'],
    flip: false,
    feedIntervalMs: 1000,
    dashboardPort: 8490,
  };
  const whole = (name: string, value: string | undefined, min: number): number => {
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`${name} expects a whole number >= ${min}, not ${JSON.stringify(value ?? '')}`);
    return Number(value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--flip-switch':
        options.flip = true;
        break;
      case '--seed':
        options.seed = whole(flag, value(), 0);
        break;
      case '--buildings':
        options.buildings = whole(flag, value(), 2);
        break;
      case '--switches':
        options.switches = whole(flag, value(), 1);
        break;
      case '--monitoring-points':
        options.monitoringPoints = whole(flag, value(), 2);
        break;
      case '--days': {
        const days = Number(value());
        if (!Number.isFinite(days) || days <= 0 || days > 30) throw new UsageError('--days expects a number of days from above 0 to 30');
        options.days = days;
        break;
      }
      case '--methods':
        options.methods = (value() ?? '').split(',').map((method) => method.trim()).filter((method) => method !== '');
        if (options.methods.length === 0) throw new UsageError('--methods expects a comma-separated list, e.g. iterative,least-squares');
        break;
      case '--cluster':
        options.cluster = value() ?? '';
        if (options.cluster === '') throw new UsageError('--cluster expects a name');
        break;
      case '--port':
        options.port = whole(flag, value(), 1);
        break;
      case '--feed-interval-ms':
        options.feedIntervalMs = whole(flag, value(), 0);
        break;
      case '--dashboard-port':
        options.dashboardPort = whole(flag, value(), 0);
        if (options.dashboardPort > 65_535) throw new UsageError('--dashboard-port expects a TCP port (0 to 65535)');
        break;
      default:
        throw new UsageError(`unknown option ${arg} (npm start -- --help lists them)`);
    }
  }
  return options;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function percent(share: number): string {
  return `${(100 * share).toFixed(1)} %`;
}

/** Runs `gridlink <args>` to its end; rejects with its stderr when it fails. */
function runCli(args: readonly string[], cwd: string, register: (child: ChildProcess) => void): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    register(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolvePromise(out);
      else reject(new Error(`gridlink ${args[0]} ended with ${signal ?? `exit code ${code}`}: ${err.trim()}`));
    });
  });
}

/**
 * The dashboard's users file with an administrator in it: made at the first
 * start ("admin", a random password written to `passwordFile` with mode
 * 0600), kept as it is when it already names one. Returns whether it made one.
 */
function ensureFirstAdministrator(usersFile: string, passwordFile: string): boolean {
  if (existsSync(usersFile) && readUsers(usersFile).some((user) => user.role === 'administrator')) return false;
  const password = randomBytes(18).toString('base64url');
  const added = spawnSync(process.execPath, [cli, 'dashboard', 'user', 'add', FIRST_ADMIN, '--role', 'administrator', '--users-file', usersFile, '--password-stdin'], {
    input: `${password}\n`,
    encoding: 'utf8',
    env: childEnv,
  });
  if (added.status !== 0) throw new Error(`gridlink dashboard user add ${FIRST_ADMIN} failed (${added.signal ?? `exit code ${added.status}`}): ${added.stderr.trim()}`);
  writeFileSync(
    passwordFile,
    `# The dashboard's first administrator, made by npm start. Change the password with\n#   npx gridlink dashboard user add ${FIRST_ADMIN} --replace --role administrator --users-file ${usersFile}\nuser: ${FIRST_ADMIN}\npassword: ${password}\n`,
    { mode: 0o600 },
  );
  // The mode of an existing file is not changed by writeFileSync.
  chmodSync(passwordFile, 0o600);
  return true;
}

/** Whether 127.0.0.1:`port` can be listened on now (0: always). */
function portFree(port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolvePromise) => {
    const probe = createServer();
    probe.once('error', () => resolvePromise(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePromise(true)));
  });
}

async function waitFor(condition: () => boolean, what: string, timeoutMs: number, stopped: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (stopped()) throw new Error('interrupted');
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<number> {
  let options: StartOptions;
  try {
    const parsed = parseArgs(process.argv.slice(2));
    if (parsed === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    options = parsed;
  } catch (error) {
    process.stderr.write(`npm start: ${(error as Error).message}\n`);
    return 2;
  }

  // Said before anything starts: the dashboard would otherwise fail in the agent's tree, restarted in vain.
  if (!(await portFree(options.dashboardPort))) {
    process.stderr.write(`npm start: port ${options.dashboardPort} on 127.0.0.1 is in use (another dashboard?); choose one with --dashboard-port <n>, or 0 for any free port\n`);
    return 1;
  }
  const scratch = resolve(process.env.GRIDLINK_START_DIR ?? join(repoRoot, '.gridlink', 'start'));
  const simDir = join(scratch, 'sim');
  const stateDir = join(scratch, 'state');
  const logsDir = join(scratch, 'logs');
  // A new feeder each start: the old profiles would clash with the new ones in storage.
  for (const dir of [simDir, stateDir, logsDir]) rmSync(dir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  // The users outlive a start (the password file tells the first administrator's).
  const usersFile = join(scratch, 'dashboard-users.json');
  const passwordFile = join(scratch, 'dashboard-admin.txt');
  const dashboardPortFile = join(stateDir, 'dashboard.port');
  let madeAdministrator: boolean;
  try {
    madeAdministrator = ensureFirstAdministrator(usersFile, passwordFile);
  } catch (error) {
    process.stderr.write(`npm start: the dashboard's users: ${(error as Error).message}\n`);
    return 1;
  }
  const config = (name: string, settings: Record<string, unknown>): string => {
    const path = join(scratch, `${name}.json`);
    writeFileSync(path, `${JSON.stringify({ stateDir, settings }, null, 2)}\n`);
    return path;
  };
  const treeFile = join(scratch, 'tree.json');
  writeFileSync(
    treeFile,
    `${JSON.stringify(
      {
        root: {
          name: 'root',
          strategy: 'one_for_one',
          intensity: 5,
          periodMs: 10_000,
          children: [
            { name: 'storage', module: 'storage', config: config('storage', {}), restart: 'permanent', shutdown: 10_000 },
            { name: 'alarms', module: 'alarms', config: config('alarms', {}), restart: 'permanent', shutdown: 10_000 },
            {
              name: 'dashboard',
              module: 'dashboard',
              config: config('dashboard', { host: '127.0.0.1', port: options.dashboardPort, portFile: dashboardPortFile, usersFile }),
              restart: 'permanent',
              shutdown: 10_000,
            },
          ],
        },
        logs: { dir: logsDir },
      },
      null,
      2,
    )}\n`,
  );
  const busFlags = ['--cluster', options.cluster, '--port', String(options.port)];

  const children = new Set<ChildProcess>();
  let stopping = false;
  let agent: ChildProcess | undefined;
  let bus: Bus | undefined;
  let feed: LiveFeed | undefined;
  let agentExit: Promise<number> = Promise.resolve(0);
  let resolveStop!: () => void;
  const stopAsked = new Promise<void>((r) => (resolveStop = r));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`npm start: ${signal}: stopping every module\n`);
    resolveStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A Ctrl-C during the sequence (writing the feeder, an assignment) ends it at once: every step
  // is raced against the stop, then the substation is stopped in order below.
  const interrupted = stopAsked.then((): never => {
    throw new Error('interrupted');
  });
  interrupted.catch(() => undefined);
  const step = <T>(work: Promise<T>): Promise<T> => Promise.race([work, interrupted]);

  let exitCode = 0;
  let dashboardText = '';
  try {
    say(`gridlink start: a substation on cluster "${options.cluster}" (UDP ${options.port}); scratch files in ${scratch}`);
    // Its own process group: a Ctrl-C reaches this process only, which stops the agent in order.
    agent = spawn(process.execPath, [cli, 'up', treeFile, ...busFlags], { cwd: scratch, env: childEnv, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
    const started = agent;
    agentExit = new Promise((r) => started.on('exit', (code, signal) => r(code ?? (signal === null ? 1 : 128))));
    void agentExit.then((code) => {
      if (!stopping) {
        process.stderr.write(`npm start: the host agent ended unexpectedly (exit code ${code}); see ${logsDir}\n`);
        stopping = true;
        exitCode = 1;
        resolveStop();
      }
    });

    bus = await Bus.start({ name: 'gridlink-start', discovery: { port: options.port, cluster: options.cluster } });
    const peer = bus;
    const holds = (role: string): boolean => peer.registry.list().some((record) => record.state === 'running' && record.roles.some((entry) => entry.name === role));
    // The dashboard answers browsers, not the bus: it holds no role of its own, its name tells it.
    const dashboardUp = (): boolean => peer.registry.list().some((record) => record.state === 'running' && record.name === 'dashboard');
    await waitFor(() => holds('supervisor') && holds('storage') && holds('alarms') && dashboardUp(), 'the host agent with storage, alarms and the dashboard', 30_000, () => stopping);
    say('gridlink start: host agent, storage, alarms and the dashboard are up');
    if (options.dashboardPort === 0) await waitFor(() => existsSync(dashboardPortFile) && readFileSync(dashboardPortFile, 'utf8').trim() !== '', `the dashboard's port file ${dashboardPortFile}`, 10_000, () => stopping);
    const dashboardPort = options.dashboardPort === 0 ? Number(readFileSync(dashboardPortFile, 'utf8').trim()) : options.dashboardPort;
    dashboardText = dashboardLine(`http://127.0.0.1:${dashboardPort}/`, passwordFile, madeAdministrator);
    say(`gridlink start: ${dashboardText}`);

    const simulateArgs = ['simulate', '--out', simDir, '--storage', '--quiet', '--seed', String(options.seed), '--buildings', String(options.buildings), '--switches', String(options.switches), '--monitoring-points', String(options.monitoringPoints), '--days', String(options.days), ...(options.flip ? ['--flip', '1'] : []), ...busFlags];
    const simStarted = Date.now();
    const summary = await step(runCli(simulateArgs, scratch, (child) => {
      children.add(child);
      child.on('exit', () => children.delete(child));
    }));
    say(`gridlink start: simulated feeder (seed ${options.seed}) written to storage in ${((Date.now() - simStarted) / 1000).toFixed(1)} s: ${summary.split('\n')[0]}`);
    const truth: FeederTruth = readFeederTruth(join(simDir, 'feeder.json'));
    for (const flip of truth.flips) say(`gridlink start: the CIM files record ${flip.name} (${flip.switchId}) ${flip.recordedOpen ? 'open' : 'closed'}; it is actually ${flip.actualOpen ? 'open' : 'closed'}`);

    const grid: Array<[string, string, Record<string, unknown>]> = [
      ['grm', 'grm', { cimFiles: simDir }],
      ['brm', 'brm', {}],
      ['ssd', 'ssd', {}],
      ['bems-aa', 'bems-aa', {}],
    ];
    for (const [name, module, settings] of grid) {
      const reply = await step(peer.request('supervisor', AddChild, { supervisor: 'root', spec: { name, module, config: config(name, settings), restart: 'Permanent', shutdownMs: 10_000 } }, AddChild.reply, { timeoutMs: 30_000 }));
      if (!reply.ok) throw new Error(`the host agent did not add ${name}: ${reply.message ?? ''}`);
    }
    await waitFor(() => ['grm', 'brm', 'ssd', 'bems-aa'].every(holds), 'grm, brm, ssd and bems-aa on the bus', 30_000, () => stopping);
    say('gridlink start: grm, brm, ssd and bems-aa are up (supervised by the host agent)');

    // Each step of the sequence as the modules publish it.
    peer.subscribe('bems-aa/events', (delivery) => {
      if (delivery.type !== AssignmentEvent.name) return;
      const event = AssignmentEvent.decode(delivery.body);
      say(`  bems-aa ${event.step}: ${event.message ?? ''}`);
    });
    const verdicts: GridVerified[] = [];
    peer.subscribe('grm/events', (delivery) => {
      if (delivery.type !== GridVerified.name) return;
      const event = GridVerified.decode(delivery.body);
      verdicts.push(event);
      say(`  grm verified grid: ${event.valid ? 'valid' : 'NOT valid'}: ${event.reason ?? ''}`);
    });

    const span = truthSpan(truth);
    const assign = async (method: string, label: string): Promise<boolean> => {
      const asked = Date.now();
      const reply: AssignmentReply = await step(peer.request('bems-aa', RunAssignment, { fromMs: span.fromMs, toMs: span.toMs, stepMs: 0, method }, RunAssignment.reply, { timeoutMs: 120_000 }));
      if (!reply.validTopology) {
        const caught = truth.flips.filter((flip) => verdicts.some((verdict) => (verdict.inconsistentSwitches ?? []).includes(flip.switchId)));
        say(`gridlink start: ${label} (${method}): refused: ${reply.reason ?? ''}`);
        if (truth.flips.length > 0) {
          say(`gridlink start: SSD caught ${caught.length} of ${truth.flips.length} switch(es) recorded in the wrong state (${truth.flips.map((flip) => flip.name).join(', ')}); nothing was assigned (${reply.assignments?.length ?? 0} assignments) and nothing stored (stored=${reply.stored})`);
        } else exitCode = 1;
        return false;
      }
      const accuracy = accuracyOf(
        (reply.assignments ?? []).map((one) => ({ dataPoint: one.dataPoint ?? one.building, monitoringPoint: one.assigned ? one.monitoringPoint : undefined })),
        truth,
        (id) => truth.monitoringPoints.find((point) => point.id === id)?.dataPoint ?? id,
      );
      say(
        `gridlink start: ${label} (${method}): accuracy ${percent(accuracy.share)} (${accuracy.correct} of ${accuracy.judged} buildings at the monitoring point of the ground truth), ` +
          `${Date.now() - asked} ms for the whole sequence; stored=${reply.stored}${reply.storedAs ? ` as ${reply.storedAs}` : ''}`,
      );
      for (const wrong of accuracy.wrong.slice(0, 3)) say(`    wrong: ${wrong}`);
      if (accuracy.wrong.length > 3) say(`    ... and ${accuracy.wrong.length - 3} more`);
      return true;
    };
    const [main, ...others] = options.methods;
    if ((await assign(main!, 'first assignment')) && others.length > 0) {
      for (const method of others) await assign(method, 'for comparison, assignment');
      // Run the main method again so that the stored result, and GetAssignment, are its.
      await assign(main!, 'stored result, assignment');
    }
    if (options.feedIntervalMs > 0) {
      const recorded = (JSON.parse(readFileSync(join(simDir, 'feeder.json'), 'utf8')) as { options: Partial<SimulationOptions> }).options;
      const continuation = new FeederContinuation(recorded);
      peer.declare({ publishes: [MEASUREMENT_TOPIC] });
      feed = startLiveFeed(peer, continuation, {
        intervalMs: options.feedIntervalMs,
        topic: MEASUREMENT_TOPIC,
        onError: (error) => process.stderr.write(`npm start: the live feed stopped: ${error.message}\n`),
      });
      const interval = options.feedIntervalMs === 1000 ? 'second' : `${options.feedIntervalMs} ms`;
      say(`gridlink start: feeding ${continuation.dataPoints.length} data points on \`${MEASUREMENT_TOPIC}\`, one simulated ${stepText(continuation.options.stepMs)} per ${interval} (from ${new Date(continuation.historyEndMs + continuation.options.stepMs).toISOString()}, right after the stored history)`);
    }
    say(`gridlink start: running until Ctrl-C. Look at it from another terminal with:
  npx gridlink registry${busFlagsText(options)}
  npx gridlink subscribe 'bems-aa/events'${busFlagsText(options)}
  npx gridlink request bems-aa GetAssignment '{}'${busFlagsText(options)}${options.feedIntervalMs > 0 ? `
  npx gridlink subscribe ${MEASUREMENT_TOPIC}${busFlagsText(options)}` : ''}
  npx gridlink console${busFlagsText(options)}
  module logs: ${logsDir}
  ${dashboardText}`);
  } catch (error) {
    if ((error as Error).message !== 'interrupted') {
      process.stderr.write(`npm start: ${(error as Error).message}\n`);
      exitCode = 1;
      stopping = true;
      resolveStop();
    }
  }

  await stopAsked;
  feed?.stop();
  for (const child of children) child.kill('SIGTERM');
  await bus?.close('npm start stopping').catch(() => undefined);
  if (agent !== undefined && agent.exitCode === null && agent.signalCode === null) {
    agent.kill('SIGTERM');
    // A module that ignores its shutdown does not keep the substation from stopping for ever.
    const killer = setTimeout(() => {
      if (agent?.pid !== undefined) {
        try {
          process.kill(-agent.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, 30_000);
    await agentExit;
    clearTimeout(killer);
  }
  say('gridlink start: stopped');
  return exitCode;
}

function dashboardLine(url: string, passwordFile: string, made: boolean): string {
  const password = existsSync(passwordFile)
    ? `the password of ${FIRST_ADMIN} is in ${passwordFile}${made ? ' (made by this start)' : ''}`
    : `${passwordFile} is gone: log in with an administrator of ${join(passwordFile, '..', 'dashboard-users.json')}`;
  return `dashboard: ${url} (log in as ${FIRST_ADMIN}; ${password})`;
}

function busFlagsText(options: StartOptions): string {
  const flags: string[] = [];
  if (options.cluster !== 'gridlink') flags.push(`--cluster ${options.cluster}`);
  if (options.port !== 5670) flags.push(`--port ${options.port}`);
  return flags.length === 0 ? '' : ` ${flags.join(' ')}`;
}

process.exitCode = await main();
