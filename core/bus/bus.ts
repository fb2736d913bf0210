import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Dealer, Router, Subscriber, XPublisher } from './zeromq.js';
import type { Observable } from 'rxjs';
import type { MessageType } from '../schema/message-type.js';
import { messageTypeByName, verifyMessage } from '../schema/registry.js';
import { BusStatsReply, BusStatsRequest } from '../../schemas/generated/messages.js';
import { createLogger, type Logger } from '../log/logger.js';
import { forEachItem } from './batch.js';
import { resolveBusOptions, type BusOptions, type BusOptionsInput } from './config.js';
import { ControlCodec, type ControlMessage } from './control.js';
import { configureCurveClient, configureCurveServer, ZapHandler } from './curve.js';
import { Discovery, lanAddress, type BeaconInfo, type LanAddress } from './discovery.js';
import { chooseRouterEndpoint, choosePubEndpoint } from './endpoints.js';
import { EnvelopeEncoder, EnvelopeReader, MalformedFrameError, MessageKind, readEnvelope } from './envelope.js';
import { BackpressureError, BusClosedError, NoHandlersError, RecipientFailureError, type BusError } from './errors.js';
import { hostKey, newIncarnation, newModuleId } from './ids.js';
import { FLUSH_BYTES, Outbox, type OutboxEntry } from './outbox.js';
import { PeerLink } from './peer-link.js';
import { PendingRequests, type ReplyMessage } from './pending-requests.js';
import { ProxyChains } from './proxies/chain.js';
import type { Proxy, ProxyMessage, ProxyMessageKind } from './proxies/proxy.js';
import { Registry, handlesType, type ModuleRecord, type ModuleStateName, type RegistryChange, type RoleEntry } from './registry.js';
import { SocketWriter } from './socket-writer.js';
import { BusStats } from './stats.js';

/** A message as a handler receives it. `body` is only valid during the call unless copied. */
export interface Delivery {
  readonly kind: 'publish' | 'send' | 'request';
  readonly type: string;
  readonly body: Uint8Array;
  /** Module id of the sender. */
  readonly sender: string;
  /** Topic or role it was addressed to. */
  readonly target: string;
  readonly timestampMs: number;
}

/** What a request handler answers: a message, or an error reply (`error: true`). */
export interface ReplyValue {
  readonly type: string;
  readonly body: Uint8Array;
  readonly error?: boolean;
}

export type RequestHandler = (delivery: Delivery) => ReplyValue | void | Promise<ReplyValue | void>;
export type TopicHandler = (delivery: Delivery) => void;

export interface RequestOptions {
  /** Default: the bus option requestTimeoutMs (5 s). */
  timeoutMs?: number;
}

/** Roles, topics and published topics a module declares; goes into its registry record. */
export interface Declaration {
  roles?: readonly RoleEntry[];
  topics?: readonly string[];
  publishes?: readonly string[];
}

export type { ReplyMessage, ModuleRecord, RegistryChange, RoleEntry, ModuleStateName };

type Frames = (Buffer | Uint8Array | string)[];

const BUS_ERROR_TYPE = 'gridlink.bus.BusError';
const TOPIC_END = '\u0000';

/**
 * One bus node: the peer of a module process in the brokerless mesh.
 *
 * Sockets (the ZRE/Zyre layout): a ROUTER for all direct traffic in, an
 * XPUB for publications out, one SUB connected to every peer's publisher, a
 * DEALER per peer for direct traffic out, and a UDP socket for beacons.
 * Every peer holds a replica of the registry; each record has one writer.
 */
export class Bus {
  readonly id = newModuleId();
  readonly incarnation = newIncarnation();
  readonly registry = new Registry();
  readonly stats = new BusStats();
  readonly proxies = new ProxyChains();
  readonly options: BusOptions;
  readonly log: Logger;

  private readonly router = new Router();
  private readonly publisher = new XPublisher();
  private readonly subscriber = new Subscriber();
  /** Subscription prefixes of remote peers, from the XPUB (see receiveSubscriptions). */
  private readonly remoteSubscriptions = new Map<string, number>();
  /** hasSubscriber() answers per topic, dropped whenever a subscription changes. */
  private readonly subscriberAnswers = new Map<string, boolean>();
  private readonly peers = new Map<string, PeerLink>();
  private readonly seedLinks = new Map<string, PeerLink>();
  private readonly pending = new PendingRequests();
  private readonly encoder: EnvelopeEncoder;
  private readonly control: ControlCodec;
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly topicHandlers = new Map<string, Set<TopicHandler>>();
  private readonly wildcardHandlers = new Map<string, Set<TopicHandler>>();
  private readonly publications: Outbox;
  private readonly roundRobin = new Map<string, number>();
  private readonly malformedLogged = new Set<string>();
  private readonly topicFrames = new Map<string, Buffer>();
  /** Names of this module's roles, for the per-message check of a direct message's target. */
  private ownRoles = new Set<string>();
  private publishWriter!: SocketWriter;
  private discovery?: Discovery;
  private zap?: ZapHandler;
  private lan?: LanAddress;
  private timer?: NodeJS.Timeout;
  private flushScheduled = false;
  private closed = false;
  private own!: ModuleRecord;
  private ports = { router: 0, pub: 0, lanRouter: 0, lanPub: 0 };
  private ipcRouter = '';
  private ipcPub = '';
  private readonly hostKey = hostKey();
  private errorHandler: (error: BusError) => void;

  private constructor(options: BusOptions) {
    this.options = options;
    this.log = createLogger(options.name);
    this.encoder = new EnvelopeEncoder(this.id);
    this.publications = new Outbox(this.encoder, (topic) => this.topicFrame(topic));
    this.control = new ControlCodec();
    this.errorHandler = (error) => this.log.warn(error.message, { code: error.code });
  }

  /** Starts a bus node: binds its sockets, announces itself and begins discovery. */
  static async start(input: BusOptionsInput, declaration: Declaration = {}): Promise<Bus> {
    const bus = new Bus(resolveBusOptions(input));
    await bus.open(declaration);
    return bus;
  }

