// Synchronous HTTP for the WebAssembly tool: the C++ registry client expects a request to return
// its answer, as the native transport does. A worker thread carries out the request with node's
// http/https while this thread waits on a shared flag (Atomics.wait); the answer comes back on a
// MessagePort read synchronously (receiveMessageOnPort). The worker starts on the first request
// and never keeps the process alive.
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';

/** Why a request got no answer (the codes node_http_send.cpp turns into the native errors). */
export const Failure = Object.freeze({ Unreachable: 1, Timeout: 2, TooLarge: 3, Malformed: 4, Tls: 5 });

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
 * Carries out `request` ({method, url, headers: [[name, value]], body: Uint8Array, timeoutMs,
 * minRate, maxBytes}) and returns {status, headers, body: Uint8Array} or {failure: Failure,
 * message}. The whole exchange takes at most timeoutMs plus what the bytes it moved (body sent,
 * answer received) need at minRate bytes a second (0 or absent: timeoutMs at most); an answer is
 * read only up to maxBytes.
 */
export function requestSync(request) {
  if (channel === null) start();
  Atomics.store(channel.flag, 0, 0);
  channel.port.postMessage(request);
  // The worker enforces the deadline itself; this bound only guards against a worker that died,
  // so it is the furthest the worker's deadline can get: every byte it may move (the body, and
  // an answer up to maxBytes) at minRate, and a second more.
  const minRate = request.minRate ?? 0;
  const mostMovedMs = minRate > 0 ? ((request.body.length + request.maxBytes) * 1000) / minRate : 0;
  const waited = Atomics.wait(channel.flag, 0, 0, request.timeoutMs + mostMovedMs + 1000);
  const received = receiveMessageOnPort(channel.port);
  if (waited === 'timed-out' || received === undefined) {
    // A worker past its own deadline is stuck or dead: a fresh one serves the next request, so
    // that a late answer to this one cannot pass for the answer to the next.
    channel.worker.terminate();
    channel = null;
    return { failure: Failure.Timeout, message: 'no answer from the worker' };
  }
  return received.message;
}
