/**
 * The decode-only rows: the RTU's frames decoded by ours (FrameReader, decodeApdu, decodeAsdu, as
 * the link does), by scapy's IEC 104 layers (iec104_peer.py) and by tshark reading a pcap of the
 * same frames. Each decoder also sums the values it read: the sums must agree with what was
 * encoded, or the figure does not count (a decoder that skips work is not fast).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeApdu } from '../../../core/protocols/iec104/apci.js';
import { decodeAsdu } from '../../../core/protocols/iec104/asdu.js';
import { FrameReader } from '../../../core/protocols/iec104/frame-reader.js';
import { findExecutable, nowNs, ProgramProcess } from '../harness.js';
import { REPO_ROOT } from '../repo-root.js';
import { pcapOf } from './pcap.js';
import { apduStream, type TrafficSpec } from './rtu-traffic.js';

/** The Python peer stays in the source tree (tsc copies no .py into dist). */
const PEER_SCRIPT = join(REPO_ROOT, 'tools', 'bench', 'field', 'iec104_peer.py');

/** What one decoder did: frames and objects per second, and whether its values added up. */
export interface DecodeResult {
  framesPerSecond: number;
  objectsPerSecond: number;
}

function decodeOnce(bytes: Uint8Array): { frames: number; objects: number; sum: number } {
  const reader = new FrameReader();
  let frames = 0;
  let objects = 0;
  let sum = 0;
  // As a socket delivers them: 64 KiB chunks, frames across chunk borders.
  for (let at = 0; at < bytes.length; at += 65_536) {
    for (const frame of reader.push(bytes.subarray(at, Math.min(bytes.length, at + 65_536)))) {
      const apdu = decodeApdu(frame);
      if (apdu.kind !== 'I') continue;
      const asdu = decodeAsdu(apdu.asdu);
      frames++;
      for (const object of asdu.objects) {
        objects++;
        sum += object.value;
      }
    }
  }
  return { frames, objects, sum };
}

function checkSum(who: string, got: number, expected: number): void {
  if (Math.abs(got - expected) > 1e-6 * Math.max(1, Math.abs(expected))) {
    throw new Error(`${who}: the decoded values add up to ${got}, the encoded ones to ${expected}`);
  }
}

/** Ours: decodes the stream over and over for at least `minimumMs`. */
export function decodeOurs(spec: TrafficSpec, minimumMs: number): DecodeResult {
  const { bytes } = apduStream(spec);
  const expected = decodeOnce(bytes);
  let passes = 0;
  const started = nowNs();
  let elapsedNs = 0;
  do {
    const pass = decodeOnce(bytes);
    checkSum('ours', pass.sum, expected.sum);
    passes++;
    elapsedNs = nowNs() - started;
  } while (elapsedNs < minimumMs * 1e6);
  const seconds = elapsedNs / 1e9;
  return { framesPerSecond: (expected.frames * passes) / seconds, objectsPerSecond: (expected.objects * passes) / seconds };
}

export function pythonExecutable(): string | undefined {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : findExecutable('python3');
}

