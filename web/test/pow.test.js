import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { sha256Hex, solve, leadingZeroBits } from '../src/pow.js';

describe('proof of work', () => {
  it('hashes like SHA-256 (FIPS 180-2 vectors and lengths around the block boundary)', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    for (const n of [54, 55, 56, 63, 64, 65, 119, 120]) {
      const s = 'x'.repeat(n);
      expect(sha256Hex(s)).toBe(createHash('sha256').update(s).digest('hex'));
    }
  });

  it('finds a nonce the node accepts: the digest has the leading zero bits asked for', async () => {
    const challenge = '12.1764700000.AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB';
    const { nonce, tries } = await solve(challenge, 12);
    const digest = createHash('sha256').update(`${challenge}:${nonce}`).digest();
    const words = [0, 4].map((o) => digest.readUInt32BE(o));
    expect(leadingZeroBits(words)).toBeGreaterThanOrEqual(12);
    expect(tries).toBe(Number(nonce) + 1);
  });
});
