/** `gridlink pack <module dir>`: a module's build, manifest and signature as one app package (ZIP). */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from '../commander.js';
import { loadSigningKey, packModule, PackageError } from '../../../core/provisioning/package/index.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { printJson } from '../output.js';

export const defaultSigningKeyFile = join(homedir(), '.gridlink', 'signing.key');

export function registerPackCommand(program: Command): void {
  program
    .command('pack')
    .summary('make a signed app package (ZIP) of a module')
    .description(
      'Pack a module folder (with its manifest.json) into a signed app package: the compiled files the build made from its sources (dist/<module dir>), the manifest and an ed25519 signature. Building is your job: run `npm run build` first.',
    )
    .argument('<module dir>', 'the module\'s folder, e.g. actors/storage (or "storage", "examples/generator" for a module of actors/)')
    .option('--key <file>', 'the signing key (PEM, from `gridlink keygen --sign`)', defaultSigningKeyFile)
    .option('--out <dir>', 'where the package goes', '.')
    .addHelpText(
      'after',
      `
Prints { file, sha256, name, version, keyId, sizeBytes } as JSON.

Examples:
  npx gridlink keygen --sign            # once: ~/.gridlink/signing.key and .pub
  npm run build
  npx gridlink pack actors/storage --out packages/
  npx gridlink pack examples/generator --key ci-signing.key --out packages/`,
    )
    .action(async (moduleDir: string, options: { key: string; out: string }) => {
      const sourceDir = findModuleDir(moduleDir);
      const projectRoot = projectRootOf(sourceDir);
      const compiledDir = join(projectRoot, 'dist', relative(projectRoot, sourceDir));
      if (!existsSync(options.key)) {
        throw new CliError(`no signing key at ${options.key}: make one with \`gridlink keygen --sign${options.key === defaultSigningKeyFile ? '' : ` ${options.key}`}\` (or give --key)`, EXIT_USAGE);
      }
      try {
        const key = loadSigningKey(options.key);
        const packed = await packModule({ sourceDir, compiledDir, key, out: resolve(options.out) });
        printJson({ file: packed.file, sha256: packed.sha256, name: packed.manifest.name, version: packed.manifest.version, keyId: packed.keyId, sizeBytes: packed.sizeBytes });
      } catch (error) {
        if (error instanceof PackageError) throw new CliError(error.message, error.code === 'BadPackage' ? EXIT_FAILURE : EXIT_USAGE);
        throw error;
      }
    });
}

function findModuleDir(given: string): string {
  for (const candidate of [given, join('actors', given)]) {
    if (existsSync(join(candidate, 'manifest.json'))) return resolve(candidate);
  }
  throw new CliError(`${given}: not a module folder (no manifest.json in ${given} or actors/${given})`, EXIT_USAGE);
}

function projectRootOf(folder: string): string {
  for (let current = dirname(folder); current !== dirname(current); current = dirname(current)) {
    if (existsSync(join(current, 'package.json'))) return current;
  }
  throw new CliError(`${folder} is not inside a project (no package.json above it)`, EXIT_USAGE);
}

