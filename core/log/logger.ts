/**
 * The one logger of the runtime: single lines on stderr, `time level module: text {fields}`,
 * easy to read in a terminal and to grep in a journal. Level from GRIDLINK_LOG
 * (debug, info, warn, error; default info).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(name: string): Logger;
}

function envLevel(): LogLevel {
  const value = process.env.GRIDLINK_LOG;
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error' ? value : 'info';
}

function render(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    const text = typeof value === 'string' ? value : typeof value === 'bigint' ? value.toString() : JSON.stringify(value);
    parts.push(`${key}=${text}`);
  }
  return parts.length ? ` {${parts.join(', ')}}` : '';
}

export function createLogger(name: string, level: LogLevel = envLevel(), write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const min = ORDER[level];
  const emit = (at: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[at] < min) return;
    write(`${new Date().toISOString()} ${at.toUpperCase().padEnd(5)} ${name}: ${message}${render(fields)}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (child) => createLogger(`${name}/${child}`, level, write),
  };
}
