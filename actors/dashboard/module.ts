// The dashboard: a bus module serving the utility's web application and its backend — REST under
// /api, the live WebSocket /api/live, the web app's files — on node:http. It talks to the other
// modules only over the bus (roles app-manager, alarms, storage, grm, ssd, bems-aa and
// supervisor@<agent id>). Users, roles, sessions, CSRF and the audit log: ./README.md.

import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Module, type Declarations } from '../../core/actor/index.js';
import type { RegistryChange } from '../../core/bus/index.js';
import { AlarmChanged, AppEvent, HostStatus, OperatorNotification, SupervisorEvent } from '../../schemas/generated/messages.js';
import { alarmView, notificationMessage, NotificationLog } from './server/alarm-view.js';
import { AuditLog } from './server/audit-log.js';
import type { DashboardBus, RouteContext } from './server/context.js';
import { HostDirectory, HOSTS_TOPIC, SUPERVISOR_ROLE } from './server/host-directory.js';
import { DashboardServer } from './server/http-server.js';
import { LiveHub } from './server/live-hub.js';
import { LoginLimiter } from './server/login-limiter.js';
import { moduleView } from './server/module-view.js';
import { Router } from './server/router.js';
import { registerAlarmsRoutes } from './server/routes/alarms.js';
import { registerAppsRoutes } from './server/routes/apps.js';
import { registerDatapointsRoutes } from './server/routes/datapoints.js';
import { registerOperationsRoutes } from './server/routes/operations.js';
import { registerTopologyRoutes } from './server/routes/topology.js';
import { registerAuditRoutes } from './server/routes/audit.js';
import { registerHostsRoutes } from './server/routes/hosts.js';
import { registerModulesRoutes } from './server/routes/modules.js';
import { registerSessionRoutes } from './server/routes/session.js';
import { SessionStore } from './server/sessions.js';
import { StaticFiles } from './server/static-files.js';
import { UsersFile } from './server/users-file.js';
import { dashboardDefaults, parseDashboardSettings, type DashboardSettings } from './settings.js';

export const SUPERVISOR_EVENTS_TOPIC = 'supervisor/events';
export const ALARM_CHANGES_TOPIC = 'alarms/changes';
export const ALARM_NOTIFICATIONS_TOPIC = 'alarms/notifications';
export const APP_EVENTS_TOPIC = 'app-manager/events';

const MODULE_DIR = dirname(fileURLToPath(import.meta.url));
const SESSION_SWEEP_MS = 60_000;

export default class Dashboard extends Module {
  static override info = { name: 'dashboard', version: '1.0.0', description: 'the web dashboard: hosts, modules, apps, alarms, data points and topology for administrators, operators and engineers' };
  static override defaults: Record<string, unknown> = { ...dashboardDefaults };

  // Checked when the module is constructed: a bad setting stops the start with a clear message.
  private readonly settings: DashboardSettings = parseDashboardSettings(this.config, this.stateDir, MODULE_DIR);
  private readonly notifications = new NotificationLog(this.settings.keepNotifications);
  private readonly bus: DashboardBus = {
    request: (address, type, value, replyType, timeoutMs) => this.context.bus().request(address, type, value, replyType, { timeoutMs: timeoutMs ?? this.settings.timeouts.queryMs }),
    publish: (topic, type, value) => this.context.bus().publish(topic, type, value),
    subscribe: (topic, type, handler) =>
      this.context.bus().subscribe(topic, (delivery) => {
        if (delivery.type !== type.name) return;
        try {
          handler(type.decode(delivery.body));
        } catch (error) {
          this.log.warn('publication not handled', { topic, type: type.name, error: error instanceof Error ? error.message : String(error) });
        }
      }),
    modules: () => this.context.bus().registry.list(),
    holders: (role) => this.context.bus().registry.holders(role),
  };
  private readonly hosts = new HostDirectory(this.bus, this.settings.timeouts.treeMs);
  /** Agents whose HostView is being fetched for the live socket (one fetch at a time per agent). */
  private readonly hostFetches = new Set<string>();
  private live?: LiveHub;
  private server?: DashboardServer;
  private stopRegistry?: () => void;

