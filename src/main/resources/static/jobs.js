// "Prompts and jobs": the active prompt set for everyone; with the admin token, every prompt
// version (activate one) and training and seed jobs with live progress (cancel one).

import { act, describeProblem, getJson } from './api.js';

const $ = (id) => document.getElementById(id);

const FAST_POLL_MS = 2000;
const SLOW_POLL_MS = 15000;

let token = null;
let timer = null;
let onActivatedCallback = () => {};

function message(text) {
  $('jobs-message').textContent = text || '';
  $('jobs-message').hidden = !text;
}

// listing: the error came from a list call, which answers 404 only when the admin API is disabled.
function problemText(error, listing = false) {
  if (error.status === 401) return 'The admin token was not accepted.';
  if (listing && error.status === 404) return 'The admin API is disabled on this service (it has no admin token configured).';
  const { title, detail } = describeProblem(error);
  return detail ? `${title}: ${detail}` : title;
}

async function showActive() {
  try {
    const vocabulary = await getJson('/v1/vocabulary');
    $('active-prompts').textContent = `Active prompt set: ${vocabulary.promptSet} (${vocabulary.kind}, `
        + `${vocabulary.vocabulary} vocabulary, ${vocabulary.classes.length} classes).`;
  } catch (error) {
    $('active-prompts').textContent = `Active prompt set unknown: ${describeProblem(error).title}.`;
  }
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text == null ? '–' : String(text);
  if (className) td.className = className;
  return td;
}

function metricsText(metrics) {
  const entries = Object.entries(metrics || {});
  return entries.length ? entries.map(([k, v]) => `${k} ${Number(v).toFixed(3)}`).join(', ') : null;
}

// Rows are rebuilt only when their data changed, so a poll never swaps a button under the pointer.
function unchanged(body, data) {
  const key = JSON.stringify(data);
  if (body.dataset.key === key) return true;
  body.dataset.key = key;
  return false;
}

function renderVersions(list) {
  const body = $('versions').tBodies[0];
  if (unchanged(body, list)) return;
  $('prompt-versions').replaceChildren(...list.versions.map((v) => new Option(v.active ? `${v.kind}, active` : v.kind, v.version)));
  body.replaceChildren();
  for (const version of list.versions) {
    const row = body.insertRow();
    row.dataset.version = version.version;
    if (version.active) row.className = 'active';
    cell(row, version.version);
    cell(row, version.builtIn ? `${version.kind} (built in)` : version.kind);
    cell(row, version.vocabulary);
    cell(row, version.classCount, 'number');
    cell(row, version.createdAt ? new Date(version.createdAt).toLocaleString() : null);
    cell(row, metricsText(version.metrics));
    const stateCell = row.insertCell();
    if (version.active) {
      const badge = document.createElement('strong');
      badge.className = 'badge';
      badge.textContent = 'active';
      stateCell.append(badge);
    } else {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Activate';
      button.setAttribute('aria-label', `Activate ${version.version}`);
      button.addEventListener('click', () => activate(version.version));
      stateCell.append(button);
    }
  }
}

function duration(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return null;
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

function renderJobs(jobs) {
  const body = $('jobs-table').tBodies[0];
  if (unchanged(body, jobs)) return;
  body.replaceChildren();
  $('jobs-empty').hidden = jobs.length > 0;
  for (const job of jobs) {
    const row = body.insertRow();
    row.dataset.job = job.id;
    row.dataset.state = job.state;
    cell(row, job.id.length > 12 ? `${job.id.slice(0, 12)}…` : job.id).title = job.id;
    cell(row, job.type);
    cell(row, job.error ? `${job.state}: ${job.error}` : job.state, `state ${job.state}`);
    const progressCell = row.insertCell();
    const bar = document.createElement('progress');
    bar.max = 100;
    if (job.percent != null) bar.value = job.percent;
    else if (job.state === 'succeeded') bar.value = 100;
    else bar.removeAttribute('value');
    const text = `${job.stage ? `${job.stage} ` : ''}${job.iteration ?? 0}/${job.iterations ?? '?'}`
        + (job.percent != null ? ` (${job.percent}%)` : '');
    bar.setAttribute('aria-label', `${job.type} job ${job.id}: ${text}`);
    const span = document.createElement('span');
    span.textContent = ` ${text}`;
    progressCell.append(bar, span);
    cell(row, job.loss != null ? Number(job.loss).toFixed(4) : null, 'number');
    cell(row, job.imagesPerSecond != null ? Number(job.imagesPerSecond).toFixed(2) : null, 'number');
    cell(row, duration(job.eta));
    const result = job.promptVersion || (job.result?.mIoU != null ? `mIoU ${Number(job.result.mIoU).toFixed(3)}` : null);
    cell(row, result);
    const actions = row.insertCell();
    if (job.state === 'queued' || job.state === 'running') {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Cancel';
      button.setAttribute('aria-label', `Cancel ${job.type} job ${job.id}`);
      button.addEventListener('click', () => cancel(job));
      actions.append(button);
    }
  }
}

async function refresh() {
  clearTimeout(timer);
  if (!token) return;
  try {
    // The first call checks the token; the job lists follow only when it was accepted.
    const versions = await getJson('/v1/admin/prompts', { token });
    const [training, seeds] = await Promise.all([
      getJson('/v1/admin/training-jobs', { token }),
      getJson('/v1/admin/seed-jobs', { token }),
    ]);
    message('');
    $('admin-views').hidden = false;
    renderVersions(versions);
    const jobs = [...training, ...seeds].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    renderJobs(jobs);
    const busy = jobs.some((j) => j.state === 'queued' || j.state === 'running');
    $('jobs-updated').textContent = `Updated ${new Date().toLocaleTimeString()}; `
        + `refreshing every ${(busy ? FAST_POLL_MS : SLOW_POLL_MS) / 1000} s.`;
    timer = setTimeout(refresh, busy ? FAST_POLL_MS : SLOW_POLL_MS);
  } catch (error) {
    message(problemText(error, true));
    if (error.status === 401 || error.status === 404) {
      $('admin-views').hidden = true;
      token = null;
    } else {
      timer = setTimeout(refresh, SLOW_POLL_MS);
    }
  }
}

async function activate(version) {
  try {
    const result = await act('POST', `/v1/admin/prompts/${encodeURIComponent(version)}/activate`, { token });
    $('active-prompts').textContent = `${result.active} is now active (was ${result.previous}; activate it again to roll back).`;
    onActivatedCallback();
  } catch (error) {
    message(problemText(error));
  }
  await refresh();
}

async function cancel(job) {
  const collection = job.type === 'seed' ? 'seed-jobs' : 'training-jobs';
  try {
    await act('DELETE', `/v1/admin/${collection}/${encodeURIComponent(job.id)}`, { token });
  } catch (error) {
    message(problemText(error));
  }
  await refresh();
}

/** Wires the section; onActivated runs after a prompt version was activated here. */
export function initJobs({ onActivated } = {}) {
  onActivatedCallback = onActivated || (() => {});
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    token = $('token-input').value.trim() || null;
    $('token-input').value = '';
    if (!token) {
      message('Enter the admin token first.');
      return;
    }
    refresh();
  });
  $('token-forget').addEventListener('click', () => {
    token = null;
    clearTimeout(timer);
    $('admin-views').hidden = true;
    message('');
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && token) refresh();
  });
  showActive();
}
