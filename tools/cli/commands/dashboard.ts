/**
 * `gridlink dashboard user add|list|remove`: the dashboard's users file (actors/dashboard), kept
 * offline: names, roles (administrator, operator, engineer) and scrypt password hashes. The file
 * is written whole and atomically (temporary file, rename) with mode 0600; a running dashboard
 * picks the change up at the next login or request.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../commander.js';
import { InvalidArgumentError } from '../commander.js';
import type { Role } from '../../../actors/dashboard/api.js';
import { hashPassword } from '../../../actors/dashboard/server/password.js';
import { readUsers, ROLES, USER_NAME, writeUsers, type UserRecord } from '../../../actors/dashboard/server/users-file.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { printJson, textTable } from '../output.js';

const DEFAULT_USERS_FILE = 'dashboard-users.json';
const MIN_PASSWORD_LENGTH = 8;

interface UsersFileOptions {
  usersFile: string;
  json?: boolean;
}

function parseRole(value: string): Role {
  if (!ROLES.includes(value as Role)) throw new InvalidArgumentError(`a role is ${ROLES.join(', ')}, not "${value}".`);
  return value as Role;
}

function withUsersFile(command: Command): Command {
  return command.option('--users-file <file>', `the users file (default: $GRIDLINK_DASHBOARD_USERS or ./${DEFAULT_USERS_FILE})`, process.env.GRIDLINK_DASHBOARD_USERS ?? DEFAULT_USERS_FILE);
}

function load(file: string, mustExist: boolean): UserRecord[] {
  if (!existsSync(file)) {
    if (mustExist) throw new CliError(`${file} does not exist (create it with \`gridlink dashboard user add <name> --role administrator --users-file ${file}\`)`, EXIT_FAILURE);
    return [];
  }
  try {
    return readUsers(file);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT_FAILURE);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is the end of the line, not part of the password.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Asks on the terminal without echo. */
async function prompt(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  return new Promise((resolveAnswer, reject) => {
    let answer = '';
    const done = (error?: Error): void => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolveAnswer(answer);
    };
    const onData = (text: string): void => {
      for (const char of text) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new CliError('interrupted', 130));
        if (char === '\u007f' || char === '\b') answer = answer.slice(0, -1);
        else answer += char;
      }
    };
    input.on('data', onData);
  });
}

async function newPassword(fromStdin: boolean): Promise<string> {
  let password: string;
  if (fromStdin) password = await readStdin();
  else if (process.stdin.isTTY) {
    password = await prompt('password: ');
    if ((await prompt('again: ')) !== password) throw new CliError('the two passwords differ', EXIT_USAGE);
  } else throw new CliError('no terminal to ask the password on: pipe it in with --password-stdin', EXIT_USAGE);
  if (password.length < MIN_PASSWORD_LENGTH) throw new CliError(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`, EXIT_USAGE);
  return password;
}

export function registerDashboardCommand(program: Command): void {
  const dashboard = program
    .command('dashboard')
    .summary("the web dashboard's users: add, list, remove")
    .description("Keep the dashboard's users file: user names, roles and scrypt password hashes. Roles: administrator (everything, incl. installing apps and the audit log), operator (alarms), engineer (read-only).");
  dashboard.addHelpText(
    'after',
    `
Examples:
  $ npx gridlink dashboard user add ada --role administrator --users-file /etc/gridlink/dashboard-users.json
  $ printf '%s\\n' "$PASSWORD" | npx gridlink dashboard user add olga --role operator --password-stdin
  $ npx gridlink dashboard user list --json
  $ npx gridlink dashboard user remove olga

Exit codes: 0 done; 1 the file is unreadable or bad, or the user is unknown/exists; 2 bad input.`,
  );
  const user = dashboard.command('user').summary('add, list or remove dashboard users').description('Add, list or remove dashboard users.');

  withUsersFile(user.command('add'))
    .summary('add a user (or, with --replace, set the role and password of an existing one)')
    .argument('<name>', 'user name: 1-64 letters, digits, ".", "_", "@" or "-"')
    .requiredOption('--role <role>', `${ROLES.join(', ')}`, parseRole)
    .option('--password-stdin', 'read the password from stdin (one line) instead of asking on the terminal')
    .option('--replace', 'replace an existing user of that name')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, _options: unknown, self: Command) => {
      const own = self.opts<UsersFileOptions & { role: Role; passwordStdin?: boolean; replace?: boolean }>();
      if (!USER_NAME.test(name)) throw new CliError(`user name "${name}": 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit`, EXIT_USAGE);
      const file = resolve(own.usersFile);
      const users = load(file, false);
      const existing = users.findIndex((u) => u.name === name);
      if (existing >= 0 && !own.replace) throw new CliError(`user "${name}" exists already in ${file} (add --replace to change the role and password)`, EXIT_FAILURE);
      const record: UserRecord = { name, role: own.role, password: await hashPassword(await newPassword(own.passwordStdin === true)) };
      if (existing >= 0) users[existing] = record;
      else users.push(record);
      writeUsers(file, users);
      if (own.json) printJson({ name, role: own.role, usersFile: file, replaced: existing >= 0 });
      else process.stdout.write(`${existing >= 0 ? 'replaced' : 'added'} ${name} (${own.role}) in ${file}\n`);
    });

  withUsersFile(user.command('list'))
    .summary('the users and their roles (never the hashes)')
    .option('--json', 'print JSON: [{ name, role }]')
    .action((_options: unknown, self: Command) => {
      const own = self.opts<UsersFileOptions>();
      const users = load(resolve(own.usersFile), true).map(({ name, role }) => ({ name, role }));
      if (own.json) return printJson(users);
      process.stdout.write(users.length === 0 ? 'no users\n' : `${textTable(['NAME', 'ROLE'], users.map((u) => [u.name, u.role]))}\n`);
    });

  withUsersFile(user.command('remove'))
    .summary('remove a user: their sessions end at their next request')
    .argument('<name>', 'user name')
    .option('--json', 'print the result as JSON')
    .action((name: string, _options: unknown, self: Command) => {
      const own = self.opts<UsersFileOptions>();
      const file = resolve(own.usersFile);
      const users = load(file, true);
      const left = users.filter((u) => u.name !== name);
      if (left.length === users.length) throw new CliError(`no user "${name}" in ${file}`, EXIT_FAILURE);
      writeUsers(file, left);
      if (own.json) printJson({ name, removed: true, usersFile: file });
      else process.stdout.write(`removed ${name} from ${file}\n`);
    });
}
