// The size of a JPEG or PNG read from its header in a few microseconds, so that decoding can
// check the pixel limit (and see CMYK) without asking sharp for metadata first: that call
// parses the file a second time, a noticeable share of the per-image pipeline
// (docs/design/data-path.md).
//
// Anything unusual returns null and the caller falls back to sharp's metadata(), so this
// only needs to be right, not complete. A JPEG counts only when every segment up to the
// start of scan is in the buffer (what libjpeg's jpeg_read_header needs), so a file cut in
// its header still gets sharp's own message.
//
// JPEG: ITU T.81, B.1.1 (markers) and B.2.2 (frame header: length, precision, height, width,
// components). 4 components are CMYK or YCCK, which libvips reads as CMYK.
// PNG: the signature, then the IHDR chunk (width, height as 32-bit big-endian).

export interface ImageHeader {
  format: 'jpeg' | 'png';
  width: number;
  height: number;
  cmyk: boolean;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isSof(m: number): boolean {
  // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC)
  return m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
}

function jpegHeader(b: Uint8Array): ImageHeader | null {
  let sof: ImageHeader | null = null;
  let i = 2; // past SOI
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null;
    const m = b[i + 1]!;
    if (m === 0xff) {
      i++; // fill byte
      continue;
    }
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd8)) return null; // no standalone markers before SOS in a sane file
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (len < 2 || i + 2 + len > b.length) return null;
    if (isSof(m)) {
      if (sof || len < 8) return null;
      const height = (b[i + 5]! << 8) | b[i + 6]!;
      const width = (b[i + 7]! << 8) | b[i + 8]!;
      const components = b[i + 9]!;
      if (!width || !height) return null; // height 0: defined later by DNL; let sharp handle it
      sof = { format: 'jpeg', width, height, cmyk: components === 4 };
    }
    if (m === 0xda) return sof; // start of scan: the header is complete
    i += 2 + len;
  }
  return null;
}

function pngHeader(b: Uint8Array): ImageHeader | null {
  if (b.length < 33 || String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== 'IHDR') return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const width = v.getUint32(16);
  const height = v.getUint32(20);
  if (!width || !height) return null;
  return { format: 'png', width, height, cmyk: false };
}

/** Width, height and CMYK-ness of a JPEG or PNG, or null when the header is not plainly one of them. */
export function readImageHeader(b: Uint8Array): ImageHeader | null {
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpegHeader(b);
  if (b.length >= 8 && PNG_SIGNATURE.every((x, i) => b[i] === x)) return pngHeader(b);
  return null;
}
