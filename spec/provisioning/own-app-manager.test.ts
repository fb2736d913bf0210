/**
 * OwnAppManager.resolve: a request that arrives while the agent restarts this host's AppManager
 * waits for the new one to appear in the registry, and is refused Unavailable only after the wait.
 */
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../actors/app-gateway/gateway-error.js';
import { OwnAppManager, type BusView } from '../../actors/app-gateway/own-app-manager.js';
import type { ModuleRecord } from '../../core/bus/index.js';

const AGENT_PID = 4000;
const HOST_KEY = 'machine-1';

const record = (id: string, pid: number, role: string): ModuleRecord => ({
  id,
  incarnation: 1n,
  name: role,
  version: '1.0.0',
  host: 'host-a',
  hostKey: HOST_KEY,
  pid,
  routerEndpoints: [],
  pubEndpoints: [],
  roles: [{ name: role, requestTypes: [] }],
  topics: [],
  publishes: [],
  state: 'running',
  seq: 1,
  curvePublicKey: '',
});

/** A registry view holding the agent, and this host's AppManager once `present` is set. */
function view(state: { present: boolean }): () => BusView {
  const agent = record('agent', AGENT_PID, 'supervisor');
  const manager = record('manager-2', 4002, 'app-manager');
  return () => ({
    holders: (role) => (role === 'supervisor' ? [agent] : role === 'app-manager' && state.present ? [manager] : []),
    get: (id) => (id === 'manager-2' && state.present ? manager : undefined),
    ownHostKey: HOST_KEY,
  });
}

const parentOf = (pid: number): number | undefined => (pid === 4002 ? AGENT_PID : undefined);

describe('OwnAppManager.resolve', () => {
  it('waits for an AppManager that appears during the wait', async () => {
    const state = { present: false };
    const own = new OwnAppManager('app-manager', view(state), AGENT_PID, parentOf);
    setTimeout(() => (state.present = true), 120);
    const started = Date.now();
    await expect(own.resolve(2000, 10)).resolves.toBe('app-manager@manager-2');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('refuses with Unavailable once the wait is over', async () => {
    const own = new OwnAppManager('app-manager', view({ present: false }), AGENT_PID, parentOf);
    const error = await own.resolve(100, 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).message).toMatch(/no AppManager runs beside this gateway/);
  });

  it('answers at once when the AppManager is there, or when the setting names an address', async () => {
    const own = new OwnAppManager('app-manager', view({ present: true }), AGENT_PID, parentOf);
    await expect(own.resolve(0)).resolves.toBe('app-manager@manager-2');
    await expect(new OwnAppManager('app-manager@x', view({ present: false }), AGENT_PID, parentOf).resolve(0)).resolves.toBe('app-manager@x');
  });
});