/** Why scapy's IEC 104 layers cannot be used here, or undefined. */
export function scapyUnavailable(): string | undefined {
  const python = pythonExecutable();
  if (python === undefined) return 'python3 not found (tools/setup/debian-packages.sh installs it)';
  try {
    execFileSync(python, ['-c', 'from scapy.contrib.scada.iec104 import iec104_decode'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').pop();
    return `${python} cannot import scapy's IEC 104 layers: ${stderr ?? String(error)} (apt-get install python3-scapy)`;
  }
}

/** scapy: the same stream, decoded in Python for at least `minimumSeconds` (interpreter start and imports not timed). */
export async function decodeScapy(spec: TrafficSpec, workDir: string, label: string, minimumSeconds: number): Promise<DecodeResult> {
  const python = pythonExecutable();
  if (python === undefined) throw new Error('python3 not found');
  const { bytes } = apduStream(spec);
  const expected = decodeOnce(bytes);
  const streamPath = join(workDir, `${label}.iec104`);
  const resultPath = join(workDir, `${label}-result.json`);
  await writeFile(streamPath, bytes);
  const program = new ProgramProcess(python, [PEER_SCRIPT, streamPath, resultPath, String(minimumSeconds)], `scapy ${label}`);
  const status = await program.exited;
  if (status.code !== 0) throw new Error(`iec104_peer.py ended with code ${status.code} signal ${status.signal}; last output:\n    ${program.lastOutput()}`);
  const result = JSON.parse(await readFile(resultPath, 'utf8')) as { frames: number; objects: number; seconds: number; sum: number; passes: number };
  if (result.frames !== expected.frames || result.objects !== expected.objects) {
    throw new Error(`scapy decoded ${result.frames} frames with ${result.objects} objects, the stream has ${expected.frames} with ${expected.objects}`);
  }
  checkSum('scapy', result.sum, expected.sum);
  return { framesPerSecond: (result.frames * result.passes) / result.seconds, objectsPerSecond: (result.objects * result.passes) / result.seconds };
}

export function findTshark(): string | undefined {
  return findExecutable('tshark', ['/usr/bin']);
}

/** Runs tshark on a pcap, printing every IOA's value; resolves with the wall time and what it printed. */
function runTshark(tshark: string, pcap: string): Promise<{ ms: number; objects: number; sum: number; malformed: number }> {
  return new Promise((resolve, reject) => {
    const started = nowNs();
    const child = spawn(tshark, ['-n', '-r', pcap, '-T', 'fields', '-E', 'separator=;', '-e', 'iec60870_asdu.float', '-e', '_ws.malformed'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let objects = 0;
    let sum = 0;
    let malformed = 0;
    let partial = '';
    let stderr = '';
    const take = (line: string): void => {
      if (line === '') return;
      const [floats = '', bad = ''] = line.split(';');
      if (bad !== '') malformed++;
      if (floats === '') return;
      for (const value of floats.split(',')) {
        objects++;
        sum += Number(value);
      }
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) take(line);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      take(partial);
      if (code !== 0) reject(new Error(`tshark ended with code ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`));
      else resolve({ ms: (nowNs() - started) / 1e6, objects, sum, malformed });
    });
  });
}

/**
 * tshark: the same frames in a pcap. Its start-up (reading its dissector tables, ~0.3 s) is
 * measured on a one-frame pcap and taken off, so the rate is that of dissecting the frames.
 */
export async function decodeTshark(spec: TrafficSpec, workDir: string, label: string): Promise<DecodeResult> {
  const tshark = findTshark();
  if (tshark === undefined) throw new Error('tshark not found');
  const { frames, bytes } = apduStream(spec);
  const expected = decodeOnce(bytes);
  const pcap = join(workDir, `${label}.pcap`);
  const tiny = join(workDir, `${label}-one.pcap`);
  await writeFile(pcap, pcapOf(frames));
  await writeFile(tiny, pcapOf(frames.slice(0, 1)));
  const startups: number[] = [];
  for (let i = 0; i < 2; i++) startups.push((await runTshark(tshark, tiny)).ms);
  const run = await runTshark(tshark, pcap);
  if (run.malformed > 0) throw new Error(`tshark found ${run.malformed} malformed frames`);
  if (run.objects !== expected.objects) throw new Error(`tshark read ${run.objects} values, the frames carry ${expected.objects}`);
  // tshark prints floats rounded to ~7 significant digits: the sum agrees to that.
  if (Math.abs(run.sum - expected.sum) > 1e-5 * Math.abs(expected.sum)) throw new Error(`tshark's values add up to ${run.sum}, the encoded ones to ${expected.sum}`);
  const ms = run.ms - Math.min(...startups);
  if (ms <= 0) throw new Error(`tshark took no longer for ${frames.length} frames than for one (${run.ms.toFixed(0)} ms); use more frames`);
  return { framesPerSecond: frames.length / (ms / 1000), objectsPerSecond: expected.objects / (ms / 1000) };
}
