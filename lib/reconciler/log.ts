/**
 * Structured logs: one JSON object per line on stdout, `{"ts","level","msg",...fields}`. Loggers derived with
 * `with()` carry fields such as `controller` and `workspace` (the `namespace/name` key) into every line.
 */

export enum LogLevel {
  DEBUG = 'debug',
  INFO = 'info',
  WARN = 'warn',
  ERROR = 'error',
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogSink = (line: string) => void;

export class Logger {
  constructor(
    private readonly level: LogLevel = LogLevel.INFO,
    private readonly fields: Readonly<Record<string, unknown>> = {},
    private readonly sink: LogSink = (line) => process.stdout.write(line + '\n'),
  ) {}

  with(fields: Record<string, unknown>): Logger {
    return new Logger(this.level, { ...this.fields, ...fields }, this.sink);
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log(LogLevel.DEBUG, msg, fields);
  }

  info(msg: string, fields?: Record<string, unknown>): void {
    this.log(LogLevel.INFO, msg, fields);
  }

  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log(LogLevel.WARN, msg, fields);
  }

  error(msg: string, fields?: Record<string, unknown>): void {
    this.log(LogLevel.ERROR, msg, fields);
  }

  enabled(level: LogLevel): boolean {
    return ORDER[level] >= ORDER[this.level];
  }

  private log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (!this.enabled(level)) {
      return;
    }
    const record: Record<string, unknown> = { ts: new Date().toISOString(), level, msg, ...this.fields, ...fields };
    for (const [k, v] of Object.entries(record)) {
      if (v instanceof Error) {
        record[k] = v.message;
      }
    }
    this.sink(JSON.stringify(record));
  }
}

/** A logger that drops everything (tests). */
export function silentLogger(): Logger {
  return new Logger(LogLevel.ERROR, {}, () => undefined);
}
