/** `gridlink store serve|publish|catalogue`: the App Store, and publishing packages to it. */
import type { Command } from '../commander.js';
import { InvalidArgumentError } from '../commander.js';
import { AppStoreClient, AppStoreError, AppStoreServer } from '../../../core/provisioning/app-store/index.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { printJson, printNote } from '../output.js';

const TOKEN_VARIABLE = 'GRIDLINK_STORE_TOKEN';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`expected a port number 0-65535, not "${value}".`);
  return port;
}

export function registerStoreCommand(program: Command): void {
  const store = program
    .command('store')
    .summary('run an App Store, publish packages to one')
    .description('The App Store serves signed app packages over HTTP: GET /catalogue.json, GET /packages/<name>/<version>.zip, POST /packages (with a token).');

  store
    .command('serve')
    .summary('serve the packages of a folder')
    .description('Serve every valid package (*.zip) found in <dir>; packages published with the token are checked and written there too. Runs until Ctrl-C.')
    .argument('<dir>', 'folder of packages (made if missing)')
    .option('--port <port>', 'TCP port (0: a free one)', parsePort, 8470)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--token <token>', `token that publishing needs (or ${TOKEN_VARIABLE}); without one, publishing is disabled`)
    .addHelpText(
      'after',
      `
Prints { url, packages, refused } as one JSON line once listening.

Examples:
  npx gridlink store serve packages/ --port 8470 --token "$(openssl rand -hex 16)"
  curl http://127.0.0.1:8470/catalogue.json`,
    )
    .action(async (dir: string, options: { port: number; host: string; token?: string }) => {
      const publishToken = options.token ?? process.env[TOKEN_VARIABLE];
      let running;
      try {
        running = await AppStoreServer.start({ dir, port: options.port, host: options.host, ...(publishToken ? { publishToken } : {}), log: printNote });
      } catch (error) {
        throw new CliError(`cannot serve ${dir}: ${(error as Error).message}`, EXIT_FAILURE);
      }
      const packages = (await new AppStoreClient(running.url).catalogue()).length;
      printJson({ url: running.url, packages, refused: running.refused.length, publishing: publishToken !== undefined }, false);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await running.close();
    });

  store
    .command('publish')
    .summary('publish a package to an App Store')
    .argument('<zip>', 'the package, made by `gridlink pack`')
    .requiredOption('--store <url>', 'the App Store, e.g. http://127.0.0.1:8470')
    .option('--token <token>', `the store's publish token (or ${TOKEN_VARIABLE})`)
    .addHelpText(
      'after',
      `
Prints the package's catalogue item. The store verifies the package before it lists it.

Example:
  npx gridlink store publish storage-1.0.0.zip --store http://127.0.0.1:8470 --token "$TOKEN"`,
    )
    .action(async (zip: string, options: { store: string; token?: string }) => {
      const token = options.token ?? process.env[TOKEN_VARIABLE];
      if (!token) throw new CliError(`a publish token is needed: --token or ${TOKEN_VARIABLE}`, EXIT_USAGE);
      try {
        printJson(await new AppStoreClient(options.store).publish(zip, token));
      } catch (error) {
        throw storeFailure(error);
      }
    });

  store
    .command('catalogue')
    .summary("print an App Store's catalogue")
    .requiredOption('--store <url>', 'the App Store, e.g. http://127.0.0.1:8470')
    .action(async (options: { store: string }) => {
      try {
        printJson(await new AppStoreClient(options.store).catalogue());
      } catch (error) {
        throw storeFailure(error);
      }
    });
}

function storeFailure(error: unknown): Error {
  if (error instanceof AppStoreError) return new CliError(error.message, EXIT_FAILURE);
  if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return new CliError(error.message, EXIT_USAGE);
  return error as Error;
}
