// Every HTTP call of the page. runAndWait() is the one place that sends an inference request and
// waits for its answer (asynchronously with polling where the service offers it).

/** A failed call: an RFC 7807 problem, or what the page could make of another answer. */
export class ProblemError extends Error {
  constructor(problem, status, retryAfterSeconds) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.problem = problem;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date), or null. */
export function retryAfterSeconds(header, now = Date.now()) {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

async function problemOf(response) {
  const type = response.headers.get('Content-Type') || '';
  let problem;
  if (type.includes('json')) {
    try {
      problem = await response.json();
    } catch {
      problem = null;
    }
  }
  if (!problem || typeof problem !== 'object') {
    problem = { title: response.statusText || `HTTP ${response.status}`, status: response.status };
  }
  return new ProblemError(problem, response.status, retryAfterSeconds(response.headers.get('Retry-After')));
}

async function send(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ProblemError({ title: 'Service not reachable', detail: 'The request did not reach the service: '
        + 'check that it is running and that the network is up.' }, 0, null);
  }
  if (!response.ok) throw await problemOf(response);
  return response;
}

const POLL_MS = 400;
const MAX_POLL_MS = 2000;

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new DOMException('cancelled', 'AbortError'));
    }, { once: true });
  });
}

async function body(response, accept) {
  return accept === 'image/png' ? { blob: await response.blob() } : { json: await response.json() };
}

/**
 * Sends one inference request and waits for its answer.
 *
 * The request asks for asynchronous processing (Prefer: respond-async). A service that accepts
 * answers 202 with a Location, which is polled for {state, stage, progress: {percent}, etaSeconds}
 * until it answers the result (200) or a problem; cancelling sends DELETE to it. A service that
 * does not answers the result directly, and cancelling disconnects (queued work is dropped).
 * respondAsync false asks for the answer directly (a click whose image the service keeps: no
 * poll interval between the answer and the page).
 *
 * @param path endpoint, e.g. '/v1/masks'
 * @param form the multipart body (FormData)
 * @param options accept: 'application/json' or 'image/png'; signal: AbortSignal; onProgress({
 *     elapsedSeconds, percent, etaSeconds, stage, detail}) called while waiting (null where unknown);
 *     respondAsync: false for no Prefer header
 * @returns {json, headers} for JSON, {blob, headers} for PNG, plus elapsedSeconds
 */
export async function runAndWait(path, form, { accept = 'application/json', signal, onProgress, respondAsync = true } = {}) {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let status = { percent: null, etaSeconds: null, stage: null, detail: null };
  const tick = () => onProgress?.({ elapsedSeconds: elapsed(), ...status });
  tick();
  const timer = setInterval(tick, 200);
  let location = null;
  try {
    const first = await send(path, {
      method: 'POST', body: form, headers: respondAsync ? { Accept: accept, Prefer: 'respond-async' } : { Accept: accept }, signal,
    });
    let response = first;
    if (first.status === 202 && first.headers.get('Location')) {
      location = new URL(first.headers.get('Location'), window.location.href).href;
      for (;;) {
        const wait = retryAfterSeconds(response.headers.get('Retry-After'));
        await sleep(wait == null ? POLL_MS : Math.min(MAX_POLL_MS, Math.max(POLL_MS, wait * 1000)), signal);
        response = await send(location, { headers: { Accept: accept }, signal });
        if (response.status !== 202) break;
        const progress = await response.json();
        const units = progress.progress;
        status = {
          percent: units?.percent ?? null,
          etaSeconds: progress.etaSeconds ?? null,
          stage: progress.stage || progress.state || null,
          detail: units?.total ? `${units.done}/${units.total} ${units.unit || ''}`.trim() : null,
        };
        tick();
      }
      location = null;
    }
    return { ...(await body(response, accept)), headers: response.headers, elapsedSeconds: elapsed() };
  } catch (error) {
    if (error.name === 'AbortError' && location) {
      // Best effort: the service also drops the work when nobody asks for it.
      fetch(location, { method: 'DELETE' }).catch(() => {});
    }
    throw error;
  } finally {
    clearInterval(timer);
  }
}

function jsonHeaders(token) {
  return token ? { Accept: 'application/json', Authorization: `Bearer ${token}` } : { Accept: 'application/json' };
}

/** GET returning JSON; token adds the admin bearer header. */
export async function getJson(path, { token, signal } = {}) {
  return (await send(path, { headers: jsonHeaders(token), signal })).json();
}

/** POST or DELETE without a body, returning JSON (admin actions). */
export async function act(method, path, { token } = {}) {
  return (await send(path, { method, headers: jsonHeaders(token) })).json();
}

/** A readable sentence for a failed call. */
export function describeProblem(error) {
  if (error.name === 'AbortError') return { title: 'Cancelled', detail: 'The request was cancelled.' };
  if (!(error instanceof ProblemError)) return { title: 'Something went wrong', detail: String(error.message || error) };
  const { problem, status, retryAfterSeconds: retry } = error;
  const title = problem.title || `HTTP ${status}`;
  let detail = problem.detail || '';
  if (status === 429 || status === 503) {
    const when = retry != null ? `in ${retry} s` : 'in a moment';
    detail = `${detail ? detail + ' ' : ''}The service is busy: try again ${when}.`;
  }
  const kind = typeof problem.type === 'string' ? problem.type.replace('urn:fma-wsss:problem:', '') : null;
  return { title, detail, status, kind, retryAfterSeconds: retry };
}