  // ---------------------------------------------------------------- public API

  /** Replaces the handler of failures nobody else catches (failed sends, dropped requests). */
  setDefaultErrorHandler(handler: (error: BusError) => void): void {
    this.errorHandler = handler;
  }

  /** Reports a failure to the default error handler. */
  reportError(error: BusError): void {
    try {
      this.errorHandler(error);
    } catch (handlerError) {
      this.log.error('default error handler threw', { error: String(handlerError) });
    }
  }

  get record(): ModuleRecord {
    return this.own;
  }

  get changes(): Observable<RegistryChange> {
    return this.registry.changes;
  }

  /** Publishes a typed message to every subscriber of the topic. */
  publish<T>(topic: string, type: MessageType<T>, value: T): void {
    this.publishRaw(topic, type.name, type.encode(value));
  }

  /**
   * Publishes encoded bytes. The bytes are copied into the next batch, so the
   * caller may reuse its buffer at once. Best effort: beyond the publisher's
   * high-water mark publications are dropped and counted.
   */
  publishRaw(topic: string, type: string, body: Uint8Array): void {
    if (this.closed) throw new BusClosedError(topic, type);
    if (this.proxies.hasOutbound) {
      const message = this.intercept('publish', topic, type, body);
      if (!message) return;
      topic = message.target;
      type = message.type;
      body = message.body;
    }
    if (this.hasLocalSubscriber(topic)) this.deliverLocalPublish(topic, type, body);
    const entry = this.publications.append(MessageKind.Publish, topic, type, body, 0, 0);
    this.stats.published++;
    if (entry.batch.length >= FLUSH_BYTES) this.flushPublication(entry);
    else this.scheduleFlush();
  }

  /** Sends a typed message to one live holder of the role (round-robin). Throws NoHandlersError at once. */
  send<T>(role: string, type: MessageType<T>, value: T): void {
    this.sendRaw(role, type.name, type.encode(value));
  }

  sendRaw(role: string, type: string, body: Uint8Array): void {
    if (this.closed) throw new BusClosedError(role, type);
    if (this.proxies.hasOutbound) {
      const message = this.intercept('send', role, type, body);
      if (!message) return;
      role = message.target;
      type = message.type;
      body = message.body;
    }
    const picked = this.pickHolder(role, type);
    const target = picked.target;
    role = picked.role;
    if (target === 'local') {
      const copy = new Uint8Array(body);
      queueMicrotask(() => this.dispatchDirect('send', role, type, copy, this.id, Date.now(), 0));
      this.stats.sent++;
      return;
    }
    this.enqueue(target, MessageKind.Send, role, type, body, 0, 0);
    this.stats.sent++;
  }

  /** A typed request; resolves with the decoded reply, rejects with a BusError. */
  async request<T, R>(role: string, type: MessageType<T>, value: T, replyType: MessageType<R>, options: RequestOptions = {}): Promise<R> {
    const reply = await this.requestRaw(role, type.name, type.encode(value), options);
    if (reply.type !== replyType.name) {
      throw new RecipientFailureError(role, type.name, reply.type, reply.body, `expected a ${replyType.name} reply, got ${reply.type}`);
    }
    return replyType.decode(reply.body);
  }

  /**
   * Sends a request to one live holder of the role and waits for its reply.
   * Fails at once with NoHandlers when nobody holds the role, with PeerGone
   * when the chosen peer leaves, disconnects or expires meanwhile, with
   * Timeout after `timeoutMs`, and with RecipientFailure on an error reply.
   */
  requestRaw(role: string, type: string, body: Uint8Array, options: RequestOptions = {}): Promise<ReplyMessage> {
    if (this.closed) return Promise.reject(new BusClosedError(role, type));
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    if (this.proxies.hasOutbound) {
      const message = this.intercept('request', role, type, body);
      if (!message) {
        // A dropped request behaves like a lost one: it times out.
        return new Promise((_, reject) => setTimeout(() => reject(new RecipientFailureError(role, type, BUS_ERROR_TYPE, new Uint8Array(), 'dropped by a proxy')), timeoutMs));
      }
      role = message.target;
      type = message.type;
      body = message.body;
    }
    let target: PeerLink | 'local';
    try {
      const picked = this.pickHolder(role, type);
      target = picked.target;
      role = picked.role;
    } catch (error) {
      return Promise.reject(error);
    }
    this.stats.requests++;
    const peerId = target === 'local' ? this.id : target.id;
    const { id, promise } = this.pending.add(peerId, role, type, timeoutMs);
    if (target === 'local') {
      const copy = new Uint8Array(body);
      queueMicrotask(() => this.dispatchDirect('request', role, type, copy, this.id, Date.now(), id));
    } else {
      this.enqueue(target, MessageKind.Request, role, type, body, id, Date.now() + timeoutMs);
    }
    return promise;
  }

  /** Handles a message type (request or send) on this module's roles. One handler per type. */
  handle(type: string, handler: RequestHandler): void {
    this.handlers.set(type, handler);
  }

  /**
   * Subscribes to a topic. A topic ending in "*" is a prefix ("grid/*" takes
   * "grid/meter/1"). Returns the function that ends the subscription.
   */
  subscribe(topic: string, handler: TopicHandler): () => void {
    const wildcard = topic.endsWith('*');
    const key = wildcard ? topic.slice(0, -1) : topic;
    const map = wildcard ? this.wildcardHandlers : this.topicHandlers;
    let set = map.get(key);
    const first = !set;
    if (!set) map.set(key, (set = new Set()));
    set.add(handler);
    if (first) {
      this.subscriber.subscribe(wildcard ? key : key + TOPIC_END);
      if (!this.own.topics.includes(topic)) this.declare({ topics: [...this.own.topics, topic] });
    }
    return () => {
      const current = map.get(key);
      if (!current?.delete(handler) || current.size > 0) return;
      map.delete(key);
      this.subscriber.unsubscribe(wildcard ? key : key + TOPIC_END);
      this.declare({ topics: this.own.topics.filter((t) => t !== topic) });
    };
  }

