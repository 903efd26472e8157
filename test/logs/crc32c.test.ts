import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c, maskCrc, maskedCrc32c, unmaskCrc } from '../../src/logs/crc32c.js';

// Bit-at-a-time CRC32C straight from the definition (reflected polynomial 0x82F63B78),
// as an independent reference for the table-driven implementation.
function crcBitwise(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test('crc32c check value "123456789"', () => {
  assert.equal(crc32c(Buffer.from('123456789', 'ascii')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('crc32c RFC 3720 appendix B.4 vectors', () => {
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  // The 48-byte iSCSI Read (10) command PDU from the same appendix.
  const pdu = Buffer.from(
    '01c00000000000000000000000000000' + '14000000000004000000001400000018' + '28000000000000000200000000000000',
    'hex',
  );
  assert.equal(pdu.length, 48);
  assert.equal(crc32c(pdu), 0xd9963a56);
});

test('slicing-by-8 equals the bitwise definition for every length 0..100 and unaligned views', () => {
  const buf = new Uint8Array(131);
  let x = 12345;
  for (let i = 0; i < buf.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    buf[i] = x >>> 24;
  }
  for (let start = 0; start < 3; start++) {
    for (let len = 0; len <= 100; len++) {
      const view = buf.subarray(start, start + len);
      assert.equal(crc32c(view), crcBitwise(view), `start ${start} len ${len}`);
    }
  }
});

test('crc32c continues a running checksum', () => {
  const a = Buffer.from('hello, ');
  const b = Buffer.from('castagnoli world with more than eight bytes');
  assert.equal(crc32c(b, crc32c(a)), crc32c(Buffer.concat([a, b])));
});

test('TFRecord masking', () => {
  assert.equal(maskCrc(0xe3069283), 0xc78ab0e5);
  assert.equal(maskCrc(0), 0xa282ead8);
  assert.equal(maskedCrc32c(Buffer.from('abc')), 0x21f1576e);
  for (const c of [0, 1, 0xe3069283, 0xffffffff, 0x80000000, 0x7fffffff]) assert.equal(unmaskCrc(maskCrc(c)), c);
});
