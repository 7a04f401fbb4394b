// DOM helpers. Text from documents is only ever set with textContent / attributes — never innerHTML.
import { safeUrl, LINK_REL, displayUrl } from './links.js';

/** h('div.cls#id', {attrs}, ...children). Strings become text nodes. */
export function h(tag, attrs = null, ...children) {
  const m = /^([a-z0-9-]+)?((?:[.#][\w-]+)*)$/i.exec(tag);
  const el = document.createElement((m && m[1]) || 'div');
  if (m && m[2]) {
    for (const part of m[2].match(/[.#][\w-]+/g)) {
      if (part[0] === '.') el.classList.add(part.slice(1)); else el.id = part.slice(1);
    }
  }
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** External link from document data, or plain text when the scheme is not allowed. */
export function extLink(url, text = null, attrs = {}) {
  const href = safeUrl(url);
  if (!href) return h('span', null, text ?? String(url ?? ''));
  return h('a', { href, rel: LINK_REL, target: '_blank', ...attrs }, text ?? displayUrl(href));
}

/** Text with a lang attribute when it is not in the UI language. */
export function langText(tag, picked, uiLang, attrs = {}) {
  const el = h(tag, attrs, picked ? picked.text : '');
  if (picked && picked.lang && picked.lang.split('-')[0] !== uiLang) el.setAttribute('lang', picked.lang);
  return el;
}

/** Trigger a download of text content without any network request. */
export function download(filename, mime, text) {
  const blob = new Blob([text], { type: mime });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, class: 'visually-hidden' });
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 1000);
}
