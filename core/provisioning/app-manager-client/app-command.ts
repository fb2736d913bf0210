// What a caller asks the AppManager to do, whichever way it came (a gateway's REST request or chat
// message, the dashboard): one union that AppManagerClient.run carries out. Parsing and checking
// callers' input stays with each caller (actors/app-gateway/app-command.ts for the gateways).

export type AppCommand =
  | { kind: 'apps'; name?: string; host?: string }
  | { kind: 'catalogue' }
  | { kind: 'plan'; name: string; versionRange?: string }
  | { kind: 'install'; name: string; versionRange?: string; planId?: string; start: boolean; config?: Record<string, unknown>; host?: string }
  | { kind: 'start'; name: string; withDependencies: boolean; host?: string }
  | { kind: 'stop'; name: string; force: boolean; reason?: string; host?: string }
  | { kind: 'remove'; name: string; deleteData: boolean; host?: string }
  | { kind: 'upgrade'; name: string; versionRange?: string; healthWindowMs: number; host?: string }
  | { kind: 'revert'; name: string; healthWindowMs: number; host?: string }
  | { kind: 'config'; name: string; config: Record<string, unknown>; host?: string };

export type CommandKind = AppCommand['kind'];

/** Commands that change something: they run as an operation with progress events. */
export const OPERATION_KINDS: readonly CommandKind[] = ['install', 'start', 'stop', 'remove', 'upgrade', 'revert', 'config'];

export function isOperation(command: AppCommand): boolean {
  return OPERATION_KINDS.includes(command.kind);
}
