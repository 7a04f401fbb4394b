// Requests from the node's pages to the node's own API (same origin). Every answer is normalised to
// { ok, status, data, problem, network }: `problem` is the RFC 9457 body of an error, `network` is true
// when no answer arrived at all (offline, node down) so the page can say "nothing was lost, try again".

/** @returns {Promise<{ok: boolean, status: number, data: any, problem: any, network: boolean}>} */
export async function callApi(path, { method = 'GET', body, headers = {}, signal } = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { Accept: 'application/json, application/problem+json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch {
    return { ok: false, status: 0, data: null, problem: null, network: true };
  }
  let json = null;
  try { json = await res.json(); } catch { /* empty or not JSON */ }
  return res.ok
    ? { ok: true, status: res.status, data: json, problem: null, network: false }
    : { ok: false, status: res.status, data: null, problem: json || { status: res.status }, network: false };
}

/** Field errors of a validation problem ({ "organisation.name": ["…"], … }), or {}. */
export function fieldErrors(problem) {
  const errors = problem && problem.errors;
  return errors && typeof errors === 'object' && !Array.isArray(errors) ? errors : {};
}
