// The contract between the dashboard's backend (actors/dashboard/server) and its web application
// (actors/dashboard/web): the REST routes under /api, their JSON bodies, and the messages of the
// live WebSocket at /api/live. Both sides import these types; nothing here runs.
//
// Conventions:
// - JSON field names are camelCase; times are ms since the Unix epoch (UTC).
// - Every state-changing request (POST, PUT, DELETE) carries the session's CSRF token in the
//   header `X-CSRF-Token`; the session itself is the HttpOnly cookie `gridlink_session`.
// - Errors: HTTP status plus ApiError; 401 not logged in, 403 the role may not (or bad CSRF
//   token), 404 unknown thing, 409 conflict (e.g. wrong alarm state), 422 invalid input, 429 too
//   many logins, 502/503/504 a module behind the dashboard failed, is absent or timed out.

export type Role = 'administrator' | 'operator' | 'engineer';

/** What each role may do; the backend enforces it, the web app hides what is not allowed. */
export const permissions = {
  /** install, upgrade, roll back, configure, remove apps; place modules on hosts */
  manageApps: ['administrator'],
  /** acknowledge, shelve, unshelve alarms */
  handleAlarms: ['administrator', 'operator'],
  /** everything read-only: every role */
  view: ['administrator', 'operator', 'engineer'],
} as const satisfies Record<string, readonly Role[]>;

export interface ApiError {
  /** Short code: "Unauthenticated", "Forbidden", "NotFound", "Conflict", "InvalidArgument", "TooManyRequests", "Unavailable", "Timeout", "Failed". */
  code: string;
  /** For people: what went wrong and where. */
  message: string;
}

// ---------------------------------------------------------------- session

/** POST /api/login: sets the session cookie. Rate-limited per client address and per user. */
export interface LoginRequest {
  user: string;
  password: string;
}

/** Reply to POST /api/login and GET /api/session. */
export interface SessionInfo {
  user: string;
  role: Role;
  /** Send back in X-CSRF-Token with every state-changing request. */
  csrfToken: string;
  expiresMs: number;
}

// POST /api/logout: ends the session (204).

// ---------------------------------------------------------------- hosts and modules

/** GET /api/hosts: each host agent with its status and supervision tree. */
export interface HostView {
  host: string;
  agentId: string;
  load1m: number;
  cpuCount: number;
  freeMemoryBytes: number;
  totalMemoryBytes: number;
  runningModules: number;
  atMs: number;
  tree: TreeNodeView;
}

export interface TreeNodeView {
  /** Path, e.g. "root/grid/grm". */
  path: string;
  name: string;
  kind: 'supervisor' | 'worker';
  /** Worker: "running", "starting", "backing-off", "stopped", "failed"... as the agent says. */
  state: string;
  pid?: number;
  restarts?: number;
  module?: string;
  children?: TreeNodeView[];
}

/** GET /api/modules: the registry. */
export interface ModuleView {
  id: string;
  name: string;
  version: string;
  host: string;
  pid: number;
  state: string;
  roles: string[];
  topics: string[];
  publishes: string[];
}

// ---------------------------------------------------------------- apps (administrators change; all see)

/** GET /api/apps: installed apps (AppInfo of schemas/provisioning.fbs, flattened). */
export interface AppView {
  name: string;
  version: string;
  otherVersions: string[];
  state: string;
  host: string;
  detail: string;
  config: unknown;
  /** The JSON Schema of the configuration, for the form; absent when the app has none. */
  configSchema?: unknown;
  provides: string[];
  requires: string[];
}

/** GET /api/catalogue: what the App Store offers. */
export interface CatalogueView {
  storeUrl: string;
  entries: { name: string; version: string; description: string; provides: string[]; requires: string[]; defaultConfig: unknown; configSchema?: unknown }[];
}

/** POST /api/apps/plan {name, versionRange?} -> InstallPlanView (nothing is installed). */
export interface InstallPlanView {
  planId: string;
  steps: { action: string; name: string; version: string; reason: string }[];
  problems: string[];
}

/**
 * POST /api/apps/install {planId, name, versionRange?, configs: {<app name>: config}, host?}
 * POST /api/apps/:name/upgrade {versionRange?}, POST /api/apps/:name/rollback {} (RevertApp),
 * PUT /api/apps/:name/config {config}, DELETE /api/apps/:name, POST /api/apps/:name/start|stop:
 * each answers 202 with an OperationView at once; progress comes as `app-event` live messages
 * with the same operationId, and GET /api/operations/:id gives the state so far.
 */
