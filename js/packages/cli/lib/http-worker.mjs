// The worker behind http-bridge.mjs: one request at a time, within the caller's limits (one
// deadline for the whole exchange, connecting included, which grows as bytes move at the minimum
// rate; a bound on the answer's size counted as its bytes arrive), then the answer on the port
// and a wake-up of the waiting thread.
import http from 'node:http';
import https from 'node:https';
import { workerData } from 'node:worker_threads';
import { Failure } from './http-bridge.mjs';

const { port, flag } = workerData;

// The longest a timer is set for: a deadline further away is looked at again then (setTimeout
// takes at most 2^31 - 1 ms, and fires at once past it).
const maxTimerMs = 60000;
// The request body goes out in pieces of this size, so that what has left counts as it leaves.
const bodyPiece = 64 * 1024;

function perform(request) {
  return new Promise((resolve) => {
    let settled = false;
    let req;
    let timer;
    // The deadline, as the native transport's: timeoutMs from the start plus what the bytes moved
    // so far (request body sent, answer received) need at minRate bytes a second; minRate 0: a
    // fixed timeoutMs. Bytes move only between timer runs, so the timer sleeps until the deadline
    // as it stands and, when it fires, looks whether the bytes moved meanwhile pushed it on.
    const started = performance.now();
    const minRate = request.minRate ?? 0;
    let moved = 0;
    let doing = 'connecting';
    const deadline = () => started + request.timeoutMs + (minRate > 0 ? (moved * 1000) / minRate : 0);
    const watch = () => {
      const left = deadline() - performance.now();
      // Not `left <= 0`: with a timeoutMs that is not a number, left is NaN, which is not <= 0,
      // and the request had no deadline at all (nor had the waiting thread: Atomics.wait(NaN)).
      if (!(left > 0)) fail(Failure.Timeout, `timed out ${doing}, ${moved} bytes moved`);
      else timer = setTimeout(watch, Math.min(Math.ceil(left), maxTimerMs));
    };
    const finish = (answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (req) req.destroy();
      resolve(answer);
    };
    const fail = (failure, message) => finish({ failure, message });
    let url;
    try {
      url = new URL(request.url);
    } catch {
      fail(Failure.Unreachable, `not a URL: ${request.url}`);
      return;
    }
    const headers = {};
    for (const [name, value] of request.headers) {
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    if (request.body.length > 0 || request.method === 'PUT' || request.method === 'POST') {
      headers['Content-Length'] = String(request.body.length);
    }
    watch();
    // Past its deadline already (timeoutMs 0, negative or not a number): answered, and nothing
    // is sent. A request made after the answer would go out all the same, nobody left to stop it.
    if (settled) return;
    try {
      req = (url.protocol === 'https:' ? https : http).request(url, { method: request.method, headers, agent: false });
    } catch (e) {
      fail(Failure.Unreachable, e.message);
      return;
    }
    let connected = false;
    req.on('socket', (socket) => {
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        connected = true;
        doing = 'sending the request';
      });
    });
    req.on('finish', () => { doing = 'reading the answer'; });
    // A 101 nobody asked for: without this listener node drops the socket and says nothing, and
    // the request waited out its whole deadline.
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      fail(Failure.Malformed, `HTTP ${res.statusCode} switching protocols, which the request did not ask for`);
    });
    req.on('error', (e) => {
      const code = String(e.code ?? '');
      if (code.startsWith('ERR_TLS') || code.includes('CERT') || code.startsWith('ERR_SSL')) fail(Failure.Tls, e.message);
      else if (code.startsWith('HPE_')) fail(Failure.Malformed, e.message);
      else if (!connected) fail(Failure.Unreachable, `connect: ${e.message}`);
      else fail(Failure.Malformed, e.message);
    });
    req.on('response', (res) => {
      // The head counts against the bound too, as the native transport counts it.
      doing = 'reading the answer';
      let size = res.rawHeaders.reduce((n, s) => n + s.length + 2, 0);
      moved += size;
      const declared = Number(res.headers['content-length']);
      if (size > request.maxBytes || (Number.isFinite(declared) && size + declared > request.maxBytes)) {
        fail(Failure.TooLarge, '');
        return;
      }
      const chunks = [];
      res.on('data', (chunk) => {
        size += chunk.length;
        moved += chunk.length;
        if (size > request.maxBytes) fail(Failure.TooLarge, '');
        else chunks.push(chunk);
      });
      res.on('error', (e) => fail(Failure.Malformed, e.message));
      res.on('end', () => {
        const headerList = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headerList.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
        finish({ status: res.statusCode, headers: headerList, body: new Uint8Array(Buffer.concat(chunks)) });
      });
    });
    // The body in pieces, each counted as moved once node has handed it to the kernel.
    const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.length);
    for (let at = 0; at < body.length; at += bodyPiece) {
      const piece = body.subarray(at, at + bodyPiece);
      req.write(piece, (e) => { if (!e) moved += piece.length; });
    }
    req.end();
  });
}

port.on('message', async (request) => {
  const answer = await perform(request);
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
