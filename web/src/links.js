// Links built from document data: only http(s), mailto and tel are ever produced.
const ALLOWED = new Set(['https:', 'http:', 'mailto:', 'tel:']);

/** Return a normalised URL string if its scheme is allowed, else null. */
export function safeUrl(value, { allowRelative = false } = {}) {
  if (typeof value !== 'string') return null;
  const s = value.trim();
  if (!s || /[\u0000-\u001f\u007f]/.test(s)) return null;
  let u;
  try { u = allowRelative ? new URL(s, 'https://invalid.example/') : new URL(s); } catch { return null; }
  if (!ALLOWED.has(u.protocol)) return null;
  if ((u.protocol === 'http:' || u.protocol === 'https:') && !u.hostname) return null;
  if (u.username || u.password) return null; // no credentials-in-URL phishing
  return u.href;
}

/** Display form of a URL (host + path, without scheme). */
export function displayUrl(href) {
  try {
    const u = new URL(href);
    if (u.protocol === 'mailto:' || u.protocol === 'tel:') return decodeURIComponent(u.pathname);
    return (u.host + (u.pathname === '/' ? '' : u.pathname) + u.search).replace(/\/$/, '');
  } catch { return href; }
}

/** Link for a public contact, or null when it is not linkable (e.g. Signal, other). */
export function contactHref(contact) {
  if (!contact || typeof contact.value !== 'string') return null;
  const v = contact.value.trim();
  switch (contact.kind) {
    case 'email':
      return /^[^\s@<>()"',;:]+@[^\s@<>()"',;:]+\.[^\s@<>()"',;:]+$/.test(v) ? safeUrl('mailto:' + v) : null;
    case 'phone': {
      const digits = v.replace(/[\s().-]/g, '');
      return /^\+?\d{3,20}$/.test(digits) ? 'tel:' + digits : null;
    }
    case 'telegram': {
      const m = /^@?([A-Za-z0-9_]{5,32})$/.exec(v);
      if (m) return `https://t.me/${m[1]}`;
      const u = safeUrl(v);
      return u && /^https:\/\/(t\.me|telegram\.me)\//.test(u) ? u : null;
    }
    case 'whatsapp': {
      const digits = v.replace(/[\s().+-]/g, '');
      if (/^\d{6,20}$/.test(digits)) return `https://wa.me/${digits}`;
      const u = safeUrl(v);
      return u && /^https:\/\/wa\.me\//.test(u) ? u : null;
    }
    case 'web':
      return safeUrl(v);
    default:
      return null;
  }
}

export const LINK_REL = 'noopener noreferrer nofollow';