  /** Changes this module's roles, topics or state; every replica gets the delta. */
  declare(change: Declaration & { state?: ModuleStateName }): void {
    const roles = change.roles ? withBusRole(change.roles) : this.own.roles;
    const topics = change.topics ?? this.own.topics;
    this.own = {
      ...this.own,
      roles,
      topics,
      publishes: change.publishes ?? this.own.publishes,
      state: change.state ?? this.own.state,
      seq: this.own.seq + 1,
    };
    this.ownRoles = new Set(roles.map((r) => r.name));
    this.registry.upsert({ ...this.own });
    const delta = this.control.encode({
      kind: 'delta',
      id: this.id,
      incarnation: this.incarnation,
      seq: this.own.seq,
      state: change.state,
      roles: change.roles ? roles : undefined,
      topics: change.topics,
    });
    for (const peer of this.peers.values()) this.enqueueControl(peer, delta);
  }

  /** Replaces the proxy chains at run time; in-flight messages are not affected. */
  setProxies(outbound: readonly Proxy[], inbound: readonly Proxy[]): void {
    const before = this.proxies.describe();
    this.proxies.replace(outbound, inbound);
    const after = this.proxies.describe();
    if (before.outbound.join() !== after.outbound.join() || before.inbound.join() !== after.inbound.join()) this.log.info('proxies replaced', after);
  }

  /**
   * Tells every peer that another module is gone (a supervisor saw its
   * process die): each peer drops that incarnation's record and fails the
   * requests pending on it at once, without waiting for heartbeat expiry.
   */
  announceDeparture(id: string, incarnation: bigint, reason: string): void {
    if (this.closed) return;
    const leave = this.control.encode({ kind: 'leave', id, incarnation, reason });
    for (const peer of this.peers.values()) if (peer.id !== id) this.enqueueControl(peer, leave);
    const known = this.peers.get(id);
    if (known && (known.record === undefined || known.record.incarnation === incarnation)) this.dropPeer(known, `gone: ${reason}`);
  }

  /** Leaves the mesh: tells every peer, fails pending requests, closes every socket. */
  async close(reason = 'closed'): Promise<void> {
    if (this.closed) return;
    this.flush();
    const leave = this.control.encode({ kind: 'leave', id: this.id, incarnation: this.incarnation, reason });
    for (const peer of this.peers.values()) this.enqueueControl(peer, leave);
    this.flush();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.discovery?.stop();
    // Give the writers a moment to hand the Leave to libzmq (linger sends it).
    await waitFor(() => [...this.peers.values()].every((p) => p.writer.pending === 0), 200);
    this.pending.failAll((p) => new BusClosedError(p.role, p.type));
    for (const peer of [...this.peers.values(), ...this.seedLinks.values()]) {
      peer.writer.close();
      peer.dealer.linger = 100;
      peer.dealer.close();
    }
    this.peers.clear();
    this.seedLinks.clear();
    this.publishWriter.close();
    this.publisher.linger = 0;
    this.router.linger = 0;
    this.subscriber.linger = 0;
    this.publisher.close();
    this.router.close();
    this.subscriber.close();
    this.zap?.close();
    this.registry.close();
  }

  private statsReply(): BusStatsReply {
    const chains = this.proxies.describe();
    return {
      module: this.own.name,
      counters: Object.entries(this.snapshotStats()).map(([name, value]) => ({ name, value })),
      outboundProxies: chains.outbound,
      inboundProxies: chains.inbound,
    };
  }

  /** Counters for tools and tests: malformed input, drops, traffic. */
  snapshotStats(): Record<string, number> {
    return { ...this.stats.snapshot(), peers: this.peers.size, pendingRequests: this.pending.size, proxyVersion: this.proxies.version };
  }

  // ---------------------------------------------------------------- start-up

