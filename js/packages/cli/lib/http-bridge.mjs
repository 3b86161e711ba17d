// Synchronous HTTP for the WebAssembly tool: the C++ registry client expects a request to return
// its answer, as cpp-httplib does natively. A worker thread carries out the request with node's
// http/https while this thread waits on a shared flag (Atomics.wait); the answer comes back on a
// MessagePort read synchronously (receiveMessageOnPort). The worker starts on the first request
// and never keeps the process alive.
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';

/** httplib::Error numbers (js/packages/cli/native/include/httplib.h) the worker answers with. */
export const HttpError = Object.freeze({
  Unknown: 1,
  Connection: 2,
  Read: 4,
  Write: 5,
  Canceled: 7,
  SSLConnection: 8,
  ConnectionTimeout: 13,
});

let channel = null;

function start() {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./http-worker.mjs', import.meta.url), {
    workerData: { port: port2, flag },
    transferList: [port2],
  });
  worker.unref();
  port1.unref();
  channel = { port: port1, flag, worker };
}

/**
 * Carries out `request` ({method, url, headers: [[name, value]], body: Uint8Array, connectMs,
 * readMs, writeMs, totalMs, maxBytes}) and returns {status, headers, body: Uint8Array} or
 * {error: HttpError number}. Blocks the calling thread for at most request.totalMs (+1 s).
 */
export function requestSync(request) {
  if (channel === null) start();
  Atomics.store(channel.flag, 0, 0);
  channel.port.postMessage(request);
  // The worker enforces totalMs itself; this bound only guards against a worker that died.
  const waited = Atomics.wait(channel.flag, 0, 0, request.totalMs + 1000);
  const received = receiveMessageOnPort(channel.port);
  if (waited === 'timed-out' || received === undefined) return { error: HttpError.Read };
  return received.message;
}
