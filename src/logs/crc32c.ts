// CRC32C (Castagnoli), as used by TFRecord framing (and iSCSI, RFC 3720 §12.1).
//
// Reflected polynomial 0x82F63B78 (0x1EDC6F41 bit-reversed), initial value ~0, final
// XOR ~0. Computed slicing-by-8: eight 256-entry tables let the inner loop consume
// eight bytes per iteration, which matters because every event record and every PNG
// written to TensorBoard passes through here twice (length CRC and data CRC).

const POLY = 0x82f63b78;

// TABLES[k][b] is the CRC register contribution of byte b followed by k zero bytes.
// TABLES[0] is the classic byte-at-a-time table; TABLES[k] extends TABLES[k-1] by
// running one more zero byte through the register.
const TABLES: Uint32Array[] = (() => {
  const t0 = new Uint32Array(256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t0[b] = c >>> 0;
  }
  const tables = [t0];
  for (let k = 1; k < 8; k++) {
    const prev = tables[k - 1]!;
    const t = new Uint32Array(256);
    for (let b = 0; b < 256; b++) t[b] = (prev[b]! >>> 8) ^ t0[prev[b]! & 0xff]!;
    tables.push(t);
  }
  return tables;
})();

/**
 * CRC32C of `data`. Pass a previous result as `crc` to continue a running checksum:
 * crc32c(b, crc32c(a)) === crc32c(a ‖ b).
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [
    Uint32Array, Uint32Array, Uint32Array, Uint32Array,
    Uint32Array, Uint32Array, Uint32Array, Uint32Array,
  ];
  let c = ~crc >>> 0;
  const n = data.length;
  let i = 0;
  const end8 = n - (n % 8);
  while (i < end8) {
    // The register absorbs the first four bytes (little-endian, as the reflected CRC
    // shifts right); the next four are looked up directly at their distance from the end.
    c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    c =
      t7[c & 0xff]! ^
      t6[(c >>> 8) & 0xff]! ^
      t5[(c >>> 16) & 0xff]! ^
      t4[c >>> 24]! ^
      t3[data[i + 4]!]! ^
      t2[data[i + 5]!]! ^
      t1[data[i + 6]!]! ^
      t0[data[i + 7]!]!;
    i += 8;
  }
  while (i < n) c = t0[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

// TFRecord stores CRCs "masked" (tensorflow/core/lib/hash/crc32c.h, Mask): rotate right
// by 15 bits and add a constant, because a CRC computed over data that itself contains
// embedded CRCs is weak.
const MASK_DELTA = 0xa282ead8;

export function maskCrc(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}

export function unmaskCrc(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

/** The masked CRC32C that TFRecord writes after the length and after the data. */
export function maskedCrc32c(data: Uint8Array): number {
  return maskCrc(crc32c(data));
}
