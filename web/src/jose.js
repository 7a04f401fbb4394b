// The signed-object primitives of docs/protocol.md §2–3 for the browser: strict base64url, strict JSON, the JWS
// header, ES256 through WebCrypto and key ids. Pure functions (WebCrypto is passed in, so tests can run in Node).
// Mirrors protocol/Signing/Base64Url.cs, Jws.cs, AtlasKey.cs and protocol/Json/StrictJson.cs; rule names are those of
// protocol/ProtocolException.cs (ProtocolError).

export const LIMITS = Object.freeze({
  listing: 128 * 1024, keyset: 64 * 1024, header: 512, depth: 16, maxSeq: 2 ** 31 - 1,
});

/** A refusal: `rule` is a ProtocolError name (or one of the browser's own: Missing, PinMismatch, FieldMismatch). */
export class VerifyError extends Error {
  constructor(rule, message) {
    super(message);
    this.rule = rule;
  }
}

const fail = (rule, message) => { throw new VerifyError(rule, message); };

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

export function b64urlEncode(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63].map((x) => B64[x]);
    out += chars.slice(0, Math.min(4, bytes.length - i + 1)).join('');
  }
  return out;
}

/** RFC 4648 §5 without padding; rejects other characters, length ≡ 1 (mod 4) and non-zero trailing bits. */
export function b64urlDecode(text) {
  if (typeof text !== 'string' || text.length % 4 === 1) fail('Malformed', 'JWS parts must be canonical unpadded base64url.');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0, value = 0, j = 0;
  for (const c of text) {
    const v = B64_INDEX.get(c);
    if (v === undefined) fail('Malformed', 'JWS parts must be canonical unpadded base64url.');
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) { bits -= 8; out[j++] = (value >> bits) & 0xff; }
  }
  if (bits > 0 && (value & ((1 << bits) - 1)) !== 0) fail('Malformed', 'JWS parts must be canonical unpadded base64url.');
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
export const ascii = (s) => new TextEncoder().encode(s);

/**
 * Strict JSON (docs/protocol.md §2): valid UTF-8, no duplicate member names at any depth, no escaped lone surrogate,
 * nesting at most 16, nothing after the value. Numbers are returned as JS numbers; `integers` checks are the caller's.
 */
export function strictJson(bytes, maxDepth = LIMITS.depth) {
  let text;
  try { text = typeof bytes === 'string' ? bytes : utf8.decode(bytes); } catch { fail('Malformed', 'JSON is not valid UTF-8.'); }
  let i = 0;
  const bad = (m) => fail('Malformed', `Strict JSON: ${m} at ${i}.`);
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const str = () => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= text.length) bad('unterminated string');
      const c = text[i++];
      if (c === '"') return out;
      if (c < ' ') bad('control character in string');
      if (c !== '\\') { out += c; continue; }
      const e = text[i++];
      const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }[e];
      if (simple !== undefined) { out += simple; continue; }
      if (e !== 'u' || !/^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) bad('bad escape');
      const code = parseInt(text.slice(i, i + 4), 16);
      i += 4;
      if (code >= 0xd800 && code <= 0xdbff) {
        if (text.slice(i, i + 2) !== '\\u' || !/^[dD][c-fC-F][0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 6))) bad('lone surrogate');
        out += String.fromCharCode(code, parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else if (code >= 0xdc00 && code <= 0xdfff) bad('lone surrogate');
      else out += String.fromCharCode(code);
    }
  };
  const value = (depth) => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      if (depth >= maxDepth) bad('nesting too deep');
      i++;
      ws();
      if (c === '[') {
        const arr = [];
        if (text[i] === ']') { i++; return arr; }
        for (;;) {
          arr.push(value(depth + 1));
          ws();
          if (text[i] === ',') { i++; continue; }
          if (text[i] === ']') { i++; return arr; }
          bad('expected , or ]');
        }
      }
      const obj = Object.create(null);
      if (text[i] === '}') { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') bad('expected member name');
        const k = str();
        if (Object.prototype.hasOwnProperty.call(obj, k)) bad(`duplicate member "${k}"`);
        ws();
        if (text[i++] !== ':') bad('expected :');
        obj[k] = value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return obj; }
        bad('expected , or }');
      }
    }
    if (c === '"') return str();
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && m[0]) { i += m[0].length; return Number(m[0]); }
    for (const [lit, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(lit, i)) { i += lit.length; return v; }
    }
    return bad('unexpected character');
  };
  const v = value(0);
  ws();
  if (i !== text.length) bad('bytes after the value');
  return v;
}

/** The object has exactly these members (the protocol's readers reject missing and unknown ones). */
export function exactMembers(obj, members, what, rule = 'Malformed') {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) fail(rule, `${what} must be an object.`);
  const keys = Object.keys(obj);
  if (keys.length !== members.length || !members.every((m) => keys.includes(m))) {
    fail(rule, `${what} must have exactly the members ${members.join(', ')}.`);
  }
  return obj;
}

