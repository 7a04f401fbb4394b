// The submitter's receipt: state of one submission, reached by its capability URL (/receipt#TOKEN). The token
// stays in the fragment (never sent with the page request, never in a Referer); only the API call carries it.
import { startNodePage } from './node-page.js';
import { h, clear } from './dom.js';
import { callApi } from './node-api.js';
import { PROPOSE_MESSAGES } from './propose-messages.js';

const main = document.getElementById('main');
const token = location.hash.replace(/^#/, '');
const isNew = new URLSearchParams(location.search).get('new') === '1';
let i18n = null;
let receipt = null;     // API answer
let note = null;        // { kind, text }
let busy = false;

function render() {
  const parts = [h('h1', null, i18n.t('receipt.title'))];
  if (!receipt) { clear(main).append(...parts, h('p.hint', { role: 'status' }, '…')); return; }
  if (!receipt.ok) {
    parts.push(h('p.notice.warn', { role: 'alert' }, i18n.t(receipt.network ? 'node.offline' : receipt.status === 404 ? 'r.unknown' : 'node.error', { status: receipt.status })));
    clear(main).append(...parts);
    return;
  }
  const r = receipt.data;
  if (isNew && r.status === 'pending') parts.push(h('p.notice.ok', null, i18n.t('r.thanks')));
  parts.push(h('p', null, i18n.t('r.intro')));
  const link = location.href.replace(/[?&]new=1/, '');
  parts.push(h('div.panel-box', null,
    h('p', null, h('strong', null, i18n.t('r.link'))),
    h('p.receipt-url.mono', { id: 'receipt-url' }, link),
    h('button.btn.btn-small', { type: 'button', onclick: async () => {
      try { await navigator.clipboard.writeText(link); note = { kind: 'ok', text: i18n.t('r.copied') }; } catch { note = null; }
      render();
    } }, i18n.t('r.copy'))));
  const name = r.name ? i18n.text(r.name) : null;
  const rows = [
    [i18n.t('r.status'), h('span', { class: `status-badge ${r.status}`, id: 'receipt-status', 'data-status': r.status }, i18n.t(`r.status.${r.status}`))],
    name ? [i18n.t(r.listing_id ? 'r.correction' : 'r.name'), h('span', { lang: name.lang && name.lang !== i18n.lang ? name.lang : null }, name.text)] : null,
    [i18n.t('r.sent', { date: '' }).replace(/\s*$/, ''), i18n.formatDate(new Date(r.created_at * 1000).toISOString())],
    r.decided_at ? [i18n.t('r.decided', { date: '' }).replace(/\s*$/, ''), i18n.formatDate(new Date(r.decided_at * 1000).toISOString())] : null,
  ].filter(Boolean);
  parts.push(h('dl.panel-box', null, rows.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)])));
  if (r.status === 'rejected' && r.reason) parts.push(h('div.panel-box', null, h('h2', null, i18n.t('r.reason')), h('p#receipt-reason', null, r.reason)));
  if (note) parts.push(h('p', { class: `notice ${note.kind}`, role: 'status' }, note.text));
  const actions = [h('button.btn.btn-small', { type: 'button', onclick: load }, i18n.t('r.refresh'))];
  if (r.status === 'pending') actions.push(h('button.btn.btn-danger#withdraw', { type: 'button', disabled: busy ? true : null, onclick: withdraw }, i18n.t('r.withdraw')));
  actions.push(h('a', { href: `/propose?lang=${i18n.lang}` }, i18n.t('r.another')));
  parts.push(h('div.btn-row', null, actions));
  clear(main).append(...parts);
}

async function load() {
  receipt = await callApi(`/api/receipts/${encodeURIComponent(token || '-')}`);
  note = null;
  render();
}

async function withdraw() {
  if (!window.confirm(i18n.t('r.withdraw.confirm'))) return;
  busy = true; render();
  const r = await callApi(`/api/receipts/${encodeURIComponent(token)}/withdraw`, { method: 'POST' });
  busy = false;
  if (r.ok) { receipt = r; note = null; } else note = { kind: 'error', text: i18n.t(r.network ? 'node.offline' : 'node.error', { status: r.status }) };
  render();
  document.getElementById('receipt-status')?.focus();
}

await startNodePage({ titleKey: 'receipt.title', messages: [PROPOSE_MESSAGES], render(t) { i18n = t; render(); } });
await load();
document.body.dataset.receiptReady = 'true';
