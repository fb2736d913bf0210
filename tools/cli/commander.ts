/**
 * commander, loaded with require(): it is CommonJS, and `gridlink run` is a
 * module process whose memory counts (see core/bus/zeromq.ts).
 */
import { createRequire } from 'node:module';
import type * as CommanderModule from 'commander';

const commander = createRequire(import.meta.url)('commander') as typeof CommanderModule;

export const { Command, CommanderError, InvalidArgumentError, Option } = commander;
export type Command = CommanderModule.Command;
export type CommanderError = CommanderModule.CommanderError;
export type Option = CommanderModule.Option;
