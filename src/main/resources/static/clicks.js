// Click to segment: positive and negative points and a box on the image, each change answered by
// POST /v1/segments with SAM's mask and the class CLIP proposes for it; accepted masks are painted
// into the page's label map under the proposed or a chosen class.

import { describeProblem, runAndWait } from './api.js';
import { decodeMask, encodeMask } from './rle.js';

const $ = (id) => document.getElementById(id);

/** CSS pixels the pointer moves with the button down before a press becomes a box. */
const DRAG_PIXELS = 5;
const UNKNOWN_IMAGE = 'urn:fma-wsss:problem:unknown-image';

/**
 * The click mode of the page. Its prompt is a history of actions (a point or a box, each with
 * the answer it got), so that Undo shows the previous mask without asking again; an accepted mask
 * keeps its actions and answer, so that undoing the acceptance brings them back.
 */
export class ClickSegmenter {
  /**
   * @param page what the click mode needs of the page: overlay; file() the chosen image;
   *     typedClasses() the class chips; classList() the chips, else the vocabulary's names;
   *     promptVersion(); pixelOf(event) {x, y}; baseLabelMap() {classes, labels} of the result
   *     shown, or null; showLabelMap(json); showDetails(answer, elapsedSeconds);
   *     showMessage(box, problem); progressText(progress, verb)
   */
  constructor(page) {
    this.page = page;
    this.overlay = page.overlay;
    this.active = false;
    this.negative = false;
    this.controller = null;
    this.drag = null;
    this.actions = [];
    this.accepted = [];
    this.reset();
    this.wire();
  }

  /** Forgets everything: a new image. */
  reset() {
    this.sha256 = null;
    this.accepted = [];
    this.base = null;
    this.emptyPrompt();
    this.setStatus('');
    this.hideMessage();
  }

  /** No points, no box, no mask (and no request in flight): ready for the next object. */
  emptyPrompt() {
    this.abort();
    this.actions = [];
    this.corner = null;
    this.classChosen = false;
    this.drawMarks();
    this.showAnswer(null);
  }

  /** A result of another mode replaced the label map: accepted masks go, the prompt stays. */
  labelMapReplaced() {
    this.accepted = [];
    this.base = null;
    this.updateButtons();
  }

  setActive(active) {
    this.active = active;
    $('mask-layer').hidden = !active;
    $('click-marks').hidden = !active;
    $('viewer').classList.toggle('clicking', active);
  }

  // ---- the prompt ------------------------------------------------------------------------------

  /** A point at the centre of pixel (x, y). */
  addPoint(x, y, negative) {
    this.push({ point: [x + 0.5, y + 0.5, negative ? 0 : 1] });
  }

  /** A box over the pixels from corner a to corner b ({x, y}, inclusive). */
  setBox(a, b) {
    this.push({ box: [Math.min(a.x, b.x), Math.min(a.y, b.y), Math.max(a.x, b.x) + 1, Math.max(a.y, b.y) + 1] });
  }

  push(action) {
    if (!this.overlay.width || !this.page.file()) return;
    this.actions.push(action);
    this.drawMarks();
    this.segment();
  }

  undo() {
    this.hideMessage();
    if (this.actions.length) {
      this.actions.pop();
      this.drawMarks();
      const last = this.actions.at(-1);
      this.abort();
      if (!last) {
        this.showAnswer(null);
        this.setStatus('Prompt empty: click the object.');
      } else if (last.answer) {
        this.showAnswer(last.answer);
        this.setStatus('Undone: the mask of the prompt before.');
      } else {
        this.segment();
      }
    } else if (this.accepted.length) {
      const entry = this.accepted.pop();
      this.publish();
      this.actions = entry.actions;
      this.drawMarks();
      this.showAnswer(entry.answer);
      $('click-class').value = entry.name;
      this.classChosen = true;
      this.setStatus(`Undone: the mask accepted as ${entry.name} is out of the label map again.`);
    }
    this.updateButtons();
  }

  clear() {
    this.emptyPrompt();
    this.hideMessage();
    this.setStatus('Prompt cleared.');
    this.updateButtons();
  }

  // ---- asking the service ----------------------------------------------------------------------

  abort() {
    const controller = this.controller;
    this.controller = null;
    controller?.abort();
    this.setBusy(false);
  }

