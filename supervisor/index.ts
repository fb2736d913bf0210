/** The supervisor package: trees of module processes and the host agent. */
export { HostAgent, EVENTS_TOPIC, SUPERVISOR_ROLE, type AgentOptions } from './agent.js';
export { Supervisor } from './supervisor.js';
export { WorkerProcess, GRIDLINK_BIN } from './worker.js';
export { RegistryWatcher, type Registration } from './registry-watcher.js';
export { RotatingLog } from './log-file.js';
export { Backoff, IntensityWindow } from './restart-policy.js';
export { loadTreeFile, parseTree, TreeFileError } from './tree-file.js';
export * from './spec.js';
export type { ChildNode, ExitInfo, StopOptions, StopOutcome, TreeEvent } from './child.js';
