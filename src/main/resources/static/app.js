// The "Try it" page: choose an image and classes, run one of the inference endpoints (or click on
// the image to segment), show the label map over the image with what explains it (CAMs,
// superpixels, timings, metadata).

import { describeProblem, getJson, runAndWait } from './api.js';
import { ClickSegmenter } from './clicks.js';
import { base64Bytes, readNpz } from './npz.js';
import { Overlay, vocColour } from './overlay.js';
import { labelMapPng } from './png.js';
import { forEachSetPixel } from './rle.js';
import { initJobs } from './jobs.js';

const $ = (id) => document.getElementById(id);

const ENDPOINTS = { masks: '/v1/masks', seeds: '/v1/seeds', refine: '/v1/refine' };

const state = {
  file: null,
  chips: [],
  vocabulary: null,
  running: null,
  lastRun: null,
  cams: null,
};

const overlay = new Overlay({
  imageLayer: $('image-layer'),
  labelLayer: $('label-layer'),
  heatmapLayer: $('heatmap-layer'),
  boundaryLayer: $('boundary-layer'),
  maskLayer: $('mask-layer'),
});

const clicks = new ClickSegmenter({
  overlay,
  file: () => state.file,
  typedClasses: () => state.chips,
  classList: () => (state.chips.length ? state.chips : (state.vocabulary?.classes ?? []).map((c) => c.name)),
  promptVersion: () => $('prompts-input').value.trim(),
  pixelOf: (event) => pixelOf(event),
  baseLabelMap: () => (state.lastRun && overlay.labels
    ? { classes: state.lastRun.json.classes, labels: overlay.labels.slice() } : null),
  showLabelMap: (json) => {
    state.lastRun = { request: { mode: 'click' }, json };
    showLabelMap(json);
    $('details').hidden = false;
  },
  showDetails: (answer, elapsedSeconds) => renderClickDetails(answer, elapsedSeconds),
  showMessage: (box, problem) => showMessage(problem.title, problem.detail, problem, box),
  progressText: (progress, verb) => progressText(progress, verb),
});

function mode() {
  return document.querySelector('input[name="mode"]:checked').value;
}

function setMode(value) {
  for (const element of document.querySelectorAll('[data-mode]')) {
    element.hidden = !element.dataset.mode.split(' ').includes(value);
  }
  $('class-hint').textContent = classHint(value);
  if ($('result').dataset.state === 'empty') {
    $('result-empty').textContent = value === 'click' ? 'Choose an image, then click on the object to segment.'
        : 'Choose an image and classes, then press Run.';
  }
  clicks.setActive(value === 'click');
  updateSamControls();
  renderChips();
}

// Without SAMS (Text to mask, refinement none) there is no SAM: no superpixels, no profile.
function updateSamControls() {
  const withoutSam = mode() === 'masks' && $('refine-select').value === 'none';
  $('include-superpixels').disabled = withoutSam;
  $('include-hint').hidden = !withoutSam;
  $('amg-select').disabled = withoutSam;
  $('grid-input').disabled = withoutSam;
}

function classHint(value) {
  const set = state.vocabulary;
  const known = set ? `The prompt set ${set.promptSet} knows ${set.classes.length} classes (${set.vocabulary}).` : '';
  if (value === 'seeds') return `Seeds take names from the vocabulary only. ${known}`;
  if (value === 'refine') return 'One name per channel of the score map (or per label of the PNG), in order.';
  if (value === 'click') return `The classes CLIP proposes from and masks are accepted as; none: the whole vocabulary. ${known}`;
  return `Any names: unknown ones get zero-shot prompts. ${known}`;
}

// ---- messages and progress -------------------------------------------------------------------

function showMessage(title, detail, { kind, status } = {}, box = $('message')) {
  box.replaceChildren();
  const strong = document.createElement('strong');
  strong.textContent = title;
  box.append(strong);
  if (detail) box.append(document.createTextNode(` ${detail}`));
  if (kind || status) {
    const small = document.createElement('span');
    small.className = 'problem-kind';
    small.textContent = [status ? `HTTP ${status}` : null, kind].filter(Boolean).join(' · ');
    box.append(small);
  }
  box.hidden = false;
}

