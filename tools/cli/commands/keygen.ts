/** `gridlink keygen`: a new CURVE keyring for a module or a tool. */
import { writeFileSync } from 'node:fs';
import type { Command } from '../commander.js';
import { generateKeyPair } from '../../../core/bus/curve.js';
import { parseKeyring } from '../../../core/bus/keyring-file.js';
import { CliError, EXIT_USAGE } from '../cli-error.js';

export function registerKeygenCommand(program: Command): void {
  program
    .command('keygen')
    .summary('make a CURVE key pair, as a keyring file')
    .description(
      'Print (or write, with --out) a keyring: a new CURVE key pair plus the public keys this module accepts. Give every module of a cluster a keyring whose "allowed" lists the public keys of the others; modules not listed can neither connect nor appear in the registry.',
    )
    .option('--allow <publicKey...>', 'public keys of the peers to accept')
    .option('--out <file>', 'write the keyring to this file (mode 0600) instead of printing it')
    .addHelpText(
      'after',
      `
Examples:
  npx gridlink keygen --out substation-a.keyring.json
  npx gridlink keygen --allow 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7' --out monitor.keyring.json
  npx gridlink run examples/monitor --keyring monitor.keyring.json`,
    )
    .action((options: { allow?: string[]; out?: string }) => {
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