  async segment() {
    // A newer prompt makes the request in flight stale: cancel it.
    this.abort();
    const action = this.actions.at(-1);
    const controller = new AbortController();
    this.controller = controller;
    this.hideMessage();
    this.setBusy(true);
    let answer = null;
    let failure = null;
    try {
      try {
        answer = await this.request(controller.signal);
      } catch (error) {
        if (!this.sha256 || error.problem?.type !== UNKNOWN_IMAGE) throw error;
        // The service has forgotten the image since: send it again.
        this.sha256 = null;
        answer = await this.request(controller.signal);
      }
    } catch (error) {
      failure = error;
    }
    if (answer && (answer.json.image.width !== this.overlay.width || answer.json.image.height !== this.overlay.height)) {
      failure = new Error(`the service decoded the image as ${answer.json.image.width}×${answer.json.image.height} pixels, `
          + `this browser shows it as ${this.overlay.width}×${this.overlay.height}: the mask cannot be placed.`);
    }
    if (controller !== this.controller) return; // replaced by a newer click, or cleared
    this.controller = null;
    this.setBusy(false);
    if (failure) {
      const problem = describeProblem(failure);
      this.page.showMessage($('click-message'), problem);
      this.setStatus(problem.title);
      $('click-tools').dataset.state = 'error';
      return;
    }
    this.sha256 = answer.json.image.sha256;
    action.answer = { json: answer.json, elapsedSeconds: answer.elapsedSeconds };
    const tools = $('click-tools');
    tools.dataset.answers = String(Number(tools.dataset.answers) + 1);
    this.showAnswer(action.answer);
  }

  request(signal) {
    const form = new FormData();
    const file = this.page.file();
    if (this.sha256) form.append('imageSha256', this.sha256);
    else form.append('image', file, file.name || 'image');
    const { points, box } = this.promptOf(this.actions);
    if (points.length) form.append('points', JSON.stringify(points));
    if (box) form.append('box', JSON.stringify(box));
    for (const name of this.page.typedClasses()) form.append('classes', name);
    const version = this.page.promptVersion();
    if (version) form.append('prompts', version);
    // The first click waits for an encoder pass (seconds on a CPU): asynchronously, with its
    // stage; later ones only for the decoder.
    return runAndWait('/v1/segments', form, {
      signal,
      respondAsync: !this.sha256,
      onProgress: (progress) => this.setStatus(this.page.progressText(progress, 'Segmenting')),
    });
  }

  setBusy(busy) {
    $('click-tools').dataset.state = busy ? 'segmenting' : (this.current ? 'shown' : 'idle');
    $('click-status').classList.toggle('busy', busy);
    $('viewer').setAttribute('aria-busy', String(busy));
    this.updateButtons();
  }

  // ---- the answer ------------------------------------------------------------------------------

  /** Shows an answer ({json, elapsedSeconds}) of the prompt, or nothing (null). */
  showAnswer(answer) {
    this.current = answer;
    this.mask = answer ? decodeMask(answer.json.mask) : null;
    this.overlay.showMask(this.mask);
    $('click-answer').hidden = !answer;
    if (!answer) {
      $('click-tools').dataset.state = this.controller ? 'segmenting' : 'idle';
      this.updateButtons();
      return;
    }
    const json = answer.json;
    $('click-proposal').textContent = proposalText(json.proposal);
    const share = (100 * json.area) / (json.image.width * json.image.height);
    $('click-sam').textContent = `predicted IoU ${json.predictedIou.toFixed(3)} · stability ${json.stability.toFixed(3)}`
        + ` · ${json.area.toLocaleString('en')} pixels (${share.toFixed(1)}%)`;
    const proposed = json.proposal?.class;
    this.refreshClasses(proposed);
    if (proposed && !this.classChosen) $('click-class').value = proposed;
    this.setStatus(`Mask in ${answer.elapsedSeconds.toFixed(2)} s`
        + (json.cached.embedding ? ' (image embedding kept: decoder only).' : ' (with the SAM encoder pass).'));
    this.page.showDetails(json, answer.elapsedSeconds);
    $('click-tools').dataset.state = 'shown';
    this.updateButtons();
  }

  /** The class choice: the page's class list, plus the proposed class if it is not in it. */
  refreshClasses(proposed = this.current?.json.proposal?.class) {
    const select = $('click-class');
    const chosen = select.value;
    const names = [...this.page.classList()];
    if (proposed && !names.includes(proposed)) names.unshift(proposed);
    select.replaceChildren(...names.map((name) => new Option(name, name)));
    if (names.includes(chosen)) select.value = chosen;
    this.updateButtons();
  }