function clearMessage() {
  $('message').hidden = true;
  $('message').replaceChildren();
}

function setStatus(text) {
  $('status').textContent = text;
}

const STAGES = {
  queued: 'waiting in the queue',
  running: 'starting',
  clip_encode: 'CLIP image encoder',
  gradcam: 'Softmax-GradCAM',
  caa: 'attention affinity (CAA)',
  sam_encode: 'SAM image encoder',
  sam_decode: 'SAM masks',
  sams: 'SAMS labelling',
};

function progressText({ elapsedSeconds, percent, etaSeconds, stage, detail }, verb = 'Running') {
  const parts = [`${verb}${stage ? ` (${STAGES[stage] || stage})` : ''}… ${elapsedSeconds.toFixed(1)} s`];
  if (detail) parts.push(detail);
  if (percent != null) parts.push(`${Math.round(percent)}%`);
  if (etaSeconds != null) parts.push(`about ${Math.ceil(etaSeconds)} s left`);
  return parts.join(' · ');
}

function showProgress(progress) {
  const bar = $('progress-bar');
  if (progress.percent == null) {
    bar.removeAttribute('value');
  } else {
    bar.max = 100;
    bar.value = progress.percent;
  }
  $('progress-text').textContent = progressText(progress);
}

function setRunning(controller) {
  state.running = controller;
  $('progress').hidden = !controller;
  $('cancel-button').hidden = !controller;
  $('run-button').disabled = Boolean(controller);
  $('download-png').disabled = Boolean(controller);
  $('result').setAttribute('aria-busy', String(Boolean(controller)));
}

// ---- image -----------------------------------------------------------------------------------

async function setImage(file) {
  state.file = file;
  state.lastRun = null;
  $('image-name').textContent = `${file.name || 'pasted image'} (${Math.round(file.size / 1024)} KB)`;
  clearMessage();
  resetResult();
  clicks.reset();
  try {
    const bitmap = await createImageBitmap(file);
    overlay.showImage(bitmap);
    bitmap.close();
    $('viewer-figure').hidden = false;
    $('result-empty').hidden = true;
    $('result').dataset.state = 'preview';
  } catch {
    $('viewer-figure').hidden = true;
    $('result-empty').hidden = false;
    $('result-empty').textContent = 'This browser cannot show the file; the service checks it when you press Run.';
    $('result').dataset.state = 'no-preview';
  }
}

function resetResult() {
  $('layer-controls').hidden = true;
  $('details').hidden = true;
  $('legend').replaceChildren();
  $('pointer-readout').textContent = 'Point at the image to see its class.';
  state.cams = null;
}

// ---- classes ---------------------------------------------------------------------------------

function addChips(text) {
  for (const raw of text.split(',')) {
    const name = raw.trim();
    if (name && !state.chips.some((c) => c.toLowerCase() === name.toLowerCase())) state.chips.push(name);
  }
  renderChips();
}

function knownClass(name) {
  return !state.vocabulary || state.vocabulary.classes.some((c) => c.name.toLowerCase() === name.toLowerCase());
}

function renderChips() {
  const list = $('chips');
  list.replaceChildren(...state.chips.map((name) => {
    const item = document.createElement('li');
    const unknown = mode() === 'seeds' && !knownClass(name);
    item.className = unknown ? 'chip unknown' : 'chip';
    const label = document.createElement('span');
    label.textContent = name;
    item.append(label);
    if (unknown) {
      const note = document.createElement('span');
      note.className = 'visually-hidden';
      note.textContent = ' (not in the vocabulary)';
      item.append(note);
      item.title = 'not in the vocabulary';
    }
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = '×';
    remove.setAttribute('aria-label', `Remove ${name}`);
    remove.addEventListener('click', () => {
      state.chips = state.chips.filter((c) => c !== name);
      renderChips();
      $('class-input').focus();
    });
    item.append(remove);
    return item;
  }));
  clicks.refreshClasses();
}

