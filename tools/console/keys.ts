/**
 * Key presses of `gridlink console` -> actions: pure, so the mapping is
 * tested without a terminal. Input arrives in chunks that may hold several
 * keys (a paste, or tmux send-keys with many keys); parseKeys splits them.
 */
import type { ChildAction } from '../../schemas/generated/messages.js';

export type KeyAction =
  | { readonly kind: 'move'; readonly by: number }
  | { readonly kind: 'command'; readonly action: ChildAction; readonly force: boolean }
  | { readonly kind: 'logs' }
  | { readonly kind: 'quit' };

const SEQUENCES: ReadonlyArray<readonly [string, KeyAction]> = [
  ['\u001b[A', { kind: 'move', by: -1 }],
  ['\u001bOA', { kind: 'move', by: -1 }],
  ['\u001b[B', { kind: 'move', by: 1 }],
  ['\u001bOB', { kind: 'move', by: 1 }],
  ['\u001b[5~', { kind: 'move', by: -10 }],
  ['\u001b[6~', { kind: 'move', by: 10 }],
  ['k', { kind: 'move', by: -1 }],
  ['j', { kind: 'move', by: 1 }],
  ['r', { kind: 'command', action: 'Restart', force: false }],
  ['s', { kind: 'command', action: 'Stop', force: false }],
  ['S', { kind: 'command', action: 'Start', force: false }],
  ['f', { kind: 'command', action: 'Stop', force: true }],
  ['l', { kind: 'logs' }],
  ['q', { kind: 'quit' }],
  ['\u0003', { kind: 'quit' }], // Ctrl-C in raw mode
  ['\u0004', { kind: 'quit' }], // Ctrl-D
];

/** The actions of one chunk of terminal input, in order; unknown keys and sequences are skipped. */
export function parseKeys(input: string): KeyAction[] {
  const actions: KeyAction[] = [];
  let i = 0;
  while (i < input.length) {
    const match = SEQUENCES.find(([sequence]) => input.startsWith(sequence, i));
    if (match) {
      actions.push(match[1]);
      i += match[0].length;
    } else if (input[i] === '\u001b') {
      // An unknown escape sequence (e.g. F1, or Home): skip ESC [ params final.
      const rest = /^\u001b(\[[0-9;]*[~A-Za-z]|O[A-Za-z])?/.exec(input.slice(i));
      i += rest ? rest[0].length : 1;
    } else {
      i += 1;
    }
  }
  return actions;
}

/** The new selection index after a move, kept inside 0..count-1. */
export function moveSelection(index: number, by: number, count: number): number {
  if (count <= 0) return 0;
  return Math.min(count - 1, Math.max(0, index + by));
}
