// What the AppManager asks of the host agent (role `supervisor`, schemas/supervisor.fbs): add an
// app version as a worker of a supervisor (AddChild), start and stop it (ChildCommand), and look
// at its node in the live tree (TreeRequest) for its state, pid and bus id.

import type { RequestType } from '../../core/schema/message-type.js';
import { AddChild, ChildCommand, TreeRequest, type ChildCommandReply, type ChildInfo } from '../../schemas/generated/messages.js';

export type AgentCall = <T, R>(type: RequestType<T, R>, value: T, timeoutMs: number) => Promise<R>;

/** Long enough for a start that waits for registration and a stop that goes through its grace periods. */
const COMMAND_TIMEOUT_MS = 60_000;

/** A worker name the tree accepts (letters, digits, _ . -; at most 64), unique per app version. */
export function childNameOf(app: string, version: string): string {
  const safe = (text: string): string => text.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `app-${safe(app)}-${safe(version)}`.slice(0, 64);
}

export class HostAgentClient {
  constructor(
    private readonly call: AgentCall,
    readonly supervisorPath: string,
  ) {}

  pathOf(childName: string): string {
    return `${this.supervisorPath}/${childName}`;
  }

  /** The worker's node in the live tree, if it is there. */
  async child(childName: string): Promise<ChildInfo | undefined> {
    const reply = await this.call(TreeRequest, {}, 10_000);
    const path = this.pathOf(childName);
    const find = (node: ChildInfo | undefined): ChildInfo | undefined => {
      if (!node) return undefined;
      if (node.path === path) return node;
      for (const child of node.children ?? []) {
        const found = find(child);
        if (found) return found;
      }
      return undefined;
    };
    return find(reply.root);
  }

  /**
   * Starts the worker of an app version: added to the supervisor the first
   * time, started again by command after that (the agent keeps stopped
   * workers in its tree). Resolves when the agent's start returned (the
   * module registered, exited, or the agent's own timeout passed).
   */
  async start(childName: string, moduleFile: string, configFile: string, shutdownMs: number): Promise<ChildCommandReply> {
    const existing = await this.child(childName);
    if (existing) return this.call(ChildCommand, { child: this.pathOf(childName), action: 'Start', force: false, reason: 'app-manager: start' }, COMMAND_TIMEOUT_MS);
    return this.call(
      AddChild,
      { supervisor: this.supervisorPath, spec: { name: childName, module: moduleFile, config: configFile, restart: 'Transient', shutdownMs } },
      COMMAND_TIMEOUT_MS,
    );
  }

  /** ShutdownRequest through the agent; `refused` in the reply when the module declined and force was not given. */
  async stop(childName: string, force: boolean, reason: string): Promise<ChildCommandReply> {
    if (!(await this.child(childName))) return { ok: true, refused: false, message: 'not in the tree' };
    return this.call(ChildCommand, { child: this.pathOf(childName), action: 'Stop', force, reason }, COMMAND_TIMEOUT_MS);
  }
}