async function loadVocabulary() {
  try {
    state.vocabulary = await getJson('/v1/vocabulary');
  } catch (error) {
    state.vocabulary = null;
    $('class-hint').textContent = `No suggestions: ${describeProblem(error).title}.`;
    return;
  }
  const options = state.vocabulary.classes.map((c) => {
    const option = document.createElement('option');
    option.value = c.name;
    if (c.prompt && c.prompt !== c.name) option.label = c.prompt.replaceAll(',', ', ');
    return option;
  });
  $('vocabulary').replaceChildren(...options);
  $('vocabulary').dataset.promptSet = state.vocabulary.promptSet;
  setMode(mode());
}

// ---- running ---------------------------------------------------------------------------------

function buildRequest() {
  const selected = mode();
  const form = new FormData();
  form.append('image', state.file, state.file.name || 'image');
  for (const name of state.chips) form.append(selected === 'seeds' ? 'labels' : 'classes', name);
  const prompts = $('prompts-input').value.trim();
  if (prompts && selected !== 'refine') form.append('prompts', prompts);
  if (selected === 'masks') form.append('refine', $('refine-select').value);
  if (selected !== 'refine') {
    const include = [];
    if ($('include-cams').checked) include.push('cams');
    if ($('include-superpixels').checked && !$('include-superpixels').disabled) include.push('superpixels');
    if (include.length) form.append('include', include.join(','));
  }
  if (!$('amg-select').disabled && $('amg-select').value) form.append('amg', $('amg-select').value);
  if (!$('grid-input').disabled && $('grid-input').value.trim()) form.append('grid', $('grid-input').value.trim());
  if (selected === 'refine') {
    const scores = $('scores-input').files[0];
    const isPng = scores.name.toLowerCase().endsWith('.png') || scores.type === 'image/png';
    form.append(isPng ? 'labels' : 'scores', scores, scores.name);
    form.append('alpha', $('alpha-input').value);
  }
  return { path: ENDPOINTS[selected], form, mode: selected };
}

function validate() {
  addChips($('class-input').value);
  $('class-input').value = '';
  if (!state.file) return ['Choose an image first.', $('image-input')];
  if (!state.chips.length) return ['Add at least one class name.', $('class-input')];
  if (mode() === 'seeds' && state.vocabulary) {
    const unknown = state.chips.filter((c) => !knownClass(c));
    if (unknown.length) {
      return [`Seeds take names from the vocabulary (${state.vocabulary.vocabulary}); not in it: ${unknown.join(', ')}.`
          + ' Use Text to mask for free-text names.', $('class-input')];
    }
  }
  if (mode() === 'refine') {
    if (!$('scores-input').files[0]) return ['Choose a score map (.npy / .npz) or a label PNG.', $('scores-input')];
    const alpha = Number($('alpha-input').value);
    if (!(alpha > 0 && alpha <= 10)) return ['Alpha must be above 0 and at most 10.', $('alpha-input')];
  }
  const grid = $('grid-input').value.trim();
  if (grid && !$('grid-input').disabled && !(/^\d+$/.test(grid) && Number(grid) >= 4 && Number(grid) <= 64)) {
    $('grid-input').closest('details').open = true;
    return ['SAM points per side must be a whole number from 4 to 64.', $('grid-input')];
  }
  return null;
}

async function run(event) {
  event.preventDefault();
  if (state.running || mode() === 'click') return;
  clearMessage();
  const invalid = validate();
  if (invalid) {
    showMessage('Not yet:', invalid[0]);
    invalid[1].focus();
    return;
  }
  const request = buildRequest();
  const controller = new AbortController();
  setRunning(controller);
  setStatus('');
  $('result').dataset.state = 'running';
  try {
    const answer = await runAndWait(request.path, request.form, { signal: controller.signal, onProgress: showProgress });
    state.lastRun = { request, json: answer.json };
    clicks.labelMapReplaced();
    await showResult(answer.json, answer.elapsedSeconds);
    $('result').dataset.state = 'done';
    // In one column (phones) the result is below the form: bring it into view.
    if ($('result').getBoundingClientRect().top > window.innerHeight / 2) $('result').scrollIntoView({ block: 'start' });
  } catch (error) {
    const problem = describeProblem(error);
    showMessage(problem.title, problem.detail, problem);
    setStatus(problem.title);
    $('result').dataset.state = 'error';
  } finally {
    setRunning(null);
  }
}