  accept() {
    if (!this.current || this.controller) return;
    const name = $('click-class').value;
    if (!name) {
      this.page.showMessage($('click-message'), { title: 'No class:', detail: 'add a class name or wait for the vocabulary.' });
      return;
    }
    if (!this.accepted.length && !this.base) this.base = this.page.baseLabelMap();
    const entry = { name, index: this.indexFor(name), mask: this.mask, actions: this.actions, answer: this.current };
    if (entry.index == null) {
      this.page.showMessage($('click-message'), { title: 'Too many classes:', detail: 'a label map holds 255 classes at most.' });
      return;
    }
    this.accepted.push(entry);
    this.emptyPrompt();
    this.publish();
    this.setStatus(`Accepted as ${name} (label ${entry.index}). Click the next object.`);
  }

  /** The label of a class: as in the label map already, else its place in the class list, else the first free. */
  indexFor(name) {
    const used = new Map((this.base?.classes ?? []).map((c) => [c.name, c.index]));
    for (const entry of this.accepted) used.set(entry.name, entry.index);
    if (used.has(name)) return used.get(name);
    const taken = new Set(used.values()).add(0);
    const place = this.page.classList().indexOf(name) + 1;
    if (place > 0 && place < 256 && !taken.has(place)) return place;
    for (let index = 1; index < 256; index++) if (!taken.has(index)) return index;
    return null;
  }

  /** The label map of the accepted masks (painted in order over the base) in the /v1/masks JSON form. */
  publish() {
    const { width, height } = this.overlay;
    const labels = this.base ? this.base.labels.slice() : new Uint8Array(width * height);
    for (const entry of this.accepted) {
      for (let p = 0; p < labels.length; p++) if (entry.mask[p]) labels[p] = entry.index;
    }
    const names = new Map((this.base?.classes ?? []).filter((c) => c.index > 0).map((c) => [c.index, c.name]));
    for (const entry of this.accepted) names.set(entry.index, entry.name);
    const classes = [{ index: 0, name: 'background' }, ...[...names].sort((a, b) => a[0] - b[0])
        .map(([index, name]) => ({ index, name }))];
    const masks = [];
    for (const { index, name } of classes.slice(1)) {
      const mask = labels.map((label) => (label === index ? 1 : 0));
      const area = mask.reduce((a, b) => a + b, 0);
      if (area) masks.push({ class: name, index, area, rle: encodeMask(mask, height, width) });
    }
    this.page.showLabelMap({
      width, height, classes, masks,
      image: { sha256: this.sha256 },
      clicks: this.accepted.map((entry) => ({
        class: entry.name, index: entry.index, ...this.promptOf(entry.actions),
        predictedIou: entry.answer.json.predictedIou, proposal: entry.answer.json.proposal?.class ?? null,
      })),
    });
  }

  /** The points and the box (the last one drawn) of a prompt's actions. */
  promptOf(actions) {
    return { points: actions.filter((a) => a.point).map((a) => a.point), box: actions.findLast((a) => a.box)?.box ?? null };
  }

  // ---- drawing and wiring ----------------------------------------------------------------------

  drawMarks() {
    const marks = $('click-marks');
    const { width, height } = this.overlay;
    if (!width) {
      marks.replaceChildren();
      return;
    }
    const percent = (v, of) => `${(100 * v) / of}%`;
    const boxElement = ([x1, y1, x2, y2], className) => {
      const element = document.createElement('div');
      element.className = className;
      element.style.left = percent(x1, width);
      element.style.top = percent(y1, height);
      element.style.width = percent(x2 - x1, width);
      element.style.height = percent(y2 - y1, height);
      return element;
    };
    const children = [];
    const { points, box } = this.promptOf(this.actions);
    if (box) children.push(boxElement(box, 'click-box'));
    const pending = this.drag?.box ?? (this.corner ? [this.corner, this.corner] : null);
    if (pending) {
      const [a, b] = pending;
      children.push(boxElement([Math.min(a.x, b.x), Math.min(a.y, b.y), Math.max(a.x, b.x) + 1, Math.max(a.y, b.y) + 1],
          'click-box pending'));
    }
    for (const [x, y, label] of points) {
      const dot = document.createElement('span');
      dot.className = label ? 'click-point positive' : 'click-point negative';
      dot.textContent = label ? '+' : '−';
      dot.style.left = percent(x, width);
      dot.style.top = percent(y, height);
      children.push(dot);
    }
    marks.replaceChildren(...children);
  }

