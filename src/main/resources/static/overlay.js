// The result viewer: the photo, the label map over it, a CAM heatmap, quasi-superpixel
// boundaries and the mask of a click, each on its own canvas at the image's natural size (CSS
// scales them together).
// The label layer holds exact colours: class i is VOC palette colour i at alpha 255, background
// and hidden classes are transparent; its opacity is a CSS property, never baked into pixels.

import { forEachSetPixel } from './rle.js';

/** VOC palette colour [r, g, b] of a label (bits 0, 1, 2 of the label feed the top bits of R, G, B). */
export function vocColour(label) {
  let r = 0;
  let g = 0;
  let b = 0;
  let c = label;
  for (let shift = 7; shift >= 0 && c > 0; shift--) {
    r |= (c & 1) << shift;
    g |= ((c >> 1) & 1) << shift;
    b |= ((c >> 2) & 1) << shift;
    c >>= 3;
  }
  return [r, g, b];
}

// Turbo colour map (Mikhailov 2019), polynomial fit; t in [0, 1].
function turbo(t) {
  const x = Math.min(1, Math.max(0, t));
  const r = 0.13572138 + x * (4.6153926 + x * (-42.66032258 + x * (132.13108234 + x * (-152.94239396 + x * 59.28637943))));
  const g = 0.09140261 + x * (2.19418839 + x * (4.84296658 + x * (-14.18503333 + x * (4.27729857 + x * 2.82956604))));
  const b = 0.1066733 + x * (12.64194608 + x * (-60.58204836 + x * (110.36276771 + x * (-89.90310912 + x * 27.34824973))));
  return [r, g, b].map((v) => Math.round(255 * Math.min(1, Math.max(0, v))));
}

const LEVEL_COLOURS = [[255, 255, 255], [255, 214, 0], [0, 229, 255]];

/** Colour of the mask a click answered (not yet accepted into the label map). */
export const MASK_COLOUR = [255, 0, 170];

export class Overlay {
  constructor({ imageLayer, labelLayer, heatmapLayer, boundaryLayer, maskLayer }) {
    this.imageLayer = imageLayer;
    this.labelLayer = labelLayer;
    this.heatmapLayer = heatmapLayer;
    this.boundaryLayer = boundaryLayer;
    this.maskLayer = maskLayer;
    this.width = 0;
    this.height = 0;
    this.labels = null;
    this.hidden = new Set();
    this.boundaries = [];
  }

  /** Shows a photo (an ImageBitmap) and clears every layer above it. */
  showImage(bitmap, width = bitmap.width, height = bitmap.height) {
    this.width = width;
    this.height = height;
    for (const canvas of [this.imageLayer, this.labelLayer, this.heatmapLayer, this.boundaryLayer, this.maskLayer]) {
      canvas.width = width;
      canvas.height = height;
    }
    const context = this.imageLayer.getContext('2d');
    context.drawImage(bitmap, 0, 0, width, height);
    this.labels = null;
    this.hidden.clear();
    this.boundaries = [];
    this.heatmapLayer.hidden = true;
    this.boundaryLayer.hidden = true;
  }

  /** Shows a label map: labels[y * width + x] = class index, 0 = background. */
  showLabels(labels) {
    this.labels = labels;
    this.hidden.clear();
    this.drawLabels();
  }

  setHidden(label, hidden) {
    if (hidden) this.hidden.add(label);
    else this.hidden.delete(label);
    this.drawLabels();
  }

  setOpacity(fraction) {
    this.labelLayer.style.opacity = String(fraction);
  }

  drawLabels() {
    const context = this.labelLayer.getContext('2d');
    const image = context.createImageData(this.width, this.height);
    if (this.labels) {
      const colours = new Map();
      const pixels = image.data;
      for (let p = 0; p < this.labels.length; p++) {
        const label = this.labels[p];
        if (label === 0 || this.hidden.has(label)) continue;
        let colour = colours.get(label);
        if (!colour) {
          colour = vocColour(label);
          colours.set(label, colour);
        }
        const o = p * 4;
        pixels[o] = colour[0];
        pixels[o + 1] = colour[1];
        pixels[o + 2] = colour[2];
        pixels[o + 3] = 255;
      }
    }
    context.putImageData(image, 0, 0);
  }

  /** Draws a 0/1 mask (row-major, the image's size) in MASK_COLOUR; null clears the layer. */
  showMask(mask) {
    if (!this.width) return;
    const context = this.maskLayer.getContext('2d');
    const image = context.createImageData(this.width, this.height);
    if (mask) {
      const [r, g, b] = MASK_COLOUR;
      for (let p = 0; p < mask.length; p++) {
        if (mask[p]) image.data.set([r, g, b, 255], p * 4);
      }
    }
    context.putImageData(image, 0, 0);
  }

  /** Class index at a pixel, or null outside the image or before a result. */
  labelAt(x, y) {
    if (!this.labels || x < 0 || y < 0 || x >= this.width || y >= this.height) return null;
    return this.labels[y * this.width + x];
  }

  /**
   * Shows one CAM (values on the CLIP patch grid, which spans the whole stretched image), min-max
   * normalised, upsampled with the canvas' smoothing; null hides the layer.
   */
  showHeatmap(grid, gridHeight, gridWidth) {
    this.heatmapLayer.hidden = grid == null;
    if (grid == null) return;
    let min = Infinity;
    let max = -Infinity;
    for (const v of grid) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    const span = max > min ? max - min : 1;
    const small = document.createElement('canvas');
    small.width = gridWidth;
    small.height = gridHeight;
    const smallContext = small.getContext('2d');
    const cells = smallContext.createImageData(gridWidth, gridHeight);
    for (let i = 0; i < grid.length; i++) {
      const [r, g, b] = turbo((grid[i] - min) / span);
      cells.data.set([r, g, b, 255], i * 4);
    }
    smallContext.putImageData(cells, 0, 0);
    const context = this.heatmapLayer.getContext('2d');
    context.clearRect(0, 0, this.width, this.height);
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    context.drawImage(small, 0, 0, this.width, this.height);
  }

  /** Keeps the outline pixels of every quasi-superpixel ({rle, level}) for showBoundaries. */
  setSuperpixels(superpixels) {
    const inside = new Uint8Array(this.width * this.height);
    const w = this.width;
    const h = this.height;
    this.boundaries = superpixels.map((sp) => {
      const members = [];
      forEachSetPixel(sp.rle, (p) => { inside[p] = 1; members.push(p); });
      const edge = [];
      for (const p of members) {
        const x = p % w;
        const y = (p - x) / w;
        if (x === 0 || x === w - 1 || y === 0 || y === h - 1
            || !inside[p - 1] || !inside[p + 1] || !inside[p - w] || !inside[p + w]) edge.push(p);
      }
      for (const p of members) inside[p] = 0;
      return { level: sp.level, edge };
    });
  }

  /** Draws the outlines of the kept superpixels whose level is in levels; null hides the layer. */
  showBoundaries(levels) {
    this.boundaryLayer.hidden = levels == null;
    if (levels == null) return 0;
    const context = this.boundaryLayer.getContext('2d');
    const image = context.createImageData(this.width, this.height);
    let shown = 0;
    for (const { level, edge } of this.boundaries) {
      if (!levels.has(level)) continue;
      shown++;
      const [r, g, b] = LEVEL_COLOURS[level] || LEVEL_COLOURS[0];
      for (const p of edge) image.data.set([r, g, b, 255], p * 4);
    }
    context.putImageData(image, 0, 0);
    return shown;
  }
}
