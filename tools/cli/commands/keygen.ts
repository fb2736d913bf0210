/**
 * `gridlink keygen`: a new CURVE keyring for a module or a tool; with
 * --sign, an ed25519 key pair that signs app packages (`gridlink pack`).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateSigningKeyPair } from '../../../core/provisioning/package/index.js';
import { defaultSigningKeyFile } from './pack.js';
import type { Command } from '../commander.js';
import { generateKeyPair } from '../../../core/bus/curve.js';
import { parseKeyring } from '../../../core/bus/keyring-file.js';
import { CliError, EXIT_USAGE } from '../cli-error.js';

export function registerKeygenCommand(program: Command): void {
  program
    .command('keygen')
    .summary('make a CURVE key pair (keyring file), or a package signing key (--sign)')
    .description(
      'Print (or write, with --out) a keyring: a new CURVE key pair plus the public keys this module accepts. Give every module of a cluster a keyring whose "allowed" lists the public keys of the others; modules not listed can neither connect nor appear in the registry.',
    )
    .option('--allow <publicKey...>', 'public keys of the peers to accept')
    .option('--out <file>', 'write the keyring to this file (mode 0600) instead of printing it')
    .option('--sign [file]', `make an ed25519 package signing key instead: the private key in <file> (PEM, mode 0600), the public one in <file>.pub (default ${defaultSigningKeyFile})`)
    .addHelpText(
      'after',
      `
Examples:
  npx gridlink keygen --out substation-a.keyring.json
  npx gridlink keygen --allow 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7' --out monitor.keyring.json
  npx gridlink run examples/monitor --keyring monitor.keyring.json
  npx gridlink keygen --sign                      # ~/.gridlink/signing.key and signing.key.pub
  npx gridlink keygen --sign ci-signing.key       # prints { file, publicKeyFile, keyId }

Give hosts the .pub file as a trusted key; keep the private one to yourself.`,
    )
    .action((options: { allow?: string[]; out?: string; sign?: string | true }) => {
      if (options.sign !== undefined) {
        if (options.allow || options.out) throw new CliError('--sign makes a signing key; --allow and --out belong to keyrings', EXIT_USAGE);
        writeSigningKey(options.sign === true ? defaultSigningKeyFile : options.sign);
        return;
      }
      const pair = generateKeyPair();
      let keyring;
      try {
        keyring = parseKeyring({ ...pair, allowed: options.allow ?? [] }, '--allow');
      } catch (error) {
        throw new CliError((error as Error).message, EXIT_USAGE);
      }
      const text = JSON.stringify(keyring, null, 2) + '\n';
      if (options.out) {
        writeFileSync(options.out, text, { mode: 0o600, flag: 'wx' });
        process.stdout.write(JSON.stringify({ file: options.out, publicKey: keyring.publicKey }) + '\n');
      } else {
        process.stdout.write(text);
      }
    });
}

/** Writes a new signing key pair; never overwrites a key (a lost key cannot sign updates hosts trust). */
function writeSigningKey(file: string): void {
  const publicKeyFile = `${file}.pub`;
  for (const path of [file, publicKeyFile]) {
    if (existsSync(path)) throw new CliError(`${path} exists; not overwriting a signing key (remove it first if you mean to)`, EXIT_USAGE);
  }
  const pair = generateSigningKeyPair();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
  writeFileSync(publicKeyFile, pair.publicKeyPem, { mode: 0o644, flag: 'wx' });
  process.stdout.write(JSON.stringify({ file, publicKeyFile, keyId: pair.keyId }) + '\n');
}
