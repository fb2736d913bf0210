// One field link to an RTU, as the controlling station (master). Client mode dials the RTU and
// dials again after a close or a failed attempt, waiting backoff.initialMs, doubling up to
// backoff.maxMs (reset once a connection is up). Server mode listens and takes the RTU's
// connection (an RTU that dials in, e.g. over a mobile network); a new connection replaces the
// old one, whose socket is often dead without either side knowing. Once data transfer is started
// the link synchronises the clock and interrogates when configured, and again after the RTU
// reports an end of initialisation (it restarted). Every state change is reported as LinkInfo.

import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../core/log/logger.js';
import { TypeId, type Asdu, type CommandResult, type LinkClose } from '../../core/protocols/iec104/api.js';
import { ControllingStation } from '../../core/protocols/iec104/controlling-station.js';
import type { LinkInfo, LinkState } from '../../schemas/generated/messages.js';
import type { CommandSetting, LinkSetting } from './settings.js';

/** The link is not up: the command cannot be sent (FieldErrorReply Unavailable). */
export class LinkUnavailableError extends Error {
  override readonly name = 'LinkUnavailableError';
}

export interface FieldLinkOptions {
  readonly gateway: string;
  readonly log: Logger;
  readonly interrogationTimeoutMs: number;
  /** Each monitor ASDU; returns nothing (the link counts the objects as values received). */
  readonly onAsdu: (asdu: Asdu) => void;
  readonly onState: (info: LinkInfo) => void;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class FieldLink {
  private state: LinkState = 'Stopped';
  private message = 'not started';
  private sinceMs = Date.now();
  private peer: string;
  private values = 0;
  private failures = 0;
  private station: ControllingStation | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private server: Server | undefined;
  /** Commands go one at a time: the station matches confirmations by type and IOA. */
  private commandChain: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;

  constructor(
    readonly setting: LinkSetting,
    private readonly options: FieldLinkOptions,
  ) {
    this.log = options.log;
    this.peer = `${setting.host}:${setting.port}`;
  }

  get name(): string {
    return this.setting.name;
  }

  get isUp(): boolean {
    return this.state === 'Up' && this.station?.state === 'started';
  }

  info(): LinkInfo {
    return { gateway: this.options.gateway, link: this.setting.name, protocol: 'iec104', side: 'Field', state: this.state, peer: this.peer, message: this.message, sinceMs: this.sinceMs, values: this.values, failures: this.failures };
  }

  /** Begins connecting (client) or listening (server); resolves once a server is bound. */
  async start(): Promise<void> {
    if (this.setting.mode === 'server') await this.listen();
    else void this.dialLoop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const station = this.station;
    this.station = undefined;
    await station?.close('the gateway is stopping').catch(() => undefined);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.setState('Stopped', 'the gateway stopped');
  }

  /** Sends a command to the RTU (select first when asked); throws LinkUnavailableError when the link is not up. */
  command(command: CommandSetting, value: number, selectBeforeOperate: boolean, timeoutMs: number): Promise<CommandResult> {
    const run = async (): Promise<CommandResult> => {
      const station = this.station;
      if (!station || !this.isUp) throw new LinkUnavailableError(`link ${this.name} to ${this.peer} is ${this.state}${this.message ? `: ${this.message}` : ''}`);
      return station.command(command.commonAddress, TypeId[command.type], { ioa: command.ioa, value, quality: 0 }, { selectBeforeOperate, timeoutMs });
    };
    const result = this.commandChain.then(run, run);
    this.commandChain = result.catch(() => undefined);
    return result;
  }

  private setState(state: LinkState, message: string): void {
    const changed = state !== this.state;
    this.state = state;
    this.message = message;
    if (changed) this.sinceMs = Date.now();
    this.options.onState(this.info());
  }

  private newStation(host: string, port: number): ControllingStation {
    const station = new ControllingStation({ host, port, params: this.setting.params, originator: this.setting.originator, log: this.log, timeoutMs: this.options.interrogationTimeoutMs });
    station.onAsdu((asdu) => this.received(station, asdu));
    return station;
  }

  private received(station: ControllingStation, asdu: Asdu): void {
    if (station !== this.station) return;
    this.values += asdu.objects.length;
    if (asdu.typeId === TypeId.M_EI_NA_1) {
      this.log.info('the RTU reports an end of initialisation', { link: this.name, commonAddress: asdu.commonAddress, coi: asdu.objects[0]?.value ?? 0 });
      if (this.setting.interrogateOnConnect) void this.interrogate(station);
      return;
    }
    this.options.onAsdu(asdu);
  }

  // ---- client mode --------------------------------------------------------------------------

  private async dialLoop(): Promise<void> {
    const { host, port, backoff } = this.setting;
    let waitMs = backoff.initialMs;
    let attempt = 0;
    while (!this.stopped) {
      attempt++;
      this.setState('Connecting', `attempt ${attempt} to ${host}:${port}`);
      const station = this.newStation(host, port);
      const closed = new Promise<LinkClose>((resolve) => station.onClose(resolve));
      this.station = station;
      try {
        await station.connect();
      } catch (error) {
        this.station = undefined;
        await station.close('connection not established').catch(() => undefined);
        if (this.stopped) return;
        this.failures++;
        this.setState('Down', `connecting to ${host}:${port} failed: ${describe(error)}; next attempt in ${waitMs} ms`);
        await this.pause(waitMs);
        waitMs = Math.min(backoff.maxMs, waitMs * 2);
        continue;
      }
      if (this.stopped) return void (await station.close('the gateway is stopping'));
      waitMs = backoff.initialMs;
      attempt = 0;
      this.peer = `${host}:${port}`;
      this.setState('Up', `data transfer started with ${host}:${port}`);
      void this.afterStart(station);
      const close = await closed;
      if (this.station === station) this.station = undefined;
      if (this.stopped) return;
      this.setState('Down', `connection closed: ${close.reason}; next attempt in ${waitMs} ms`);
      if (close.error) this.log.warn('field link closed', { link: this.name, reason: close.reason });
      await this.pause(waitMs);
      waitMs = Math.min(backoff.maxMs, waitMs * 2);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  // ---- server mode --------------------------------------------------------------------------

  private async listen(): Promise<void> {
    const server = createServer((socket) => void this.accepted(socket));
    server.on('error', (error) => this.log.error('field link server error', { link: this.name, error: error.message }));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.setting.port, this.setting.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : this.setting.port;
    this.peer = `(listening on ${this.setting.host}:${port})`;
    this.setState('Connecting', `waiting for the RTU to connect to ${this.setting.host}:${port}`);
  }

  /** The port the server listens on (server mode), once started. */
  get listeningPort(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  private async accepted(socket: Socket): Promise<void> {
    const from = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (this.stopped) return void socket.destroy();
    const previous = this.station;
    if (previous) {
      this.log.warn('the RTU connected again: the new connection replaces the old one', { link: this.name, from, old: this.peer });
      this.station = undefined;
      await previous.close(`replaced by a new connection from ${from}`).catch(() => undefined);
    }
    this.peer = from;
    this.setState('Connecting', `the RTU connected from ${from}; starting data transfer`);
    // The station is named after the RTU's end of the call (its messages say host:port).
    const station = this.newStation(socket.remoteAddress ?? this.setting.host, socket.remotePort ?? 0);
    this.station = station;
    const closed = new Promise<LinkClose>((resolve) => station.onClose(resolve));
    try {
      await station.connect(socket);
    } catch (error) {
      if (this.station !== station) return;
      this.station = undefined;
      this.failures++;
      return this.setState('Down', `the connection from ${from} failed: ${describe(error)}; waiting for the RTU to connect again`);
    }
    if (this.station !== station) return;
    this.setState('Up', `data transfer started with the RTU at ${from}`);
    void this.afterStart(station);
    const close = await closed;
    if (this.station !== station || this.stopped) return;
    this.station = undefined;
    if (close.error) this.log.warn('field link closed', { link: this.name, reason: close.reason });
    this.setState('Down', `connection from ${from} closed: ${close.reason}; waiting for the RTU to connect again`);
  }

  // ---- after STARTDT --------------------------------------------------------------------------

  private async afterStart(station: ControllingStation): Promise<void> {
    if (this.setting.clockSyncOnConnect) {
      for (const commonAddress of this.commonAddresses()) {
        try {
          const result = await station.clockSync(commonAddress);
          this.log.info('clock synchronisation', { link: this.name, commonAddress, confirmed: result.confirmed, steps: result.steps.join(', ') });
        } catch (error) {
          this.log.warn('clock synchronisation failed', { link: this.name, commonAddress, error: describe(error) });
        }
      }
    }
    if (this.setting.interrogateOnConnect) await this.interrogate(station);
  }

  /** General interrogation of every common address the link maps; the values arrive through onAsdu. */
  private async interrogate(station: ControllingStation): Promise<void> {
    for (const commonAddress of this.commonAddresses()) {
      if (station !== this.station) return;
      try {
        const asdus = await station.interrogate(commonAddress, this.options.interrogationTimeoutMs);
        this.log.info('general interrogation done', { link: this.name, commonAddress, asdus: asdus.length, objects: asdus.reduce((n, a) => n + a.objects.length, 0) });
      } catch (error) {
        if (station === this.station) this.log.warn('general interrogation failed', { link: this.name, commonAddress, error: describe(error) });
      }
    }
  }

  private commonAddresses(): number[] {
    return [...new Set([this.setting.commonAddress, ...this.setting.points.map((p) => p.commonAddress)])];
  }
}