// ---- result ----------------------------------------------------------------------------------

function labelsOf(json) {
  const labels = new Uint8Array(json.width * json.height);
  const areas = new Map();
  for (const mask of json.masks) {
    forEachSetPixel(mask.rle, (p) => { labels[p] = mask.index; });
    areas.set(mask.index, mask.area);
  }
  return { labels, areas };
}

/** Shows a label map ({width, height, classes, masks} as /v1/masks answers) over the image, with its legend. */
function showLabelMap(json) {
  if (overlay.width !== json.width || overlay.height !== json.height) {
    // The browser could not show the image (or sized it differently): draw on a blank canvas.
    const blank = new OffscreenCanvas(json.width, json.height);
    overlay.showImage(blank, json.width, json.height);
  }
  const { labels, areas } = labelsOf(json);
  overlay.showLabels(labels);
  overlay.setOpacity(Number($('opacity-input').value) / 100);
  $('viewer-figure').hidden = false;
  $('result-empty').hidden = true;
  $('layer-controls').hidden = false;
  renderLegend(json, areas);
  return areas;
}

async function showResult(json, elapsedSeconds) {
  const areas = showLabelMap(json);
  await renderDebug(json);
  renderDetails(json, elapsedSeconds);
  if (json.metadata?.bundle?.demo) $('demo-banner').hidden = false;
  const labelled = [...areas.values()].reduce((a, b) => a + b, 0);
  const share = (100 * labelled) / (json.width * json.height);
  setStatus(`Done in ${elapsedSeconds.toFixed(1)} s: ${json.classes.length - 1} classes, `
      + `${share.toFixed(1)}% of the ${json.width}×${json.height} pixels labelled.`);
}

function renderLegend(json, areas) {
  const total = json.width * json.height;
  const items = json.classes.filter((c) => c.index > 0).map((c) => {
    const item = document.createElement('li');
    const id = `legend-${c.index}`;
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.id = id;
    box.checked = true;
    box.dataset.label = String(c.index);
    box.addEventListener('change', () => overlay.setHidden(c.index, !box.checked));
    const label = document.createElement('label');
    label.htmlFor = id;
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = `rgb(${vocColour(c.index).join(',')})`;
    const name = document.createElement('span');
    name.className = 'class-name';
    name.textContent = c.name;
    const facts = document.createElement('span');
    facts.className = 'hint';
    const area = areas.get(c.index) || 0;
    const probability = json.scores?.[c.name]?.probability;
    facts.textContent = ` ${((100 * area) / total).toFixed(1)}% of pixels`
        + (probability != null ? ` · p ${probability.toFixed(3)}` : '');
    label.append(swatch, name, facts);
    item.append(box, label);
    return item;
  });
  $('legend').replaceChildren(...items);
}

async function renderDebug(json) {
  state.cams = null;
  $('heatmap-controls').hidden = !json.cams;
  $('boundary-controls').hidden = !json.superpixels;
  overlay.showHeatmap(null);
  overlay.showBoundaries(null);
  if (json.cams) {
    try {
      const arrays = await readNpz(base64Bytes(json.cams).buffer);
      state.cams = { raw: arrays.get('raw'), refined: arrays.get('refined') };
      const [, gridHeight, gridWidth] = state.cams.refined.shape;
      $('heatmap-note').textContent = `CLIP patch grid ${gridWidth}×${gridHeight}, min-max scaled per class (blue low, red high).`;
    } catch (error) {
      $('heatmap-note').textContent = `The CAMs could not be read: ${error.message}`;
    }
    const options = [new Option('off', '')].concat(json.classes.filter((c) => c.index > 0)
        .map((c) => new Option(c.name, String(c.index - 1))));
    $('heatmap-class').replaceChildren(...options);
  }
  if (json.superpixels) {
    overlay.setSuperpixels(json.superpixels);
    $('boundaries-on').checked = false;
    const perLevel = [0, 0, 0];
    for (const sp of json.superpixels) perLevel[sp.level] = (perLevel[sp.level] || 0) + 1;
    $('boundary-note').textContent = `${json.superpixels.length} quasi-superpixels: ${perLevel[0]} whole, `
        + `${perLevel[1]} part, ${perLevel[2]} subpart (white, yellow, cyan).`;
  }
}