  private async open(declaration: Declaration): Promise<void> {
    const { options } = this;
    mkdirSync(options.runtimeDir, { recursive: true, mode: 0o700 });
    if (options.discovery.interface) this.lan = lanAddress(options.discovery.interface);
    if (options.keyring) {
      this.zap = new ZapHandler(options.keyring, (address, key) =>
        this.logMalformedOnce(`zap:${key}`, `refused a peer whose key is not in the keyring`, { address, key }),
      );
      await this.zap.start();
      configureCurveServer(this.router, options.keyring);
      configureCurveServer(this.publisher, options.keyring);
    }
    this.router.receiveHighWaterMark = options.highWaterMark;
    this.router.sendHighWaterMark = options.highWaterMark;
    this.publisher.sendHighWaterMark = options.highWaterMark;
    this.subscriber.receiveHighWaterMark = options.highWaterMark;
    this.router.mandatory = false;
    this.router.handover = true;
    // Publications never block the module: a full subscriber pipe fails the
    // send at once (noDrop + sendTimeout 0) and the batch is counted as dropped.
    this.publisher.noDrop = true;
    this.publisher.sendTimeout = 0;
    this.publisher.verbosity = 'allSubs';
    this.ipcRouter = `ipc://${join(options.runtimeDir, `${this.id}.router`)}`;
    this.ipcPub = `ipc://${join(options.runtimeDir, `${this.id}.pub`)}`;
    await this.router.bind(this.ipcRouter);
    await this.publisher.bind(this.ipcPub);
    await this.router.bind('tcp://127.0.0.1:0');
    await this.publisher.bind('tcp://127.0.0.1:0');
    this.ports.router = portOf(this.router.lastEndpoint);
    this.ports.pub = portOf(this.publisher.lastEndpoint);
    const routerEndpoints = [this.ipcRouter, `tcp://127.0.0.1:${this.ports.router}`];
    const pubEndpoints = [this.ipcPub, `tcp://127.0.0.1:${this.ports.pub}`];
    if (this.lan) {
      await this.router.bind(`tcp://${this.lan.address}:0`);
      await this.publisher.bind(`tcp://${this.lan.address}:0`);
      this.ports.lanRouter = portOf(this.router.lastEndpoint);
      this.ports.lanPub = portOf(this.publisher.lastEndpoint);
      routerEndpoints.push(`tcp://${this.lan.address}:${this.ports.lanRouter}`);
      pubEndpoints.push(`tcp://${this.lan.address}:${this.ports.lanPub}`);
    }
    this.publishWriter = new SocketWriter(this.publisher, options.maxQueuedBatches, (frames) => {
      this.stats.droppedPublications += batchCountOf(frames);
    });
    this.own = {
      id: this.id,
      incarnation: this.incarnation,
      name: options.name,
      version: options.version,
      host: hostname(),
      hostKey: this.hostKey,
      pid: process.pid,
      routerEndpoints,
      pubEndpoints,
      roles: withBusRole(declaration.roles ?? []),
      topics: declaration.topics ?? [],
      publishes: declaration.publishes ?? [],
      state: 'running',
      seq: 1,
      curvePublicKey: options.keyring?.publicKey ?? '',
    };
    this.ownRoles = new Set(this.own.roles.map((r) => r.name));
    this.registry.upsert({ ...this.own });
    this.handlers.set(BusStatsRequest.name, () => ({ type: BusStatsReply.name, body: BusStatsReply.encode(this.statsReply()) }));
    for (const topic of this.own.topics) {
      this.subscriber.subscribe(topic.endsWith('*') ? topic.slice(0, -1) : topic + TOPIC_END);
    }
    void this.receiveDirect();
    void this.receivePublications();
    void this.receiveSubscriptions();
    this.discovery = new Discovery(
      options.discovery,
      this.lan,
      () => ({
        id: this.id,
        incarnation: this.incarnation,
        seq: this.own.seq,
        curvePublicKey: this.own.curvePublicKey,
        ipcRouter: this.ipcRouter,
        ipcPub: this.ipcPub,
        loopbackPorts: { router: this.ports.router, pub: this.ports.pub },
        lanPorts: this.lan ? { router: this.ports.lanRouter, pub: this.ports.lanPub } : undefined,
      }),
      (beacon) => this.onBeacon(beacon),
      (address, why) => {
        this.stats.malformed++;
        this.logMalformedOnce(`udp:${address}`, why, { address });
      },
    );
    await this.discovery.start();
    const tick = Math.max(50, Math.min(options.heartbeat.intervalMs, options.heartbeat.evasiveMs / 3));
    let sinceHeartbeat = 0;
    this.timer = setInterval(() => {
      sinceHeartbeat += tick;
      const beat = sinceHeartbeat >= options.heartbeat.intervalMs;
      if (beat) sinceHeartbeat = 0;
      this.checkPeers(beat);
    }, tick);
    this.timer.unref();
    this.contactSeeds();
    this.log.info('bus started', { id: this.id, router: routerEndpoints.join(' '), discovery: `${options.discovery.cluster}@udp:${options.discovery.port}` });
  }

  // ---------------------------------------------------------------- discovery and links

  private onBeacon(beacon: BeaconInfo): void {
    if (beacon.id === this.id) return;
    const known = this.peers.get(beacon.id);
    if (beacon.leaving) {
      if (known) this.dropPeer(known, 'left (beacon)');
      return;
    }
    if (this.options.keyring && !this.zap?.isAllowed(beacon.curvePublicKey)) {
      this.logMalformedOnce(`beacon-key:${beacon.id}`, 'ignoring a module whose key is not in the keyring', { id: beacon.id, address: beacon.address });
      return;
    }
    if (known) {
      known.lastSeen = Date.now();
      if (known.record && beacon.seq > known.record.seq) this.enqueueControl(known, this.control.encode({ kind: 'resync', id: beacon.id, haveSeq: known.record.seq }));
      return;
    }
    const endpoint = beacon.sameHost ? beacon.ipcRouter : `tcp://${beacon.address}:${beacon.routerPort}`;
    let peer: PeerLink;
    try {
      peer = this.connectPeer(beacon.id, endpoint, beacon.curvePublicKey);
    } catch (error) {
      // A bad endpoint in a beacon, or a failing connect: try again at its next beacon.
      this.logMalformedOnce(`connect:${beacon.id}`, 'cannot connect to a discovered module', { id: beacon.id, endpoint, error: String(error) });
      return;
    }
    this.enqueueControl(peer, this.helloFrame(true));
  }

  private connectPeer(id: string, endpoint: string, curveKey: string): PeerLink {
    const existing = this.peers.get(id);
    if (existing) return existing;
    const dealer = new Dealer({ routingId: this.id });
    dealer.sendHighWaterMark = this.options.highWaterMark;
    dealer.immediate = false;
    dealer.linger = 0;
    if (this.options.keyring) configureCurveClient(dealer, this.options.keyring, curveKey);
    try {
      connectRetrying(dealer, endpoint);
    } catch (error) {
      dealer.close();
      throw error;
    }
    const writer = new SocketWriter(dealer, this.options.maxQueuedBatches, (frames, error) => {
      if (!this.closed) this.log.debug('direct message not sent', { peer: id, error: String(error), items: batchCountOf(frames) });
    });
    const peer = new PeerLink(id, endpoint, dealer, writer, new Outbox(this.encoder));
    dealer.events.on('disconnect', () => {
      if (this.closed || this.peers.get(id) !== peer) return;
      // On this host, a dropped connection whose process is gone is a death,
      // not a hiccup: remove it now rather than at heartbeat expiry.
      const record = peer.record;
      if (record && record.hostKey === this.hostKey && !processAlive(record.pid)) {
        this.dropPeer(peer, `process ${record.pid} is gone`);
        return;
      }
      peer.state = 'evasive';
      const failed = this.pending.failPeer(id, 'disconnected');
      if (failed > 0) this.log.info('peer disconnected; pending requests failed', { peer: id, failed });
    });
    dealer.events.on('handshake', () => {
      peer.state = 'alive';
    });
    dealer.events.on('connect', () => {
      if (!this.options.keyring) peer.state = 'alive';
    });
    this.peers.set(id, peer);
    return peer;
  }

