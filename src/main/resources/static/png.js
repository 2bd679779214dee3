// Label maps as the service writes them (image/png answers): 8-bit indexed PNGs whose pixel values
// are the labels and whose palette is VOC's. For label maps built in the page (click to segment).

import { vocColour } from './overlay.js';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

async function zlib(bytes) {
  // 'deflate' is the zlib format (RFC 1950) that IDAT holds.
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Encodes a label map as an 8-bit indexed PNG with the VOC palette.
 *
 * @param labels row-major labels 0-255 (Uint8Array of width * height)
 * @returns a Blob of type image/png
 */
export async function labelMapPng(labels, width, height) {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 3, 0, 0, 0], 8); // bit depth 8, colour type 3 (palette), deflate, no filter method, no interlace
  const palette = new Uint8Array(256 * 3);
  for (let label = 0; label < 256; label++) palette.set(vocColour(label), label * 3);
  const rows = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) rows.set(labels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const signature = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
  return new Blob([signature, chunk('IHDR', header), chunk('PLTE', palette), chunk('IDAT', await zlib(rows)),
    chunk('IEND', new Uint8Array(0))], { type: 'image/png' });
}