/** Decodes one signature part and checks its header (Jws.DecodePart): exactly {alg: ES256, typ, kid}, 64-byte signature. */
export function decodePart(headerB64, payloadB64, signatureB64, expectedTyp) {
  if (typeof headerB64 !== 'string' || headerB64.length > LIMITS.header) fail('BadHeader', 'JWS header is too large.');
  const headerBytes = b64urlDecode(headerB64);
  const payload = b64urlDecode(payloadB64);
  const signature = b64urlDecode(signatureB64);
  let header;
  try {
    header = exactMembers(strictJson(headerBytes), ['alg', 'typ', 'kid'], 'JWS header', 'BadHeader');
  } catch (e) {
    fail('BadHeader', `JWS header must be exactly {alg, typ, kid}: ${e.message}`);
  }
  if (typeof header.kid !== 'string') fail('BadHeader', 'JWS header kid must be a string.');
  if (header.alg !== 'ES256') fail('BadHeader', `Algorithm '${header.alg}' is not accepted; only ES256.`);
  if (header.typ !== expectedTyp) fail('WrongType', `Expected typ '${expectedTyp}', got '${header.typ}'.`);
  if (signature.length !== 64) fail('BadSignature', 'An ES256 signature is 64 bytes (r||s).');
  return { header, payload, signature, signingInput: ascii(`${headerB64}.${payloadB64}`) };
}

/** Compact serialization (Jws.ParseCompact). */
export function parseCompact(compact, expectedTyp, maxBytes) {
  if (typeof compact !== 'string') fail('Malformed', 'A compact JWS is a string.');
  if (compact.length > maxBytes) fail('TooLarge', `Signed object is ${compact.length} bytes; the limit is ${maxBytes}.`);
  const parts = compact.split('.');
  if (parts.length !== 3) fail('Malformed', 'A compact JWS has exactly three base64url parts separated by dots.');
  return decodePart(parts[0], parts[1], parts[2], expectedTyp);
}

/** JSON general serialization (Jws.ParseGeneral): 1–16 signatures over one payload. */
export function parseGeneral(json, expectedTyp, maxBytes) {
  if (typeof json !== 'string') fail('Malformed', 'A keyset is JWS JSON text.');
  if (json.length > maxBytes) fail('TooLarge', `Signed object is ${json.length} bytes; the limit is ${maxBytes}.`);
  const general = exactMembers(strictJson(json), ['payload', 'signatures'], 'JWS JSON serialization');
  if (!Array.isArray(general.signatures) || general.signatures.length < 1 || general.signatures.length > 16) {
    fail('Malformed', 'A signed keyset carries between 1 and 16 signatures.');
  }
  return general.signatures.map((s) => {
    exactMembers(s, ['protected', 'signature'], 'JWS signature');
    return decodePart(s.protected, general.payload, s.signature, expectedTyp);
  });
}

/** base64url(SHA-256(bytes)). */
export async function sha256b64(subtle, bytes) {
  return b64urlEncode(new Uint8Array(await subtle.digest('SHA-256', bytes)));
}

/** The version identity of docs/protocol.md §3.1: hash of the signing input, never of the signature. */
export const versionHash = (subtle, part) => sha256b64(subtle, part.signingInput);

/**
 * Imports a public JWK {kty: EC, crv: P-256, x, y} (32-byte coordinates) and checks that `kid` is
 * base64url(SHA-256(SubjectPublicKeyInfo DER)) of it (AtlasKey.FromJwk + TrustedKeyset.ImportChecked).
 */
export async function importKeyEntry(subtle, entry) {
  exactMembers(entry, ['kid', 'jwk', 'status'], 'key entry', 'Invalid');
  const jwk = exactMembers(entry.jwk, ['kty', 'crv', 'x', 'y'], 'JWK', 'Invalid');
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') fail('Invalid', `Key ${entry.kid}: only EC P-256 keys are accepted.`);
  let x, y;
  try { x = b64urlDecode(jwk.x); y = b64urlDecode(jwk.y); } catch { fail('Invalid', `Key ${entry.kid}: coordinates must be base64url.`); }
  if (x.length !== 32 || y.length !== 32) fail('Invalid', `Key ${entry.kid}: JWK coordinates must be 32-byte base64url values.`);
  let key;
  try {
    key = await subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true }, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  } catch {
    fail('Invalid', `Key ${entry.kid}: JWK is not a point on P-256.`);
  }
  const kid = await sha256b64(subtle, new Uint8Array(await subtle.exportKey('spki', key)));
  if (kid !== entry.kid) fail('Invalid', `Key id ${entry.kid} does not match its JWK (computed ${kid}).`);
  return key;
}

/** ES256 over the signing input; WebCrypto's ECDSA signature format is r||s, exactly the JWS form. */
export async function verifyPart(subtle, key, part) {
  try {
    return await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, part.signature, part.signingInput);
  } catch {
    return false;
  }
}