  private contactSeeds(): void {
    for (const seed of this.options.discovery.seeds) {
      if (this.seedLinks.has(seed.endpoint)) continue;
      if ([...this.peers.values()].some((p) => p.endpoint === seed.endpoint)) continue;
      const dealer = new Dealer({ routingId: this.id });
      dealer.linger = 0;
      if (this.options.keyring) configureCurveClient(dealer, this.options.keyring, seed.publicKey ?? '');
      try {
        connectRetrying(dealer, seed.endpoint);
      } catch (error) {
        this.logMalformedOnce(`seed:${seed.endpoint}`, 'cannot connect to a seed', { endpoint: seed.endpoint, error: String(error) });
        dealer.close();
        continue;
      }
      const writer = new SocketWriter(dealer, 16, () => undefined);
      const link = new PeerLink(`seed:${seed.endpoint}`, seed.endpoint, dealer, writer, new Outbox(this.encoder));
      this.seedLinks.set(seed.endpoint, link);
      this.enqueueControl(link, this.helloFrame(true));
    }
  }

  private helloFrame(replyWanted: boolean): Uint8Array {
    return this.control.encode({ kind: 'hello', record: this.own, replyWanted });
  }

  private onHello(record: ModuleRecord, replyWanted: boolean): void {
    if (record.id === this.id) return;
    let peer = this.peers.get(record.id);
    if (!peer) {
      const endpoint = chooseRouterEndpoint(record, this.hostKey, this.lan?.address, (e) => this.seedLinks.has(e));
      if (!endpoint) {
        this.logMalformedOnce(`noroute:${record.id}`, 'no reachable endpoint in a Hello', { id: record.id, endpoints: record.routerEndpoints.join(' ') });
        return;
      }
      try {
        peer = this.connectPeer(record.id, endpoint, record.curvePublicKey);
      } catch (error) {
        this.logMalformedOnce(`connect:${record.id}`, 'cannot connect to a module that said Hello', { id: record.id, endpoint, error: String(error) });
        return;
      }
    }
    for (const endpoint of record.routerEndpoints) {
      const seed = this.seedLinks.get(endpoint);
      if (seed) {
        this.seedLinks.delete(endpoint);
        seed.writer.close();
        seed.dealer.close();
      }
    }
    peer.lastSeen = Date.now();
    const outcome = this.registry.upsert(record);
    peer.record = this.registry.get(record.id);
    if (outcome === 'join') {
      this.log.info('module joined', { name: record.name, id: record.id, host: record.host });
    }
    if (!peer.pubEndpoint) {
      const pub = choosePubEndpoint(record, peer.endpoint);
      if (pub) {
        if (this.options.keyring) this.subscriber.curveServerKey = record.curvePublicKey;
        connectRetrying(this.subscriber, pub);
        peer.pubEndpoint = pub;
      }
    }
    if (replyWanted) this.enqueueControl(peer, this.helloFrame(false));
  }

  private dropPeer(peer: PeerLink, why: string): void {
    if (this.peers.get(peer.id) !== peer) return;
    this.peers.delete(peer.id);
    const failed = this.pending.failPeer(peer.id, why);
    const record = this.registry.remove(peer.id, why);
    if (peer.pubEndpoint) {
      try {
        this.subscriber.disconnect(peer.pubEndpoint);
      } catch {
        // Already gone with the peer.
      }
    }
    peer.writer.close();
    peer.dealer.close();
    this.log.info('module left', { name: record?.name ?? '?', id: peer.id, why, failedRequests: failed });
  }

  private checkPeers(heartbeat: boolean): void {
    const now = Date.now();
    const { evasiveMs, expiredMs } = this.options.heartbeat;
    const beat = heartbeat ? this.control.encode({ kind: 'heartbeat', id: this.id, incarnation: this.incarnation, seq: this.own.seq }) : undefined;
    for (const peer of [...this.peers.values()]) {
      const silent = now - peer.lastSeen;
      if (silent > expiredMs) {
        this.dropPeer(peer, `expired after ${silent} ms of silence`);
        continue;
      }
      if (silent > evasiveMs && peer.state === 'alive') {
        peer.state = 'evasive';
        this.log.debug('peer evasive', { id: peer.id, silentMs: silent });
      }
      if (beat) this.enqueueControl(peer, beat);
    }
    if (heartbeat) this.contactSeeds();
  }

  // ---------------------------------------------------------------- routing out

  /**
   * Chooses the module that gets a send or request: this process when it
   * holds the role itself, else round-robin over the live holders that handle
   * the type (evasive ones only when no other is left). "role@x" narrows the
   * choice to the module whose id or name is x.
   */
  private pickHolder(address: string, type: string): { target: PeerLink | 'local'; role: string } {
    const at = address.indexOf('@');
    const role = at > 0 ? address.slice(0, at) : address;
    const only = at > 0 ? address.slice(at + 1) : undefined;
    const matches = (record: ModuleRecord): boolean => only === undefined || record.id === only || record.name === only;
    if (matches(this.own) && handlesType(this.own, role, type) && this.handlers.has(type)) return { target: 'local', role };
    const holders = this.registry.holders(role);
    let alive: PeerLink[] | undefined;
    let evasive: PeerLink | undefined;
    for (const record of holders) {
      if (record.id === this.id || record.state !== 'running' || !matches(record) || !handlesType(record, role, type)) continue;
      const peer = this.peers.get(record.id);
      if (!peer) continue;
      if (peer.state === 'alive') (alive ??= []).push(peer);
      else evasive ??= peer;
    }
    if (alive) {
      const cursor = this.roundRobin.get(address) ?? 0;
      this.roundRobin.set(address, cursor + 1);
      return { target: alive[cursor % alive.length], role };
    }
    if (evasive) return { target: evasive, role };
    throw new NoHandlersError(address, type);
  }

