/**
 * The packages of `npm run bench:provision`: a chain bench-d → bench-c →
 * bench-b → bench-a (each requires the role of the next), plus bench-d 1.1.0
 * for the upgrade, all made from the one compiled link module
 * (./apps/link) with different manifests, signed with a key made for the run,
 * in a local App Store folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSigningKeyPair, loadSigningKey, packModule } from '../../../core/provisioning/package/index.js';

/** dist/tools/bench/provision/apps/link, next to this compiled file. */
const LINK_COMPILED = fileURLToPath(new URL('./apps/link/', import.meta.url));
/** Where the link module sits in the project: the package keeps this path, so its imports of core/ resolve. */
const LINK_PATH = 'tools/bench/provision/apps/link';

/** Dependency order: the first needs nothing, each next one requires the previous one's role. */
export const CHAIN = ['bench-a', 'bench-b', 'bench-c', 'bench-d'] as const;
export const APP = 'bench-d';
export const FIRST_VERSION = '1.0.0';
export const UPGRADE_VERSION = '1.1.0';

export interface ChainPackages {
  /** The App Store's folder. */
  storeDir: string;
  /** The public key hosts trust (PEM). */
  trustedKeyFile: string;
  /** Package files by "name@version". */
  files: Map<string, string>;
}

export function manifestOf(name: string, version: string): Record<string, unknown> {
  const index = CHAIN.indexOf(name as (typeof CHAIN)[number]);
  return {
    name,
    version,
    description: `bench:provision link ${name}`,
    entry: 'module.js',
    provides: [{ role: name, version: '1.0.0' }],
    requires: index > 0 ? [{ role: CHAIN[index - 1], range: '^1.0.0' }] : [],
    config: { role: name },
    configSchema: { type: 'object', properties: { role: { type: 'string', minLength: 1 } }, additionalProperties: false },
  };
}

export async function buildChainPackages(workDir: string): Promise<ChainPackages> {
  const keys = generateSigningKeyPair();
  const keyFile = join(workDir, 'signing.key');
  const trustedKeyFile = join(workDir, 'signing.key.pub');
  await writeFile(keyFile, keys.privateKeyPem, { mode: 0o600 });
  await writeFile(trustedKeyFile, keys.publicKeyPem);
  const key = loadSigningKey(keyFile);

  // A project folder of its own holding the link module's manifest (rewritten per package) and the
  // name of its one source file; the compiled files come from this installation's dist/.
  const project = join(workDir, 'project');
  const sourceDir = join(project, LINK_PATH);
  await mkdir(sourceDir, { recursive: true });
  await writeFile(join(project, 'package.json'), '{ "private": true }\n');
  await writeFile(join(sourceDir, 'module.ts'), '// stands for tools/bench/provision/apps/link/module.ts: packing takes its compiled form\n');

  const storeDir = join(workDir, 'store');
  const files = new Map<string, string>();
  const versions: [string, string][] = [...CHAIN.map((name): [string, string] => [name, FIRST_VERSION]), [APP, UPGRADE_VERSION]];
  for (const [name, version] of versions) {
    await writeFile(join(sourceDir, 'manifest.json'), JSON.stringify(manifestOf(name, version), null, 2));
    const packed = await packModule({ sourceDir, compiledDir: LINK_COMPILED, key, out: storeDir });
    files.set(`${name}@${version}`, packed.file);
  }
  return { storeDir, trustedKeyFile, files };
}