  override declare(on: Declarations): void {
    on.topic(SUPERVISOR_EVENTS_TOPIC, SupervisorEvent, (event) =>
      this.live?.broadcast({ type: 'supervisor', host: event.host ?? '', kind: event.kind, child: event.child ?? '', pid: event.pid, message: event.message ?? '', atMs: event.atMs }),
    );
    on.topic(HOSTS_TOPIC, HostStatus, (status) => {
      const agentId = this.hosts.update(status);
      if (agentId) this.pushHost(agentId);
    });
    on.topic(ALARM_CHANGES_TOPIC, AlarmChanged, (change) => this.live?.broadcast({ type: 'alarm', alarm: alarmView(change.alarm), isNew: change.isNew }));
    on.topic(ALARM_NOTIFICATIONS_TOPIC, OperatorNotification, (notification) => {
      const message = notificationMessage(notification);
      this.notifications.add(message);
      this.live?.broadcast(message);
    });
    on.topic(APP_EVENTS_TOPIC, AppEvent, (event) =>
      this.live?.broadcast({
        type: 'app-event',
        operationId: event.operationId ?? '',
        stage: event.stage,
        name: event.name ?? '',
        version: event.version ?? '',
        state: event.state,
        message: event.message ?? '',
        timeMs: event.timeMs,
      }),
    );
  }

  override async start(): Promise<void> {
    const settings = this.settings;
    // A missing or bad users file, an unbuilt web app or a missing package: the start fails saying which.
    const users = new UsersFile(settings.usersFile);
    if (users.count === 0) this.log.warn('the users file lists nobody: nobody can log in', { usersFile: settings.usersFile });
    const statics = new StaticFiles(settings.webDir);
    const audit = new AuditLog(settings.auditFile, this.log.child('audit'));
    const sessions = new SessionStore({ idleMs: settings.sessionIdleMs, maxMs: settings.sessionMaxMs }, settings.secureCookies);
    const live = new LiveHub({
      pingMs: settings.livePingMs,
      maxBufferedBytes: settings.liveMaxBufferedBytes,
      sessionAlive: (session) => sessions.alive(session) && users.find(session.user)?.role === session.role,
      log: this.log.child('live'),
    });
    sessions.onEnded((session) => live.endSession(session));
    this.live = live;

    const router = new Router();
    const ctx: RouteContext = { bus: this.bus, log: this.log.child('api'), live, audit, settings };
    registerSessionRoutes(router, ctx, { users, sessions, limiter: new LoginLimiter(settings.login) });
    registerHostsRoutes(router, ctx, this.hosts);
    registerModulesRoutes(router, ctx);
    registerAlarmsRoutes(router, ctx, this.notifications);
    registerAuditRoutes(router, ctx, audit);
    // ---------------------------------------------------------------- routes of the apps and data helper
    registerAppsRoutes(router, ctx);
    registerOperationsRoutes(router, ctx);
    registerDatapointsRoutes(router, ctx);
    registerTopologyRoutes(router, ctx);
    // ---------------------------------------------------------------- end of routes

    const bus = this.context.bus();
    const subscription = bus.changes.subscribe((change) => this.registryChanged(change));
    this.stopRegistry = () => subscription.unsubscribe();
    this.every(SESSION_SWEEP_MS, () => sessions.sweep());

    this.server = await DashboardServer.start({ settings, router, sessions, users, audit, live, statics, log: this.log.child('http') });
    if (settings.portFile) writeFileSync(settings.portFile, `${this.server.port}\n`);
    this.log.info('dashboard listening', { url: `${this.server.url}/`, usersFile: settings.usersFile, auditFile: settings.auditFile, routes: router.list().length });
  }

  override async release(): Promise<void> {
    this.stopRegistry?.();
    await super.release();
    await Promise.all([this.server?.close(), this.live?.close()]);
    this.server = undefined;
    this.live = undefined;
  }

  private registryChanged(change: RegistryChange): void {
    if (change.kind === 'leave' && change.record.roles.some((role) => role.name === SUPERVISOR_ROLE)) this.hosts.forget(change.record.id);
    this.live?.broadcast({ type: 'registry', change: change.kind, module: moduleView(change.record), ...(change.kind === 'leave' ? { reason: change.reason } : {}) });
  }

  /** A host's fresh view (status and tree) to the browsers, when any is connected. */
  private pushHost(agentId: string): void {
    const live = this.live;
    if (!live || live.clientCount === 0 || this.hostFetches.has(agentId)) return;
    this.hostFetches.add(agentId);
    void this.hosts
      .view(agentId)
      .then((host) => host && live.broadcast({ type: 'host', host }))
      .finally(() => this.hostFetches.delete(agentId));
  }
}