  private enqueue(peer: PeerLink, kind: MessageKind, target: string, type: string, body: Uint8Array, correlationId: number, deadlineMs: number): void {
    const entry = peer.outbox.append(kind, target, type, body, correlationId, deadlineMs);
    if (entry.batch.length >= FLUSH_BYTES) this.flushEntry(peer, entry);
    else this.scheduleFlush();
  }

  private enqueueControl(peer: PeerLink, body: Uint8Array): void {
    this.enqueue(peer, MessageKind.Control, '', this.control.typeName, body, 0, 0);
  }

  /**
   * Batches are sent at the end of the current turn of the event loop (a
   * microtask): a lone request leaves at once, while everything a turn
   * produces (a publishing loop, the continuations of a hundred awaited
   * replies) leaves together in one message per (peer, kind, target, type).
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(this.flushTask);
  }

  private readonly flushTask = (): void => this.flush();

  private flush(): void {
    this.flushScheduled = false;
    if (this.publications.dirty) this.publications.drain((_, frames, count) => this.sendPublication(frames, count));
    for (const peer of this.peers.values()) {
      if (peer.outbox.dirty) peer.outbox.drain((entry, frames, count) => this.sendDirect(peer, entry, frames, count));
    }
    for (const link of this.seedLinks.values()) {
      if (link.outbox.dirty) link.outbox.drain((entry, frames, count) => this.sendDirect(link, entry, frames, count));
    }
  }

  private flushEntry(peer: PeerLink, entry: OutboxEntry): void {
    const taken = peer.outbox.take(entry);
    if (taken) this.sendDirect(peer, entry, taken.frames, taken.count);
  }

  private flushPublication(entry: OutboxEntry): void {
    const taken = this.publications.take(entry);
    if (taken) this.sendPublication(taken.frames, taken.count);
  }

  private sendDirect(peer: PeerLink, entry: OutboxEntry, frames: (Buffer | Uint8Array)[], count: number): void {
    if (!peer.writer.push(frames)) {
      this.stats.backpressure += count;
      this.reportError(new BackpressureError(entry.target, entry.type, peer.id));
    }
  }

  private sendPublication(frames: (Buffer | Uint8Array)[], count: number): void {
    if (!this.publishWriter.push(frames)) this.stats.droppedPublications += count;
  }

  private topicFrame(topic: string): Buffer {
    let frame = this.topicFrames.get(topic);
    if (!frame) {
      frame = Buffer.from(topic + TOPIC_END);
      if (this.topicFrames.size > 10_000) this.topicFrames.clear();
      this.topicFrames.set(topic, frame);
    }
    return frame;
  }

  private intercept(kind: ProxyMessageKind, target: string, type: string, body: Uint8Array): ProxyMessage | undefined {
    const message: ProxyMessage = { kind, target, type, body, sender: this.id };
    if (this.proxies.outbound(message)) return message;
    this.stats.proxyDropped++;
    return undefined;
  }

  // ---------------------------------------------------------------- routing in

  private async receiveDirect(): Promise<void> {
    const reader = new EnvelopeReader();
    try {
      for await (const frames of this.router as AsyncIterable<Buffer[]>) {
        try {
          this.onDirect(frames, reader);
        } catch (error) {
          this.stats.malformed++;
          const from = frames[0] ? Buffer.from(frames[0]).toString('latin1').slice(0, 32).replace(/[^ -~]/g, '?') : '?';
          this.logMalformedOnce(`router:${from}`, `dropped a malformed message: ${(error as Error).message}`, { from });
        }
      }
    } catch (error) {
      if (!this.closed) this.log.error('direct receive loop ended', { error: String(error) });
    }
  }

  private onDirect(frames: Buffer[], reader: EnvelopeReader): void {
    if (frames.length !== 3) throw new MalformedFrameError(`expected 3 frames (identity, envelope, body), got ${frames.length}`);
    const [identity, head, body] = frames;
    const envelope = reader.read(head);
    if (identity.byteLength !== 32 || identity.toString('latin1') !== envelope.sender) {
      throw new MalformedFrameError('sender does not match the connection identity');
    }
    const peer = this.peers.get(envelope.sender);
    if (peer) {
      peer.lastSeen = Date.now();
      if (peer.state === 'evasive') peer.state = 'alive';
    }
    const kind = envelope.kind;
    const count = envelope.batchCount;
    if (count === 0) throw new MalformedFrameError('direct message without items');
    const sender = envelope.sender;
    const target = envelope.target;
    const type = envelope.type;
    const timestampMs = envelope.timestampMs;
    switch (kind) {
      case MessageKind.Control:
        forEachItem(body, count, (item) => this.onControl(sender, item));
        return;
      case MessageKind.Send:
      case MessageKind.Request:
        if (!peer) throw new MalformedFrameError(`${type} from unknown module ${sender} (no Hello yet)`);
        forEachItem(body, count, (item, correlationId) => {
          this.dispatchDirect(kind === MessageKind.Send ? 'send' : 'request', target, type, item, sender, timestampMs, correlationId);
        });
        this.stats.received += count;
        return;
      case MessageKind.Reply:
      case MessageKind.ErrorReply:
        forEachItem(body, count, (item, correlationId) => this.onReply(kind, type, item, sender, correlationId));
        return;
      default:
        throw new MalformedFrameError(`message kind ${kind} on the direct socket`);
    }
  }

  private onControl(sender: string, item: Uint8Array): void {
    const message: ControlMessage = this.control.decode(item);
    switch (message.kind) {
      case 'hello':
        if (message.record.id !== sender) throw new MalformedFrameError('Hello for another module');
        this.onHello(message.record, message.replyWanted);
        return;
      case 'delta': {
        if (message.id !== sender) throw new MalformedFrameError('registry delta for another module');
        const outcome = this.registry.applyDelta(message.id, message.incarnation, message.seq, message);
        const peer = this.peers.get(sender);
        if (peer) peer.record = this.registry.get(sender);
        if ((outcome === 'gap' || outcome === 'unknown') && peer) {
          this.stats.resyncs++;
          this.enqueueControl(peer, this.control.encode({ kind: 'resync', id: sender, haveSeq: peer.record?.seq ?? 0 }));
        }
        return;
      }
      case 'resync': {
        const peer = this.peers.get(sender);
        if (peer) this.enqueueControl(peer, this.helloFrame(false));
        return;
      }
      case 'heartbeat': {
        const peer = this.peers.get(sender);
        if (peer?.record && message.seq > peer.record.seq) {
          this.stats.resyncs++;
          this.enqueueControl(peer, this.control.encode({ kind: 'resync', id: sender, haveSeq: peer.record.seq }));
        }
        return;
      }
      case 'leave': {
        const peer = this.peers.get(message.id);
        if (peer && (peer.record === undefined || peer.record.incarnation === message.incarnation)) this.dropPeer(peer, `left: ${message.reason}`);
        return;
      }
    }
  }

  private onReply(kind: MessageKind, type: string, body: Uint8Array, sender: string, correlationId: number): void {
    const copy = body;
    if (kind === MessageKind.Reply) {
      if (!this.pending.resolve(correlationId, { type, body: copy, sender })) this.stats.lateReplies++;
      return;
    }
    const detail = type === BUS_ERROR_TYPE ? this.control.describeBusError(body) : describeReply(type, body);
    if (!this.pending.reject(correlationId, (p) => new RecipientFailureError(p.role, p.type, type, copy, detail))) this.stats.lateReplies++;
  }

  /**
   * Runs the handler of a send or request. Synchronous when the handler is:
   * no promise per message on the hot path, only for handlers that await.
   */
  private dispatchDirect(kind: 'send' | 'request', target: string, type: string, body: Uint8Array, sender: string, timestampMs: number, correlationId: number): void {
    if (this.proxies.hasInbound) {
      const message: ProxyMessage = { kind, target, type, body, sender };
      if (!this.proxies.inbound(message)) {
        this.stats.proxyDropped++;
        return;
      }
      type = message.type;
      body = message.body;
    }
    const handler = this.handlers.get(type);
    if (!handler || !(target === '' || this.ownRoles.has(target))) {
      if (kind === 'request') this.reply(sender, correlationId, this.busError('UnknownType', `${this.own.name} has no handler for ${type} on role "${target}"`));
      else this.log.debug('send without a handler dropped', { type, target });
      return;
    }
    let result: ReplyValue | void | Promise<ReplyValue | void>;
    try {
      result = handler({ kind, type, body, sender, target, timestampMs });
    } catch (error) {
      this.handlerFailed(kind, type, sender, correlationId, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (reply) => {
          if (kind === 'request') this.reply(sender, correlationId, reply ?? this.busError('RecipientFailure', `handler of ${type} gave no reply`));
        },
        (error: unknown) => this.handlerFailed(kind, type, sender, correlationId, error),
      );
    } else if (kind === 'request') {
      this.reply(sender, correlationId, result ?? this.busError('RecipientFailure', `handler of ${type} gave no reply`));
    }
  }

