// The worker behind http-bridge.mjs: one request at a time, with the limits the caller set
// (connection timeout, idle read timeout, a deadline for the whole exchange, a size bound), then
// the answer on the port and a wake-up of the waiting thread.
import http from 'node:http';
import https from 'node:https';
import { workerData } from 'node:worker_threads';
import { HttpError } from './http-bridge.mjs';

const { port, flag } = workerData;

function perform(request) {
  return new Promise((resolve) => {
    let settled = false;
    const timers = [];
    const finish = (answer) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      resolve(answer);
    };
    let url;
    try {
      url = new URL(request.url);
    } catch {
      finish({ error: HttpError.Connection });
      return;
    }
    const headers = {};
    for (const [name, value] of request.headers) {
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    if (request.body.length > 0 || request.method === 'PUT' || request.method === 'POST') {
      headers['Content-Length'] = String(request.body.length);
    }
    const transport = url.protocol === 'https:' ? https : http;
    let req;
    const fail = (code) => {
      finish({ error: code });
      if (req) req.destroy();
    };
    try {
      req = transport.request(url, { method: request.method, headers, agent: false });
    } catch {
      finish({ error: HttpError.Connection });
      return;
    }
    timers.push(setTimeout(() => fail(HttpError.Read), request.totalMs));
    let connected = false;
    timers.push(setTimeout(() => connected || fail(HttpError.ConnectionTimeout), request.connectMs));
    req.on('socket', (socket) => {
      const onConnect = () => {
        connected = true;
        socket.setTimeout(Math.max(request.readMs, request.writeMs), () => fail(HttpError.Read));
      };
      if (socket.connecting) socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', onConnect);
      else onConnect();
    });
    req.on('error', (e) => {
      if (settled) return;
      const code = String(e.code ?? '');
      if (code.startsWith('ERR_TLS') || code.includes('CERT')) fail(HttpError.SSLConnection);
      else if (connected) fail(HttpError.Read);
      else fail(HttpError.Connection);
    });
    req.on('response', (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > request.maxBytes) {
        fail(HttpError.Canceled);
        return;
      }
      const chunks = [];
      let size = 0;
      res.on('data', (chunk) => {
        size += chunk.length;
        if (size > request.maxBytes) fail(HttpError.Canceled);
        else chunks.push(chunk);
      });
      res.on('error', () => fail(HttpError.Read));
      res.on('end', () => {
        const headerList = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          headerList.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
        }
        finish({ status: res.statusCode, headers: headerList, body: new Uint8Array(Buffer.concat(chunks)) });
      });
    });
    req.end(Buffer.from(request.body.buffer, request.body.byteOffset, request.body.length));
  });
}

port.on('message', async (request) => {
  const answer = await perform(request);
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
