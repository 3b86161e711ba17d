// Child processes the demo and its tests start: each is started with a bounded wait for the line
// that says it is ready, and stopped by its pid (SIGTERM, then SIGKILL if it does not exit).
import { spawn } from 'node:child_process';

/**
 * Starts `command` with `args` and resolves once a line of its output (stdout or stderr) matches
 * `ready`, with the match; rejects with the output so far when it exits first or `timeoutMs`
 * passes. The child is stopped on that failure. Output is kept (last 64 KiB) for error messages.
 */
export function startProcess(name, command, args, { ready, timeoutMs = 20000, env, cwd, echo = false } = {}) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const handle = new ProcessHandle(name, child);
  return new Promise((resolve, reject) => {
    let settled = false;
    const succeed = (value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    // Settles first, then stops the child: its exit must not be reported as a second failure.
    const fail = async (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      await handle.stop();
      reject(new Error(`${name}: ${why}\n--- its output ---\n${handle.output()}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    let pending = { stdout: '', stderr: '' };
    for (const stream of ['stdout', 'stderr']) {
      child[stream].setEncoding('utf8');
      child[stream].on('data', (chunk) => {
        handle.record(chunk);
        if (echo) process[stream].write(chunk);
        pending[stream] += chunk;
        const lines = pending[stream].split('\n');
        pending[stream] = lines.pop();
        for (const line of lines) {
          const match = line.match(ready);
          if (match) succeed({ handle, match });
        }
      });
    }
    child.on('error', (error) => fail(`cannot start ${command}: ${error.message}`));
    // 'close', not 'exit': by then everything it printed has been read.
    child.on('close', (code, signal) => fail(`exited (${signal ?? `code ${code}`}) before it was ready`));
  });
}

/** A started child: its pid, what it printed, and stop(). */
export class ProcessHandle {
  #child;
  #output = '';
  #exited;

  constructor(name, child) {
    this.name = name;
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  get pid() {
    return this.#child.pid;
  }

  /** Appends to the kept output (the last 64 KiB). */
  record(chunk) {
    this.#output = (this.#output + chunk).slice(-65536);
  }

  /** What the process printed (the last 64 KiB of stdout and stderr, interleaved). */
  output() {
    return this.#output;
  }

  /** A promise resolved when the process exits (for whatever reason). */
  get whenExited() {
    return this.#exited;
  }

  /** Whether the process has exited. */
  get exited() {
    return this.#child.exitCode !== null || this.#child.signalCode !== null;
  }

  /**
   * Sends SIGTERM to this pid and resolves when the process has exited; after `graceMs` without
   * exiting it gets SIGKILL. Safe to call more than once.
   */
  async stop(graceMs = 5000) {
    if (this.exited || this.#child.pid === undefined) return;
    this.#child.kill('SIGTERM');
    let timer;
    const killed = new Promise((resolve) => {
      timer = setTimeout(() => {
        this.#child.kill('SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([this.#exited, killed]);
    clearTimeout(timer);
    await this.#exited;
  }
}

/** Stops every handle (in reverse order of start), all of them even when one fails. */
export async function stopAll(handles) {
  const errors = [];
  for (const handle of [...handles].reverse()) {
    try {
      await handle.stop();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length) throw new AggregateError(errors, 'some processes did not stop');
}
