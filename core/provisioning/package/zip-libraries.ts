/**
 * yazl (ZIP writer) and yauzl (ZIP reader), loaded with require(): both are
 * CommonJS, and importing them from an ES module would start Node's CommonJS
 * export scanner in every process that installs a package (see core/bus/zeromq.ts).
 */
import { createRequire } from 'node:module';
import type * as Yauzl from 'yauzl';
import type * as Yazl from 'yazl';

const require = createRequire(import.meta.url);
export const yauzl = require('yauzl') as typeof Yauzl;
export const yazl = require('yazl') as typeof Yazl;
export type ZipReader = Yauzl.ZipFile;
export type ZipReaderEntry = Yauzl.Entry;