  private handlerFailed(kind: 'send' | 'request', type: string, sender: string, correlationId: number, error: unknown): void {
    const text = error instanceof Error ? error.message : String(error);
    this.log.warn('handler failed', { type, error: text });
    if (kind === 'request') this.reply(sender, correlationId, this.busError('RecipientFailure', text));
  }

  private busError(code: 'UnknownType' | 'RecipientFailure', message: string): ReplyValue {
    return { type: BUS_ERROR_TYPE, body: this.control.encodeBusError(code, message, this.own.name), error: true };
  }

  private reply(requester: string, correlationId: number, reply: ReplyValue): void {
    let { type, body } = reply;
    const kind = reply.error ? MessageKind.ErrorReply : MessageKind.Reply;
    if (this.proxies.hasOutbound) {
      const message = this.intercept(reply.error ? 'error' : 'reply', requester, type, body);
      if (!message) return;
      type = message.type;
      body = message.body;
    }
    if (requester === this.id) {
      if (kind === MessageKind.Reply) this.pending.resolve(correlationId, { type, body, sender: this.id });
      else this.onReply(kind, type, body, this.id, correlationId);
      return;
    }
    const peer = this.peers.get(requester);
    if (!peer) {
      this.stats.unroutableReplies++;
      return;
    }
    this.enqueue(peer, kind, requester, type, body, correlationId, 0);
  }

  private async receivePublications(): Promise<void> {
    const reader = new EnvelopeReader();
    const envelope = reader.fields;
    try {
      for await (const frames of this.subscriber as AsyncIterable<Buffer[]>) {
        try {
          this.onPublication(frames, reader);
        } catch (error) {
          this.stats.malformed++;
          this.logMalformedOnce(`sub:${envelope.sender || '?'}`, `dropped a malformed publication: ${(error as Error).message}`);
        }
      }
    } catch (error) {
      if (!this.closed) this.log.error('subscription loop ended', { error: String(error) });
    }
  }

