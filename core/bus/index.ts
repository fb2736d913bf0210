export { Bus, type Declaration, type Delivery, type ReplyValue, type RequestHandler, type RequestOptions, type TopicHandler } from './bus.js';
export { defaultBusOptions, resolveBusOptions, type BusOptions, type BusOptionsInput, type DiscoveryOptions, type HeartbeatOptions, type Keyring, type SeedEndpoint } from './config.js';
export { generateKeyPair } from './curve.js';
export { loadKeyring, parseKeyring } from './keyring-file.js';
export * from './errors.js';
export type { ReplyMessage } from './pending-requests.js';
export { buildProxies, parseProxyConfig, type ProxyConfig, type ProxySpec } from './proxies/from-config.js';
export type { Proxy, ProxyMessage, ProxyMessageKind } from './proxies/proxy.js';
export { handlesType, type ModuleRecord, type ModuleStateName, type RegistryChange, type RoleEntry } from './registry.js';
