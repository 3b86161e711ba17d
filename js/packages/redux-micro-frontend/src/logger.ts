// redux-micro-frontend's logging hooks: a chain of loggers (AbstractLogger, SetNextLogger) that
// receive events and exceptions, and ConsoleLogger for debug mode. Same names and behaviour: a
// logger that throws never breaks the caller. One difference: each app's GlobalStore has its own
// chain, so a logger one app sets sees that app's store only (redux-micro-frontend's one shared
// chain showed every app's actions and states to whichever logger any app set).

/** Logs events and exceptions; chain several with SetNextLogger. */
export abstract class AbstractLogger {
  LoggerIdentity: string;
  NextLogger: AbstractLogger | null | undefined;

  constructor(id: string) {
    this.LoggerIdentity = id;
  }

  /** Logs `eventName` (from `source`, with `properties`) here and down the chain; never throws. */
  LogEvent(source: string, eventName: string, properties: unknown): void {
    try {
      this.processEvent(source, eventName, properties);
      this.NextLogger?.LogEvent(source, eventName, properties);
    } catch {
      // A failing logger must not fail the operation it logs.
    }
  }

  /** Logs `error` (from `source`, with `properties`) here and down the chain; never throws. */
  LogException(source: string, error: Error, properties: unknown): void {
    try {
      this.processException(source, error, properties);
      this.NextLogger?.LogException(source, error, properties);
    } catch {
      // As above.
    }
  }

  /** Appends `nextLogger` at the end of the chain, unless it is already in it (no loops). */
  SetNextLogger(nextLogger: AbstractLogger | null | undefined): void {
    if (!nextLogger) return;
    for (let l: AbstractLogger | null | undefined = nextLogger; l; l = l.NextLogger) {
      if (l.LoggerIdentity === this.LoggerIdentity) return;
    }
    if (!this.NextLogger) this.NextLogger = nextLogger;
    else this.NextLogger.SetNextLogger(nextLogger);
  }

  abstract processEvent(source: string, eventName: string, properties: unknown): void;
  abstract processException(source: string, error: Error, properties: unknown): void;
}

/** Writes events and exceptions to the console when debug mode is on. */
export class ConsoleLogger extends AbstractLogger {
  readonly #debugMode: boolean;

  constructor(debugMode = false) {
    super('DEFAULT_CONSOLE_LOGGER');
    this.NextLogger = null;
    this.#debugMode = debugMode;
  }

  processEvent(source: string, eventName: string): void {
    if (this.#debugMode) console.log(`EVENT : ${eventName}. (${source})`);
  }

  processException(_source: string, error: Error): void {
    if (this.#debugMode) console.error(error);
  }
}

/** What a logger needs to be: redux-micro-frontend accepts any object with these two methods. */
export interface LoggerLike {
  LogEvent(source: string, eventName: string, properties: unknown): void;
  LogException(source: string, error: Error, properties: unknown): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  SetNextLogger?(logger: any): void;
}

// Shared by every app's logger chain: a method replaced here would read every app's logged
// actions and states. Frozen, with their prototypes (subclasses stay possible).
for (const logger of [AbstractLogger, ConsoleLogger]) {
  Object.freeze(logger.prototype);
  Object.freeze(logger);
}