  private onPublication(frames: Buffer[], reader: EnvelopeReader): void {
    if (frames.length !== 3) throw new MalformedFrameError(`expected 3 frames (topic, envelope, body), got ${frames.length}`);
    const [, head, body] = frames;
    const envelope = reader.read(head);
    if (envelope.kind !== MessageKind.Publish || envelope.batchCount === 0) throw new MalformedFrameError('not a publication');
    const peer = this.peers.get(envelope.sender);
    if (peer) peer.lastSeen = Date.now();
    const topic = envelope.target;
    const type = envelope.type;
    const sender = envelope.sender;
    const timestampMs = envelope.timestampMs;
    const exact = this.topicHandlers.get(topic);
    const inbound = this.proxies.hasInbound;
    forEachItem(body, envelope.batchCount, (item) => {
      this.stats.receivedPublications++;
      let itemType = type;
      let itemBody = item;
      if (inbound) {
        const message: ProxyMessage = { kind: 'publish', target: topic, type, body: item, sender };
        if (!this.proxies.inbound(message)) {
          this.stats.proxyDropped++;
          return;
        }
        itemType = message.type;
        itemBody = message.body;
      }
      const delivery: Delivery = { kind: 'publish', type: itemType, body: itemBody, sender, target: topic, timestampMs };
      if (exact) for (const handler of exact) this.callTopicHandler(handler, delivery);
      if (this.wildcardHandlers.size > 0) {
        for (const [prefix, handlers] of this.wildcardHandlers) {
          if (topic.startsWith(prefix)) for (const handler of handlers) this.callTopicHandler(handler, delivery);
        }
      }
    });
  }

  private callTopicHandler(handler: TopicHandler, delivery: Delivery): void {
    try {
      handler(delivery);
    } catch (error) {
      this.log.warn('topic handler failed', { topic: delivery.target, type: delivery.type, error: String(error) });
    }
  }

  private hasLocalSubscriber(topic: string): boolean {
    if (this.topicHandlers.has(topic)) return true;
    for (const prefix of this.wildcardHandlers.keys()) if (topic.startsWith(prefix)) return true;
    return false;
  }

  private deliverLocalPublish(topic: string, type: string, body: Uint8Array): void {
    const copy = new Uint8Array(body);
    const timestampMs = Date.now();
    queueMicrotask(() => {
      const delivery: Delivery = { kind: 'publish', type, body: copy, sender: this.id, target: topic, timestampMs };
      for (const handler of this.topicHandlers.get(topic) ?? []) this.callTopicHandler(handler, delivery);
      for (const [prefix, handlers] of this.wildcardHandlers) {
        if (topic.startsWith(prefix)) for (const handler of handlers) this.callTopicHandler(handler, delivery);
      }
    });
  }

  /**
   * XPUB hands us subscription messages (1 = subscribe, 0 = unsubscribe, then the prefix). libzmq
   * passes a prefix's first subscription and its last unsubscription (also when a subscriber's
   * connection ends), so the map holds the prefixes some peer wants: hasSubscriber() answers from it.
   */
  private async receiveSubscriptions(): Promise<void> {
    try {
      for await (const [frame] of this.publisher) {
        if (!frame || frame.byteLength === 0) continue;
        this.stats.subscriptionEvents++;
        const prefix = frame.subarray(1).toString('utf8');
        const count = this.remoteSubscriptions.get(prefix) ?? 0;
        if (frame[0] === 1) this.remoteSubscriptions.set(prefix, count + 1);
        else if (count <= 1) this.remoteSubscriptions.delete(prefix);
        else this.remoteSubscriptions.set(prefix, count - 1);
        this.subscriberAnswers.clear();
      }
    } catch {
      // Closed.
    }
  }

  /**
   * Whether a publication on `topic` would reach anyone now: a handler in this process or a peer
   * whose subscription matches. Publishers of costly per-item events (storage's EntryAdded) ask
   * first and skip encoding what nobody receives; ZeroMQ would drop it at the XPUB anyway. A peer
   * that subscribes a moment later misses what came before, as with any publication.
   */
  hasSubscriber(topic: string): boolean {
    if (this.hasLocalSubscriber(topic)) return true;
    let answer = this.subscriberAnswers.get(topic);
    if (answer === undefined) {
      const frame = topic + TOPIC_END;
      answer = false;
      for (const prefix of this.remoteSubscriptions.keys()) {
        if (frame.startsWith(prefix)) {
          answer = true;
          break;
        }
      }
      if (this.subscriberAnswers.size > 10_000) this.subscriberAnswers.clear();
      this.subscriberAnswers.set(topic, answer);
    }
    return answer;
  }

  private logMalformedOnce(key: string, message: string, fields?: Record<string, unknown>): void {
    if (this.malformedLogged.has(key)) return;
    if (this.malformedLogged.size > 10_000) this.malformedLogged.clear();
    this.malformedLogged.add(key);
    this.log.warn(`${message} (further ones from this source are counted, not logged)`, fields);
  }
}

/** An error reply of a schema type, as JSON text for logs ("gridlink.storage.ErrorReply {"code":"NotFound",...}"). */
function describeReply(type: string, body: Uint8Array): string {
  const messageType = messageTypeByName(type);
  if (!messageType) return `${type} error reply (${body.byteLength} bytes)`;
  const verified = verifyMessage(type, body);
  if (!verified.ok) return `${type} error reply (unreadable: ${verified.error.message})`;
  return `${type} ${JSON.stringify(messageType.toJson(verified.value))}`;
}

/**
 * connect() can fail with EINTR when a signal (a profiler's, a child's exit)
 * lands in the system call; that is worth one more try, anything else is not.
 */
function connectRetrying(socket: { connect(endpoint: string): void }, endpoint: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      socket.connect(endpoint);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EINTR' || attempt >= 3) throw error;
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every node answers BusStatsRequest on role "bus" ("bus@<module>" picks one). */
export const BUS_ROLE = 'bus';

function withBusRole(roles: readonly RoleEntry[]): RoleEntry[] {
  return [...roles.filter((r) => r.name !== BUS_ROLE), { name: BUS_ROLE, requestTypes: [BusStatsRequest.name] }];
}

function portOf(endpoint: string | null): number {
  const port = Number(endpoint?.slice(endpoint.lastIndexOf(':') + 1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`bus: could not read the port of ${endpoint}`);
  return port;
}

function batchCountOf(frames: Frames): number {
  const envelope = frames[frames.length - 2];
  if (!(envelope instanceof Uint8Array)) return 1;
  try {
    return readEnvelope(envelope).batchCount || 1;
  } catch {
    return 1;
  }
}

async function waitFor(condition: () => boolean, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  while (!condition() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
}
