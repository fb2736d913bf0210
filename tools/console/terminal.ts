/**
 * The terminal side of `gridlink console`, hand-written ANSI rather than ink:
 * the console must start fast on a small edge box, and a React runtime (plus
 * JSX tooling in the build) costs more than the few escape sequences below.
 */
import type { LineStyle, ScreenLine } from './render.js';

const ESC = '\u001b[';
const SGR: Record<LineStyle, string> = {
  plain: '',
  title: `${ESC}1m`,
  heading: `${ESC}1;4m`,
  selected: `${ESC}7m`,
  alert: `${ESC}1;31m`,
  warn: `${ESC}33m`,
  dim: `${ESC}2m`,
  help: `${ESC}7m`,
};

/** Alternate screen on, cursor hidden, screen cleared. */
export const ENTER = `${ESC}?1049h${ESC}?25l${ESC}2J${ESC}H`;
/** Alternate screen off, cursor shown, colours reset: the shell gets its terminal back. */
export const LEAVE = `${ESC}0m${ESC}?25h${ESC}?1049l`;

/** One frame: home, then every line (already cut to the width) with its style, each erasing the rest of its row. */
export function frame(lines: readonly ScreenLine[]): string {
  const rows = lines.map((line) => {
    const style = SGR[line.style];
    return `${style}${line.text}${ESC}K${style ? `${ESC}0m` : ''}`;
  });
  // No newline after the last row: the screen must not scroll.
  return `${ESC}H${rows.join('\r\n')}${ESC}J`;
}
