// Profile's writes to the API. Reads go through the shared query cache (the shell's fetcher);
// a write is Profile's own business.

/** PATCH /api/users/me with `changes`; resolves with the user the server stored, or rejects
 * with an Error carrying the server's message. */
export async function updateMe(changes) {
  const res = await fetch('/api/users/me', {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(changes),
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.error?.message ?? `the server answered ${res.status}`);
  return body;
}
