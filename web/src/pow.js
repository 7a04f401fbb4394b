// Proof of work for submissions (docs/protocol.md, "Submissions"): find a nonce such that
// SHA-256(challenge + ":" + nonce) starts with `bits` zero bits. A small hand-written SHA-256 (synchronous, so
// millions of tries do not each cost a promise as WebCrypto would), run in slices that yield to the page.

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W = new Uint32Array(64);
const H = new Uint32Array(8);
let PADDED = new Uint8Array(128);

/** SHA-256 of bytes[0..length) → the 8 state words in H (big-endian words of the digest). */
function digestWords(bytes, length) {
  H[0] = 0x6a09e667; H[1] = 0xbb67ae85; H[2] = 0x3c6ef372; H[3] = 0xa54ff53a;
  H[4] = 0x510e527f; H[5] = 0x9b05688c; H[6] = 0x1f83d9ab; H[7] = 0x5be0cd19;
  const blocks = Math.ceil((length + 9) / 64);
  if (PADDED.length < blocks * 64) PADDED = new Uint8Array(blocks * 64);
  const padded = PADDED; // reused: no allocation per try
  padded.set(bytes.subarray(0, length));
  padded.fill(0, length, blocks * 64);
  padded[length] = 0x80;
  const bitLen = length * 8, end = blocks * 64;
  padded[end - 4] = (bitLen >>> 24) & 0xff;
  padded[end - 3] = (bitLen >>> 16) & 0xff;
  padded[end - 2] = (bitLen >>> 8) & 0xff;
  padded[end - 1] = bitLen & 0xff;
  for (let b = 0; b < blocks; b++) {
    const o = b * 64;
    for (let i = 0; i < 16; i++) W[i] = (padded[o + 4 * i] << 24) | (padded[o + 4 * i + 1] << 16) | (padded[o + 4 * i + 2] << 8) | padded[o + 4 * i + 3];
    for (let i = 16; i < 64; i++) {
      const w15 = W[i - 15], w2 = W[i - 2];
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
    }
    let a = H[0], bb = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
    }
    H[0] += a; H[1] += bb; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
  }
  return H;
}

/** Hex SHA-256 of a string (UTF-8); for tests against known vectors. */
export function sha256Hex(text) {
  const bytes = new TextEncoder().encode(text);
  return Array.from(digestWords(bytes, bytes.length), (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
}

/** Leading zero bits of the digest words. */
export function leadingZeroBits(words) {
  let n = 0;
  for (const w of words) {
    if (w === 0) { n += 32; continue; }
    return n + Math.clz32(w);
  }
  return n;
}

/**
 * Finds a nonce for the challenge. Runs `slice` tries at a time and yields between slices (the page stays
 * responsive); `onProgress(tries)` after each slice; stops with an AbortError on `signal`.
 * @returns {Promise<{nonce: string, tries: number, ms: number}>}
 */
export async function solve(challenge, bits, { signal, slice = 20000, onProgress } = {}) {
  const started = Date.now();
  const prefix = new TextEncoder().encode(challenge + ':');
  const buf = new Uint8Array(prefix.length + 20);
  buf.set(prefix);
  for (let n = 0; ; ) {
    for (const end = n + slice; n < end; n++) {
      let len = prefix.length;
      const digits = String(n);
      for (let i = 0; i < digits.length; i++) buf[len++] = digits.charCodeAt(i);
      if (leadingZeroBits(digestWords(buf, len)) >= bits) return { nonce: digits, tries: n + 1, ms: Date.now() - started };
    }
    if (onProgress) onProgress(n);
    await new Promise((r) => setTimeout(r, 0));
    if (signal && signal.aborted) throw new DOMException('aborted', 'AbortError');
  }
}