  setStatus(text) {
    $('click-status').textContent = text;
  }

  hideMessage() {
    $('click-message').hidden = true;
    $('click-message').replaceChildren();
  }

  updateButtons() {
    const busy = Boolean(this.controller);
    $('click-undo').disabled = !this.actions.length && !this.accepted.length;
    $('click-clear').disabled = !this.actions.length && !busy;
    $('click-accept').disabled = !this.current || busy || !$('click-class').value;
  }

  /** Keys on the focused image in click mode; cursor {x, y} is the keyboard cursor. True when handled. */
  keydown(event, cursor) {
    if (!this.active) return false;
    const key = event.key.toLowerCase();
    if ((event.ctrlKey || event.metaKey) && key === 'z') {
      this.undo();
    } else if (event.ctrlKey || event.metaKey || event.altKey) {
      return false;
    } else if (key === 'enter' || key === ' ') {
      this.addPoint(cursor.x, cursor.y, event.shiftKey || this.negative);
    } else if (key === 'b') {
      if (this.corner) {
        const corner = this.corner;
        this.corner = null;
        this.setBox(corner, cursor);
      } else {
        this.corner = { ...cursor };
        this.drawMarks();
        this.setStatus('Box: move the cursor to the opposite corner and press B again (Escape: no box).');
      }
    } else if (key === 'escape' && this.corner) {
      this.corner = null;
      this.drawMarks();
      this.setStatus('');
    } else {
      return false;
    }
    return true;
  }

  wire() {
    const viewer = $('viewer');
    const clamp = (event) => {
      const { x, y } = this.page.pixelOf(event);
      return { x: Math.max(0, Math.min(this.overlay.width - 1, x)), y: Math.max(0, Math.min(this.overlay.height - 1, y)) };
    };
    viewer.addEventListener('pointerdown', (event) => {
      if (!this.active || !this.overlay.width || event.button !== 0) return;
      this.drag = { id: event.pointerId, x: event.clientX, y: event.clientY, start: clamp(event), box: null,
        negative: event.shiftKey || this.negative };
      viewer.setPointerCapture(event.pointerId);
    });
    viewer.addEventListener('pointermove', (event) => {
      const drag = this.drag;
      if (!drag || drag.id !== event.pointerId) return;
      if (drag.box || Math.hypot(event.clientX - drag.x, event.clientY - drag.y) >= DRAG_PIXELS) {
        drag.box = [drag.start, clamp(event)];
        this.drawMarks();
      }
    });
    viewer.addEventListener('pointerup', (event) => {
      const drag = this.drag;
      if (!drag || drag.id !== event.pointerId) return;
      this.drag = null;
      if (drag.box) this.setBox(drag.start, clamp(event));
      else this.addPoint(drag.start.x, drag.start.y, drag.negative);
    });
    viewer.addEventListener('pointercancel', () => {
      this.drag = null;
      this.drawMarks();
    });
    $('click-negative').addEventListener('click', () => {
      this.negative = !this.negative;
      $('click-negative').setAttribute('aria-pressed', String(this.negative));
    });
    $('click-undo').addEventListener('click', () => this.undo());
    $('click-clear').addEventListener('click', () => this.clear());
    $('click-accept').addEventListener('click', () => this.accept());
    $('click-class').addEventListener('change', () => {
      this.classChosen = true;
      this.updateButtons();
    });
  }
}

/** "cat 0.83 (next: dog 0.41, sofa 0.12)", or "background 0.64, above every class (best: …)". */
function proposalText(proposal) {
  if (!proposal) return 'none asked for';
  const others = proposal.scores.filter((s) => s.class !== proposal.class).slice(0, 2)
      .map((s) => `${s.class} ${s.score.toFixed(2)}`).join(', ');
  if (!proposal.class) return `background ${proposal.background.toFixed(2)}, above every class${others ? ` (best: ${others})` : ''}`;
  return `${proposal.class} ${proposal.score.toFixed(2)}${others ? ` (next: ${others})` : ''}`;
}
