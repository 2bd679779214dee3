// NumPy .npz archives (a zip of .npy members) as the service writes them: members DEFLATED by
// java.util.zip (sizes in the central directory, data descriptors after the data) or STORED.
// Only little-endian float32 C-order arrays are read: that is what the service sends.

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function endOfCentralDirectory(view) {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the end of the archive.
  for (let p = view.byteLength - 22; p >= Math.max(0, view.byteLength - 22 - 65535); p--) {
    if (view.getUint32(p, true) === EOCD) return p;
  }
  throw new Error('not a zip archive (no end of central directory)');
}

async function inflateRaw(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Parses one .npy file: {dtype, shape, data: Float32Array}. */
export function readNpy(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') throw new Error('not a .npy file');
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr !== '<f4' || fortran !== 'False' || shapeText == null) {
    throw new Error(`unsupported .npy array (${descr}, fortran_order ${fortran})`);
  }
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLength;
  if (start + count * 4 > bytes.byteLength) throw new Error('truncated .npy data');
  // Copy: the data offset inside the archive need not be 4-byte aligned.
  const data = new Float32Array(bytes.slice(start, start + count * 4).buffer);
  return { dtype: descr, shape, data };
}

/** Parses an .npz archive: Map of member name (without .npy) to {dtype, shape, data}. */
export async function readNpz(buffer) {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = endOfCentralDirectory(view);
  const entries = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const arrays = new Map();
  for (let i = 0; i < entries; i++) {
    if (view.getUint32(p, true) !== CENTRAL) throw new Error('corrupt zip central directory');
    const method = view.getUint16(p + 10, true);
    const compressedSize = view.getUint32(p + 20, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const localOffset = view.getUint32(p + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength));
    p += 46 + nameLength + extraLength + commentLength;
    if (view.getUint32(localOffset, true) !== LOCAL) throw new Error('corrupt zip local header');
    const dataStart = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    const raw = bytes.subarray(dataStart, dataStart + compressedSize);
    let member;
    if (method === 0) member = raw;
    else if (method === 8) member = await inflateRaw(raw);
    else throw new Error(`zip member ${name} uses compression method ${method}`);
    arrays.set(name.replace(/\.npy$/, ''), readNpy(member));
  }
  return arrays;
}

/** Bytes of a base64 string. */
export function base64Bytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
