/** The App Store: an HTTP service over a folder of packages, and its client. See docs/PROVISIONING.md. */
export { AppStoreServer, type AppStoreOptions, type RunningAppStore } from './app-store-server.js';
export { AppStoreClient, AppStoreError, type DownloadedPackage } from './app-store-client.js';
export { packagePath, parseCatalogue, type CatalogueItem } from './catalogue.js';