function updateHeatmap() {
  const channel = $('heatmap-class').value;
  if (!state.cams || channel === '') {
    overlay.showHeatmap(null);
    return;
  }
  const cam = state.cams[$('heatmap-kind').value];
  const [, gridHeight, gridWidth] = cam.shape;
  const size = gridHeight * gridWidth;
  const c = Number(channel);
  overlay.showHeatmap(cam.data.subarray(c * size, (c + 1) * size), gridHeight, gridWidth);
}

function updateBoundaries() {
  if (!$('boundaries-on').checked) {
    overlay.showBoundaries(null);
    return;
  }
  const levels = new Set([...document.querySelectorAll('#boundary-controls .level:checked')].map((b) => Number(b.value)));
  overlay.showBoundaries(levels);
}

function renderTimings(timings, elapsedSeconds) {
  const body = $('timings').tBodies[0];
  const entries = Object.entries(timings || {});
  const total = entries.reduce((a, [, ms]) => a + ms, 0);
  body.replaceChildren(...entries.map(([stage, ms]) => {
    const row = body.insertRow();
    row.insertCell().textContent = stage;
    const cell = row.insertCell();
    cell.className = 'number';
    cell.textContent = ms.toLocaleString('en');
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${total ? (100 * ms) / total : 0}%`;
    row.insertCell().append(bar);
    return row;
  }));
  $('round-trip').textContent = `Stages sum to ${total.toLocaleString('en')} ms; the round trip took `
      + `${Math.round(elapsedSeconds * 1000).toLocaleString('en')} ms (upload, queueing and encoding included).`;
}

/** The reproducibility summary: [term, value] pairs (empty values left out) and the full JSON. */
function renderFacts(facts, full) {
  $('metadata-summary').replaceChildren(...facts.filter(([, value]) => value != null && value !== '').flatMap(([term, value]) => {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = String(value);
    return [dt, dd];
  }));
  $('metadata-json').textContent = JSON.stringify(full, null, 2);
  $('details').hidden = false;
}

function renderDetails(json, elapsedSeconds) {
  renderTimings(json.timings, elapsedSeconds);
  const meta = json.metadata || {};
  const bundle = meta.bundle || {};
  const parameters = meta.parameters || {};
  const image = parameters.image || {};
  const facts = [
    ['Bundle', `${bundle.clip?.source ?? '?'} + ${bundle.sam?.source ?? '?'}${bundle.demo ? ' (demo: random weights)' : ''}`],
    ['Manifest SHA-256', bundle.manifestSha256],
    ['Device, dtype', [bundle.device, bundle.dtype].filter(Boolean).join(', ')],
    ['Prompts', meta.prompts ? `${meta.prompts.id} (${meta.prompts.kind}, ${meta.prompts.vocabulary})` : null],
    ['Refinement', parameters.refine],
    ['Alpha', parameters.alpha],
    ['CAM', parameters.cam ? `${parameters.cam.stream} stream, CAA ${parameters.cam.caa ? 'on' : 'off'}, box threshold ${parameters.cam.boxThreshold}` : null],
    ['Mask generation', parameters.amg ? `${parameters.amg.profile ? `${parameters.amg.profile} profile, ` : ''}`
        + `${parameters.amg.pointsPerSide} points per side, IoU ≥ ${parameters.amg.predIouThresh}` : null],
    ['Image', image.width ? `${image.width}×${image.height} ${image.format}, EXIF orientation ${image.exifOrientation}` : null],
    ['CLIP input', image.clipInput ? image.clipInput.join('×') : null],
    ['Image SHA-256', image.sha256],
  ];
  renderFacts(facts, meta);
}

const SAM_OUTPUTS = ['single-mask output', 'multimask output 1 (subpart)', 'multimask output 2 (part)', 'multimask output 3 (whole)'];

/** Timings and facts of a click's answer (POST /v1/segments). */
function renderClickDetails(answer, elapsedSeconds) {
  renderTimings(answer.timings, elapsedSeconds);
  const kept = (flag) => (flag == null ? null : flag ? 'kept' : 'computed');
  renderFacts([
    ['Mask', answer.source === 'superpixel' ? `quasi-superpixel (${answer.level})` : `SAM, ${SAM_OUTPUTS[answer.samOutput] ?? answer.samOutput}`],
    ['Image embedding', kept(answer.cached?.embedding)],
    ['CAMs', kept(answer.cached?.cams)],
    ['Prompts', answer.proposal?.promptSet],
    ['Image', `${answer.image.width}×${answer.image.height}`],
    ['Image SHA-256', answer.image.sha256],
  ], { ...answer, mask: { size: answer.mask.size, counts: '…' } });
}

// ---- pointer and keyboard cursor -------------------------------------------------------------

const cursor = { x: 0, y: 0 };

function describePixel(x, y) {
  if (!overlay.width) return 'Point at the image to see its class.';
  const label = overlay.labelAt(x, y);
  if (label == null) return `(${x}, ${y})`;
  const json = state.lastRun?.json;
  const name = json?.classes.find((c) => c.index === label)?.name ?? String(label);
  let text = `(${x}, ${y}): ${name}`;
  const channel = $('heatmap-class').value;
  if (state.cams && channel !== '' && !$('heatmap-layer').hidden) {
    const cam = state.cams[$('heatmap-kind').value];
    const [, gridHeight, gridWidth] = cam.shape;
    const gx = Math.min(gridWidth - 1, Math.floor((x * gridWidth) / overlay.width));
    const gy = Math.min(gridHeight - 1, Math.floor((y * gridHeight) / overlay.height));
    text += ` · CAM ${cam.data[Number(channel) * gridHeight * gridWidth + gy * gridWidth + gx].toFixed(3)}`;
  }
  return text;
}

function pixelOf(event) {
  const rect = $('viewer').getBoundingClientRect();
  return {
    x: Math.floor(((event.clientX - rect.left) * overlay.width) / rect.width),
    y: Math.floor(((event.clientY - rect.top) * overlay.height) / rect.height),
  };
}

function moveCursor(x, y) {
  cursor.x = Math.max(0, Math.min(overlay.width - 1, x));
  cursor.y = Math.max(0, Math.min(overlay.height - 1, y));
  const marker = $('cursor');
  marker.hidden = false;
  marker.style.left = `${((cursor.x + 0.5) * 100) / overlay.width}%`;
  marker.style.top = `${((cursor.y + 0.5) * 100) / overlay.height}%`;
  $('pointer-readout').textContent = describePixel(cursor.x, cursor.y);
}

// ---- downloads -------------------------------------------------------------------------------

function baseName() {
  return (state.file?.name || 'image').replace(/\.[^.]+$/, '') || 'image';
}

function save(blob, name) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

function classTable(classes) {
  return classes.map((c) => `${c.index}=${c.name}`).join(',');
}

async function downloadPng() {
  if (!state.lastRun || state.running) return;
  clearMessage();
  const { request, json } = state.lastRun;
  if (request.mode === 'click') {
    // Built in the page: encoded here, in the service's format.
    save(await labelMapPng(overlay.labels, json.width, json.height), `${baseName()}-click.png`);
    setStatus(`Label map saved; class order: ${classTable(json.classes)}.`);
    return;
  }
  const controller = new AbortController();
  setRunning(controller);
  try {
    // Same request again (same image bytes, classes and options), asking for the PNG label map.
    const answer = await runAndWait(request.path, request.form, {
      accept: 'image/png', signal: controller.signal, onProgress: showProgress,
    });
    save(answer.blob, `${baseName()}-${request.mode}.png`);
    setStatus(`Label map saved; class order: ${decodeURIComponent(answer.headers.get('X-Class-Table') || '')}.`);
  } catch (error) {
    const problem = describeProblem(error);
    showMessage(problem.title, problem.detail, problem);
  } finally {
    setRunning(null);
  }
}

// ---- wiring ----------------------------------------------------------------------------------

function wire() {
  $('run-form').addEventListener('submit', run);
  $('cancel-button').addEventListener('click', () => state.running?.abort());
  for (const radio of document.querySelectorAll('input[name="mode"]')) radio.addEventListener('change', () => setMode(mode()));

  $('image-input').addEventListener('change', () => {
    const file = $('image-input').files[0];
    if (file) setImage(file);
  });
  const zone = $('dropzone');
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    const file = event.dataTransfer.files[0];
    if (file) setImage(file);
  });
  // A file dropped next to the zone must not replace the page.
  document.addEventListener('dragover', (event) => event.preventDefault());
  document.addEventListener('drop', (event) => event.preventDefault());
  document.addEventListener('paste', (event) => {
    const file = [...(event.clipboardData?.files || [])].find((f) => f.type.startsWith('image/'));
    if (file) setImage(file);
  });
  for (const button of document.querySelectorAll('.sample')) {
    button.addEventListener('click', async () => {
      const response = await fetch(button.dataset.src);
      const blob = await response.blob();
      await setImage(new File([blob], button.dataset.src.split('/').pop(), { type: blob.type }));
      if (!state.chips.length) addChips(button.dataset.classes);
    });
  }

  const input = $('class-input');
  input.addEventListener('keydown', (event) => {
    if ((event.key === 'Enter' || event.key === ',') && input.value.trim()) {
      event.preventDefault();
      addChips(input.value);
      input.value = '';
    } else if (event.key === 'Backspace' && !input.value && state.chips.length) {
      state.chips.pop();
      renderChips();
    }
  });
  input.addEventListener('input', (event) => {
    if (event.inputType === 'insertReplacementText') {
      // A suggestion picked from the list.
      addChips(input.value);
      input.value = '';
    } else if (input.value.includes(',')) {
      // A typed or pasted list: every complete name becomes a chip.
      const parts = input.value.split(',');
      input.value = parts.pop();
      addChips(parts.join(','));
    }
  });

  $('opacity-input').addEventListener('input', () => {
    $('opacity-value').textContent = `${$('opacity-input').value}%`;
    overlay.setOpacity(Number($('opacity-input').value) / 100);
  });
  $('refine-select').addEventListener('change', updateSamControls);
  $('heatmap-class').addEventListener('change', updateHeatmap);
  $('heatmap-kind').addEventListener('change', updateHeatmap);
  $('boundaries-on').addEventListener('change', updateBoundaries);
  for (const box of document.querySelectorAll('#boundary-controls .level')) box.addEventListener('change', updateBoundaries);

  const viewer = $('viewer');
  viewer.addEventListener('pointermove', (event) => {
    const { x, y } = pixelOf(event);
    moveCursor(x, y);
  });
  viewer.addEventListener('focus', () => {
    // Click mode from the keyboard: the cursor starts in the middle.
    if (mode() === 'click' && overlay.width && $('cursor').hidden) moveCursor(overlay.width >> 1, overlay.height >> 1);
  });
  viewer.addEventListener('keydown', (event) => {
    if (overlay.width && clicks.keydown(event, cursor)) {
      event.preventDefault();
      return;
    }
    const step = event.shiftKey ? 10 : 1;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    const move = moves[event.key];
    if (!move || !overlay.width) return;
    event.preventDefault();
    moveCursor(cursor.x + move[0], cursor.y + move[1]);
  });

  $('download-json').addEventListener('click', () => {
    if (!state.lastRun) return;
    const text = JSON.stringify(state.lastRun.json, null, 2);
    save(new Blob([text], { type: 'application/json' }), `${baseName()}-${state.lastRun.request.mode}.json`);
  });
  $('download-png').addEventListener('click', downloadPng);
}

async function showBundleFlag() {
  try {
    const info = await getJson('/actuator/info');
    $('demo-banner').hidden = !info.bundle?.demo;
  } catch {
    // The banner also appears from a result's metadata.
  }
}

wire();
setMode(mode());
loadVocabulary();
showBundleFlag();
initJobs({ onActivated: loadVocabulary });
