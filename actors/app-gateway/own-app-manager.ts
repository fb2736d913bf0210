// Which AppManager "this host" means. With several hosts on one bus every AppManager holds role
// `app-manager`, so the role alone may reach another host's. The gateway and the AppManager of its
// host are both workers spawned by the same host agent: the AppManager whose process has the
// gateway's parent as its parent (and the same hostKey, so pids compare on one machine) is ours,
// addressed by bus id. A gateway started by hand (its parent is no agent) uses the role; one run by
// an agent whose tree has no AppManager (or not yet, or no more) waits a little for it (its
// supervisor may be restarting it, and the registry learns of the new one a moment later), then
// is refused, Unavailable: the role would hand "this host's" request to another host.

import { readFileSync } from 'node:fs';
import type { ModuleRecord } from '../../core/bus/index.js';
import { GatewayError } from './gateway-error.js';

export const APP_MANAGER_ROLE = 'app-manager';
/** The role host agents hold. */
const AGENT_ROLE = 'supervisor';

/** The parts of the bus the choice needs: the registry's view and the gateway's own record. */
export interface BusView {
  holders(role: string): readonly ModuleRecord[];
  get(id: string): ModuleRecord | undefined;
  ownHostKey: string;
}

/** Parent pid of `pid` from /proc/<pid>/stat (field 4, after the command name in parentheses); undefined when unreadable. */
export function parentPid(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // not Linux, or the process is gone
  }
  // The command name may itself hold spaces and parentheses: the fields follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

/**
 * Remembers the bus id of this host's AppManager and resolves it again when that module has left
 * the registry (restarted by its supervisor: a new id). `setting` other than the plain role is
 * taken as it is.
 */
export class OwnAppManager {
  private ownId: string | undefined;

  constructor(
    private readonly setting: string,
    private readonly bus: () => BusView,
    private readonly ownParentPid: number = process.ppid,
    private readonly parentOf: (pid: number) => number | undefined = parentPid,
  ) {}

  /**
   * The address to ask; while the agent runs no AppManager, polls the registry for up to `waitMs`
   * (a restart in progress) before refusing with Unavailable.
   */
  async resolve(waitMs: number, pollMs = 50): Promise<string> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        return this.address();
      } catch (error) {
        if (!(error instanceof GatewayError) || Date.now() >= deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
    }
  }

  /** The address to ask now; throws Unavailable when the agent runs no AppManager at this moment. */
  address(): string {
    if (this.setting !== APP_MANAGER_ROLE) return this.setting;
    const view = this.bus();
    if (this.ownId !== undefined && view.get(this.ownId)) return `${APP_MANAGER_ROLE}@${this.ownId}`;
    // An orphan's parent is init (or a subreaper): its "siblings" would be any orphan.
    if (this.ownParentPid <= 1) return APP_MANAGER_ROLE;
    const sibling = view.holders(APP_MANAGER_ROLE).find((record) => record.hostKey === view.ownHostKey && this.parentOf(record.pid) === this.ownParentPid);
    this.ownId = sibling?.id;
    if (sibling) return `${APP_MANAGER_ROLE}@${sibling.id}`;
    const agent = view.holders(AGENT_ROLE).find((record) => record.hostKey === view.ownHostKey && record.pid === this.ownParentPid);
    if (agent) {
      throw new GatewayError('Unavailable', `no AppManager runs beside this gateway (none among the workers of its agent, ${agent.host} pid ${agent.pid})`, undefined, 503);
    }
    return APP_MANAGER_ROLE;
  }
}
