// COCO run-length masks as the service writes them (pycocotools' format): runs alternate 0s and 1s,
// starting with 0s, over the pixels in column-major order; "counts" is the compressed string
// (6-bit chars from '0', 5 payload bits, continuation bit 0x20, sign bit 0x10 in the last char,
// counts after the second stored as differences to the one two places back) or a plain array.

/** Run lengths from a compressed counts string (pycocotools rleFrString). */
export function countsFromString(text) {
  const counts = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= text.length) throw new Error('truncated RLE counts');
      const c = text.charCodeAt(p) - 48;
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && (c & 0x10)) x -= 2 ** (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/**
 * Calls visit(index) with the row-major index (y * width + x) of every set pixel.
 *
 * @param rle {size: [height, width], counts: string | number[]}
 */
export function forEachSetPixel(rle, visit) {
  const [height, width] = rle.size;
  const counts = typeof rle.counts === 'string' ? countsFromString(rle.counts) : rle.counts;
  let position = 0;
  for (let i = 0; i < counts.length; i++) {
    const run = counts[i];
    if (i % 2 === 1) {
      for (let j = position; j < position + run; j++) {
        const column = Math.floor(j / height);
        const row = j - column * height;
        visit(row * width + column);
      }
    }
    position += run;
  }
  if (position !== height * width) throw new Error(`RLE covers ${position} pixels, the mask has ${height * width}`);
}

/** Row-major 0/1 mask of an RLE. */
export function decodeMask(rle) {
  const [height, width] = rle.size;
  const mask = new Uint8Array(height * width);
  forEachSetPixel(rle, (index) => { mask[index] = 1; });
  return mask;
}

/** Compressed counts string of run lengths (pycocotools rleToString). */
export function countsToString(counts) {
  let text = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = (c & 0x10) ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      text += String.fromCharCode(c + 48);
    }
  }
  return text;
}

/** COCO RLE {size, counts (compressed string)} of a row-major 0/1 mask; the inverse of decodeMask. */
export function encodeMask(mask, height, width) {
  const counts = [];
  let value = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const bit = mask[y * width + x] ? 1 : 0;
      if (bit !== value) {
        counts.push(run);
        value = bit;
        run = 0;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [height, width], counts: countsToString(counts) };
}
