// The one place the page talks HTTP for queries and mutations: JSON in, JSON out, and an error
// that carries the server's own message (the API answers {"error": {"code", "message"}}).

/** An HTTP failure: `status` and the server's `code`, with its message as the error's message. */
export class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }
}

/** fetch() that resolves with the parsed JSON body, or rejects with an HttpError. */
export async function requestJson(url, { method = 'GET', body, signal } = {}) {
  const res = await fetch(url, {
    method,
    signal,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new HttpError(res.status, 'invalid_json', `${method} ${url}: the answer is not JSON (${res.status})`);
  }
  if (!res.ok) {
    const error = json?.error ?? {};
    throw new HttpError(res.status, error.code ?? 'http_error', error.message ?? `${method} ${url}: ${res.status}`);
  }
  return json;
}

/** GET `url` as JSON. */
export const getJson = (url, options) => requestJson(url, options);
