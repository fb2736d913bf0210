export { ChildActor, type ChildBehavior, type ChildOptions, type ChildRestart } from './child-actor.js';
export { Module, ReplyError, type Declarations, type MessageMeta, type ModuleClass, type ModuleContext, type ModuleInfo, type RequestCallOptions, type RoleDeclaration, type ShutdownAsk, type ShutdownDecision } from './module.js';
export { CONFIG_ROLE, ModuleRuntime, SHUTDOWN_ROLE, type RunOptions } from './runtime.js';
export { exposeToModule, startWorker, type Remote, type WorkerHandle } from './worker.js';
export { ReplyLater, replyLater } from './reply-later.js';
