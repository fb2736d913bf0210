/** Multi-host rollout: inventory, SSH bootstrap of host agents, host reports, placement by policy. */
export { bootstrapHost, BootstrapError, type BootstrapOptions, type BootstrapResult } from './bootstrap.js';
export { AGENT_ROLE, HOST_STATUS_TOPIC, HostMonitor, type HostChange, type HostMonitorOptions, type KnownHost } from './host-monitor.js';
export { findHost, InventoryError, loadInventory, parseInventory, type Inventory, type InventoryBus, type InventoryHost } from './inventory.js';
export { placeModule, type ModuleToPlace, type Placement } from './place-module.js';
export {
  choosePlacement,
  describeHost,
  describePolicy,
  loadScore,
  parsePolicy,
  PlacementError,
  type PlacementDecision,
  type PlacementPolicy,
} from './placement.js';
export { describeRuntime, tarStream, type RuntimeBundle } from './runtime-bundle.js';
export { HostKeyRefusedError, RemoteCommandError, scanHostKey, shellQuote, SshHost, type ExecResult } from './ssh-host.js';