export interface OperationView {
  operationId: string;
  kind: string;
  name: string;
  by: string;
  startedMs: number;
  /** "running", "succeeded", "failed". */
  state: string;
  events: { stage: string; name: string; version: string; message: string; timeMs: number }[];
  /** When finished: the apps afterwards, or the error. */
  result?: AppView[];
  error?: ApiError;
}

// ---------------------------------------------------------------- alarms

/** GET /api/alarms?states=&audience=&prefix= : Alarm of schemas/alarms.fbs as JSON (camelCase). */
export interface AlarmView {
  key: string;
  state: 'Raised' | 'Acknowledged' | 'Cleared' | 'Shelved';
  severity: 'Info' | 'Warning' | 'Minor' | 'Major' | 'Critical';
  audience: 'Administrator' | 'FieldEngineer';
  category: string;
  source: string;
  group: string;
  message: string;
  value?: number;
  raisedAtMs: number;
  updatedAtMs: number;
  count: number;
  by: string;
  comment: string;
  shelvedUntilMs: number;
  active: boolean;
  workOrderId: string;
}

// POST /api/alarms/ack {key, comment?}, POST /api/alarms/shelve {key, untilMs, comment?},
// POST /api/alarms/unshelve {key}: -> AlarmView; `by` is the session's user.
// GET /api/alarms/state -> SubstationState of schemas/alarms.fbs as JSON (camelCase).
// GET /api/alarms/notifications -> the last OperatorNotifications the dashboard saw (storm summaries).

// ---------------------------------------------------------------- data points

/** GET /api/datapoints?q=<name part>&tags=<t1,t2>&match=any|all */
export interface DataPointView {
  name: string;
  tags: string[];
  unit?: string;
  description?: string;
}

/** GET /api/datapoints/:name/statistics?from=&to= (both optional): StatisticsReply of storage as JSON. */
export type StatisticsView = Record<string, unknown>;

/**
 * GET /api/datapoints/:name/chart?from=&to=&pixels= : M4-downsampled (storage GetDownsampled).
 * Answered as application/octet-stream for speed: a little-endian header of 4 uint32 (magic
 * 0x474c4348 "GLCH", version 1, n, reserved) and a float64 source-entry count, then n float64
 * timestamps and n float64 values. `Accept: application/json` gives ChartView instead.
 */
export interface ChartView {
  dataPoint: string;
  fromMs: number;
  toMs: number;
  timestampsMs: number[];
  values: number[];
  sourceEntries: number;
}

// ---------------------------------------------------------------- topology

/** GET /api/topology: GRM's topology with SSD's verdicts and BEMS-AA's assignment. */
export interface TopologyView {
  source: string;
  version: number;
  elements: { id: string; name: string; kind: string; parent?: string; depth: number; open?: boolean }[];
  monitoringPoints: { id: string; element: string; dataPoint?: string }[];
  /** SSD verdicts per switch, when a verification ran. */
  switches: { id: string; recordedOpen: boolean; consistent: boolean; supportedOpen?: boolean; confidence: number; equivalent?: string }[];
  verifiedMs?: number;
  /** BEMS-AA: building -> monitoring point, with score and runner-up. */
  assignment: { building: string; point: string; score: number; runnerUp?: string }[];
  assignedMs?: number;
  /** What could not be fetched (a module absent...), for the page to say so. */
  problems: string[];
}

// ---------------------------------------------------------------- live WebSocket (/api/live)

/** Server -> browser, JSON text frames. The browser sends nothing but pings. */
export type LiveMessage =
  | { type: 'registry'; change: 'join' | 'update' | 'leave'; module: ModuleView; reason?: string }
  | { type: 'supervisor'; host: string; kind: string; child: string; pid: number; message: string; atMs: number }
  | { type: 'host'; host: HostView }
  | { type: 'alarm'; alarm: AlarmView; isNew: boolean }
  | { type: 'notification'; kind: string; group: string; text: string; atMs: number }
  | { type: 'app-event'; operationId: string; stage: string; name: string; version: string; state: string; message: string; timeMs: number }
  | { type: 'operation'; operation: OperationView };

// ---------------------------------------------------------------- audit

/** Every action, appended to the audit log (JSON lines) and served at GET /api/audit (administrators). */
export interface AuditEntry {
  atMs: number;
  user: string;
  role: Role | '';
  /** e.g. "login", "login-failed", "logout", "app-install", "app-config", "alarm-ack". */
  action: string;
  target: string;
  /** "ok", "refused" (role), "failed", with the reason in detail. */
  outcome: string;
  detail: string;
  address: string;
}
