// The editors' console: passkey sign-in and enrolment, the queue of submissions (diff, approve, reject, edit then
// approve), this node's organisations (edit, confirm still active, withdraw, emergency takedown) and, for admins,
// editors, the audit log and key status. Every request goes to this node's /api/console (same origin); the
// session is an HttpOnly cookie the page never sees, and every change carries the session's CSRF token.
import { startNodePage } from './node-page.js';
import { callApi } from './node-api.js';
import { h, clear } from './dom.js';
import { CONSOLE_MESSAGES } from './console-messages.js';
import { diffOrgs, orgFields, isOverdue, orgName, newestFirst, filterOrgs } from './console-diff.js';

const main = document.getElementById('main');
const RETAIN_DAYS = 30;

const state = {
  i18n: null,
  me: null, // { name, role, csrf, node }
  checked: false,
  view: 'queue',
  notice: null, // { kind: 'ok'|'error'|'warn', text }
  submissions: [],
  review: null, // { submission, published, editing }
  orgs: [],
  query: '',
  editingOrg: null,
  editors: [],
  invite: null,
  audit: [],
  keys: null,
  enrolToken: enrolTokenFromHash(),
};

function enrolTokenFromHash() {
  const m = /^#enrol=([A-Za-z0-9_-]{10,200})$/.exec(location.hash);
  return m ? m[1] : null;
}

const t = (k, v) => state.i18n.t(k, v);
const when = (unix) => (unix ? state.i18n.formatDate(new Date(unix * 1000).toISOString()) : '');

async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const extra = method === 'GET' || !state.me ? headers : { ...headers, 'X-CSRF-Token': state.me.csrf };
  const r = await callApi(path, { method, body, headers: extra });
  if (r.status === 401 && state.me) {
    state.me = null;
    state.notice = { kind: 'warn', text: t('console.expired') };
    render();
  }
  return r;
}

function problemText(r) {
  if (r.network) return t('node.offline');
  const p = r.problem || {};
  return p.detail || p.title || t('node.error', { status: r.status });
}

// ---- passkeys ----------------------------------------------------------------------------------------------

async function signIn() {
  const start = await api('/api/console/auth/signin/options', { method: 'POST', body: {} });
  if (!start.ok) return fail('console.signin.failed', problemText(start));
  let credential;
  try {
    credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(start.data.options) });
  } catch {
    return fail(null, t('console.signin.cancelled'));
  }
  const done = await api('/api/console/auth/signin/complete', { method: 'POST', body: { ceremony: start.data.ceremony, credential: credential.toJSON() } });
  if (!done.ok) return fail('console.signin.failed', problemText(done));
  await signedIn(done.data);
}

async function enrol(label, bearer) {
  const start = await api('/api/console/auth/enrol/options', {
    method: 'POST',
    body: bearer ? {} : { token: state.enrolToken },
    headers: bearer ? { Authorization: `Bearer ${bearer}` } : {},
  });
  if (!start.ok) return fail('console.enrol.failed', problemText(start));
  let credential;
  try {
    credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(start.data.options) });
  } catch (e) {
    return fail('console.enrol.failed', String((e && e.message) || e));
  }
  const body = { ceremony: start.data.ceremony, credential: credential.toJSON() };
  if (label) body.label = label;
  const done = await api('/api/console/auth/enrol/complete', { method: 'POST', body });
  if (!done.ok) return fail('console.enrol.failed', problemText(done));
  state.enrolToken = null;
  history.replaceState(history.state, '', location.pathname + location.search);
  await signedIn(done.data);
}

function fail(key, detail) {
  state.notice = { kind: 'error', text: key ? t(key, { detail }) : detail };
  render();
}

async function signedIn(me) {
  state.me = me;
  state.notice = null;
  await show('queue');
}

async function signOut() {
  await api('/api/console/signout', { method: 'POST', body: {} });
  state.me = null;
  state.notice = null;
  render();
}

// ---- loading -----------------------------------------------------------------------------------------------

async function show(view, keepNotice = false) {
  state.view = view;
  if (!keepNotice) state.notice = null;
  const loaders = {
    queue: async () => { const r = await api('/api/console/submissions?status=pending'); if (r.ok) state.submissions = newestFirst(r.data); },
    orgs: async () => { const r = await api('/api/console/organisations'); if (r.ok) state.orgs = r.data; },
    editors: async () => { const r = await api('/api/console/editors'); if (r.ok) state.editors = r.data; },
    audit: async () => { const r = await api('/api/console/audit?limit=200'); if (r.ok) state.audit = r.data; },
    keys: async () => { const r = await api('/api/console/keys'); if (r.ok) state.keys = r.data; },
  };
  if (loaders[view]) await loaders[view]();
  render();
  const heading = main.querySelector('h2');
  if (heading) heading.focus();
}

async function openReview(id) {
  const r = await api(`/api/console/submissions/${id}`);
  if (!r.ok) return fail(null, problemText(r));
  let published = null;
  if (r.data.listing_id) {
    const p = await api(`/api/console/organisations/${encodeURIComponent(r.data.listing_id)}`);
    if (p.ok) published = p.data.organisation;
  }
  state.review = { submission: r.data, published, editing: false, reason: '' };
  state.view = 'review';
  state.notice = null;
  render();
  main.querySelector('h2').focus();
}

// ---- actions -----------------------------------------------------------------------------------------------

async function approve(edited) {
  const s = state.review.submission;
  if (edited) {
    const saved = await api(`/api/console/submissions/${s.id}`, { method: 'PUT', body: edited });
    if (!saved.ok) return fail(null, problemText(saved));
  }
  const r = await api(`/api/console/submissions/${s.id}/approve`, { method: 'POST', body: {} });
  if (!r.ok) return fail(null, problemText(r));
  state.notice = { kind: 'ok', text: t('console.review.approved') };
  await show('queue', true);
}

async function reject(reason) {
  const s = state.review.submission;
  const r = await api(`/api/console/submissions/${s.id}/reject`, { method: 'POST', body: reason ? { reason } : {} });
  if (!r.ok) return fail(null, problemText(r));
  state.notice = { kind: 'ok', text: t('console.review.rejected') };
  await show('queue', true);
}

async function orgAction(o, action) {
  const name = orgName(o.organisation, state.i18n.lang);
  if (action === 'takedown' || action === 'withdraw') {
    const ok = await confirmDialog(t(action === 'takedown' ? 'console.orgs.takedownQ' : 'console.orgs.withdrawQ', { name }));
    if (!ok) return;
  }
  const r = await api(`/api/console/organisations/${encodeURIComponent(o.id)}/${action}`, { method: 'POST', body: {} });
  if (!r.ok) return fail(null, problemText(r));
  const next = new Date();
  next.setUTCFullYear(next.getUTCFullYear() + 1);
  state.notice = {
    kind: 'ok',
    text: action === 'takedown' ? t('console.orgs.takenDown', { name }) : action === 'withdraw' ? t('console.orgs.withdrawnDone', { name })
      : t('console.orgs.confirmed', { date: state.i18n.formatDate(next.toISOString().slice(0, 10)) }),
  };
  await show('orgs', true);
}

async function saveOrg(o, edited) {
  const r = await api(`/api/console/organisations/${encodeURIComponent(o.id)}`, { method: 'PUT', body: edited });
  if (!r.ok) return fail(null, problemText(r));
  state.editingOrg = null;
  state.notice = { kind: 'ok', text: t('console.orgs.saved') };
  await show('orgs', true);
}

async function invite(name, role) {
  const r = await api('/api/console/editors', { method: 'POST', body: { name, role } });
  if (!r.ok) return fail(null, problemText(r));
  state.invite = r.data;
  await show('editors', true);
}

async function revoke(editor) {
  if (!(await confirmDialog(t('console.editors.revokeQ', { name: editor.name })))) return;
  const r = await api(`/api/console/editors/${editor.id}`, { method: 'DELETE' });
  if (!r.ok) return fail(null, problemText(r));
  await show('editors');
}

/** A modal confirmation (native <dialog>: focus is trapped and Escape cancels). Resolves true on "yes". */
function confirmDialog(text) {
  return new Promise((resolve) => {
    const msg = h('p#confirm-text', null, text);
    const yes = h('button.btn.btn-danger', { type: 'button', value: 'yes' }, t('console.confirm.yes'));
    const no = h('button.btn.btn-small', { type: 'button', value: 'no' }, t('console.confirm.no'));
    const dialog = h('dialog.confirm', { 'aria-labelledby': 'confirm-text' }, msg, h('div.btn-row', null, no, yes));
    const close = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    yes.addEventListener('click', () => close(true));
    no.addEventListener('click', () => close(false));
    dialog.addEventListener('cancel', () => close(false));
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}

// ---- rendering ---------------------------------------------------------------------------------------------

function render(i18n) {
  if (i18n) state.i18n = i18n;
  if (!state.i18n) return;
  clear(main);
  main.append(h('h1', null, t('console.title')));
  const live = h('div.console-live', { role: 'status', 'aria-live': 'polite' });
  if (state.notice) live.append(h(`p.notice.${state.notice.kind}`, null, state.notice.text));
  if (!state.checked) return;
  if (!state.me) {
    main.append(live, state.enrolToken ? renderEnrol() : renderSignIn());
    return;
  }
  main.append(renderBar(), live);
  const views = { queue: renderQueue, review: renderReview, orgs: renderOrgs, editors: renderEditors, audit: renderAudit, keys: renderKeys };
  main.append(views[state.view]());
}

function renderSignIn() {
  return h('section.panel-box', { 'aria-labelledby': 'signin-h' },
    h('h2#signin-h', { tabindex: '-1' }, t('console.signin.title')),
    h('p', null, t('console.signin.lead')),
    h('div.btn-row', null, h('button.btn#signin', { type: 'button', onclick: signIn }, t('console.signin.button'))),
    renderTokenEnrol());
}

function renderTokenEnrol() {
  const token = h('input#bearer', { type: 'password', autocomplete: 'off', spellcheck: 'false' });
  return h('details', null, h('summary', null, t('console.enrol.token')),
    h('div.field', null, h('label', { for: 'bearer' }, t('console.enrol.tokenLabel')), token),
    h('button.btn.btn-small', { type: 'button', onclick: () => token.value.trim() && enrol(null, token.value.trim()) }, t('console.enrol.tokenButton')));
}

function renderEnrol() {
  const label = h('input#passkey-label', { type: 'text', maxlength: '100', autocomplete: 'off' });
  return h('section.panel-box', { 'aria-labelledby': 'enrol-h' },
    h('h2#enrol-h', { tabindex: '-1' }, t('console.enrol.title')),
    h('p', null, t('console.enrol.lead')),
    h('div.field', null, h('label', { for: 'passkey-label' }, t('console.enrol.label')), label),
    h('div.btn-row', null, h('button.btn#enrol', { type: 'button', onclick: () => enrol(label.value.trim() || null, null) }, t('console.enrol.button'))));
}

function renderBar() {
  const tabs = [['queue', 'console.tab.queue'], ['orgs', 'console.tab.orgs']];
  if (state.me.role === 'admin') tabs.push(['editors', 'console.tab.editors'], ['audit', 'console.tab.audit'], ['keys', 'console.tab.keys']);
  const current = state.view === 'review' ? 'queue' : state.view;
  return h('div.console-bar', null,
    h('p.console-me', null, t('console.signedin', { name: state.me.name, role: t(`console.role.${state.me.role}`) }),
      ' ', h('button.btn.btn-small#signout', { type: 'button', onclick: signOut }, t('console.signout'))),
    h('nav.console-nav', { 'aria-label': t('console.nav') },
      h('ul', null, tabs.map(([view, key]) => h('li', null,
        h('button.btn-link', { type: 'button', 'aria-current': view === current ? 'page' : null, dataset: { view }, onclick: () => show(view) }, t(key)))))));
}

function renderQueue() {
  const list = state.submissions;
  return h('section', { 'aria-labelledby': 'queue-h' },
    h('h2#queue-h', { tabindex: '-1' }, t('console.queue.title')),
    list.length === 0 ? h('p', null, t('console.queue.empty'))
      : h('ul.console-list', null, list.map((s) => h('li.panel-box', { dataset: { submission: s.id } },
        h('h3', null, orgName(s.organisation, state.i18n.lang)),
        h('p', null, h('span.status-badge', null, t(s.listing_id ? 'console.queue.edit' : 'console.queue.new')), ' ', t('console.queue.received', { when: when(s.created_at) })),
        h('button.btn', { type: 'button', onclick: () => openReview(s.id), 'aria-label': `${t('console.queue.review')}: ${orgName(s.organisation, state.i18n.lang)}` }, t('console.queue.review'))))));
}

function fieldTable(rows) {
  return h('table.console-table', null,
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('console.review.field')), h('th', { scope: 'col' }, t('console.review.proposed')))),
    h('tbody', null, rows.map((f) => h('tr', { class: f.private ? 'private' : null },
      h('th', { scope: 'row' }, f.key), h('td', null, f.value, f.private ? h('span.private-tag', null, ` (${t('console.review.private')})`) : null)))));
}

function diffTable(rows) {
  if (rows.length === 0) return h('p', null, t('console.review.nochange'));
  return h('table.console-table.diff', null,
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('console.review.field')), h('th', { scope: 'col' }, t('console.review.published')), h('th', { scope: 'col' }, t('console.review.proposed')))),
    h('tbody', null, rows.map((r) => h('tr', { class: r.private ? 'private' : null },
      h('th', { scope: 'row' }, r.key),
      h('td', null, r.before === null ? '—' : h('del', null, r.before)),
      h('td', null, r.after === null ? '—' : h('ins', null, r.after), r.private ? h('span.private-tag', null, ` (${t('console.review.private')})`) : null)))));
}

/** A small editor of the fields editors correct most (names, descriptions, website); other fields are kept. */
function orgEditor(org, submitKey, onSubmit, onCancel) {
  const inputs = [];
  const langs = [...new Set([...Object.keys(org.name || {}), ...Object.keys(org.description || {})])];
  const form = h('form.panel-box.console-edit', { novalidate: true });
  for (const lang of langs) {
    const n = h('input', { type: 'text', id: `edit-name-${lang}`, value: (org.name || {})[lang] || '', lang });
    const d = h('textarea', { id: `edit-description-${lang}`, lang });
    d.value = (org.description || {})[lang] || '';
    inputs.push([lang, n, d]);
    form.append(h('div.field', null, h('label', { for: n.id }, t('console.edit.name', { lang })), n),
      h('div.field', null, h('label', { for: d.id }, t('console.edit.description', { lang })), d));
  }
  const website = h('input#edit-website', { type: 'url', value: org.website || '' });
  form.append(h('div.field', null, h('label', { for: 'edit-website' }, t('console.edit.website')), website),
    h('div.btn-row', null, h('button.btn', { type: 'submit' }, t(submitKey)), h('button.btn.btn-small', { type: 'button', onclick: onCancel }, t('console.edit.cancel'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = {}, description = {};
    for (const [lang, n, d] of inputs) {
      if (n.value.trim()) name[lang] = n.value.trim();
      if (d.value.trim()) description[lang] = d.value.trim();
    }
    const edited = { ...org, name, description };
    if (website.value.trim()) edited.website = website.value.trim(); else delete edited.website;
    onSubmit(edited);
  });
  return form;
}

function renderReview() {
  const { submission: s, published } = state.review;
  const name = orgName(s.organisation, state.i18n.lang);
  const reason = h('textarea#reject-reason', { maxlength: '500' });
  reason.value = state.review.reason;
  reason.addEventListener('input', () => { state.review.reason = reason.value; });
  return h('section', { 'aria-labelledby': 'review-h' },
    h('p', null, h('button.btn-link', { type: 'button', onclick: () => show('queue') }, `← ${t('console.review.back')}`)),
    h('h2#review-h', { tabindex: '-1' }, t('console.review.title', { name })),
    s.listing_id
      ? [h('h3', null, t('console.review.diff')), diffTable(diffOrgs(published, s.organisation))]
      : [h('h3', null, t('console.review.fields')), fieldTable(orgFields(s.organisation))],
    s.note ? h('div.panel-box', null, h('h3', null, t('console.review.note')), h('p.note', null, s.note)) : null,
    s.submitter_email ? h('p', null, `${t('console.review.email', { days: RETAIN_DAYS })}: `, h('span', null, s.submitter_email)) : null,
    state.review.editing
      ? orgEditor(s.organisation, 'console.review.saveApprove', (edited) => approve(edited), () => { state.review.editing = false; render(); })
      : h('div.btn-row', null,
        h('button.btn#approve', { type: 'button', onclick: () => approve(null) }, t('console.review.approve')),
        h('button.btn.btn-small#edit-first', { type: 'button', onclick: () => { state.review.editing = true; render(); } }, t('console.review.editThenApprove'))),
    h('div.panel-box', null,
      h('div.field', null, h('label', { for: 'reject-reason' }, t('console.review.reason')), reason),
      h('button.btn.btn-danger#reject', { type: 'button', onclick: () => reject(reason.value.trim()) }, t('console.review.reject'))));
}

function renderOrgs() {
  const search = h('input#org-search', { type: 'search', value: state.query, autocomplete: 'off' });
  const list = h('ul.console-list');
  const fill = () => {
    clear(list);
    const shown = filterOrgs(state.orgs, state.query);
    if (shown.length === 0) list.append(h('li', null, t('console.orgs.empty')));
    for (const o of shown) list.append(renderOrg(o));
  };
  search.addEventListener('input', () => { state.query = search.value; fill(); });
  fill();
  return h('section', { 'aria-labelledby': 'orgs-h' },
    h('h2#orgs-h', { tabindex: '-1' }, t('console.orgs.title')),
    h('div.field', null, h('label', { for: 'org-search' }, t('console.orgs.search')), search),
    list);
}

function renderOrg(o) {
  const org = o.organisation;
  const name = org ? orgName(org, state.i18n.lang) : o.id;
  if (o.status !== 'active' || !org) {
    return h('li.panel-box.withdrawn', { dataset: { listing: o.id } }, h('h3', null, name), h('p', null, h('span.status-badge.withdrawn', null, t('console.orgs.withdrawn'))));
  }
  const overdue = isOverdue(org.review_by);
  const item = h('li.panel-box', { class: overdue ? 'panel-box overdue' : 'panel-box', dataset: { listing: o.id } },
    h('h3', null, name),
    h('p', { class: overdue ? 'notice warn' : null }, t(overdue ? 'console.orgs.overdue' : 'console.orgs.reviewBy', { date: state.i18n.formatDate(org.review_by) })));
  if (state.editingOrg === o.id) {
    item.append(orgEditor(org, 'console.edit.save', (edited) => saveOrg(o, edited), () => { state.editingOrg = null; render(); }));
    return item;
  }
  const label = (key) => `${t(key)}: ${name}`;
  item.append(h('div.btn-row', null,
    h('button.btn.btn-small', { type: 'button', 'aria-label': label('console.orgs.edit'), onclick: () => { state.editingOrg = o.id; render(); } }, t('console.orgs.edit')),
    h('button.btn.btn-small', { type: 'button', 'aria-label': label('console.orgs.confirm'), dataset: { action: 'confirm' }, onclick: () => orgAction(o, 'confirm') }, t('console.orgs.confirm')),
    h('button.btn.btn-small', { type: 'button', 'aria-label': label('console.orgs.withdraw'), dataset: { action: 'withdraw' }, onclick: () => orgAction(o, 'withdraw') }, t('console.orgs.withdraw')),
    h('button.btn.btn-danger', { type: 'button', 'aria-label': label('console.orgs.takedown'), dataset: { action: 'takedown' }, onclick: () => orgAction(o, 'takedown') }, t('console.orgs.takedown'))));
  return item;
}

function renderEditors() {
  const name = h('input#invite-name', { type: 'text', maxlength: '100', autocomplete: 'off', required: true });
  const role = h('select#invite-role', null, h('option', { value: 'editor' }, t('console.role.editor')), h('option', { value: 'admin' }, t('console.role.admin')));
  const form = h('form.panel-box', { novalidate: true },
    h('h3', null, t('console.editors.invite')),
    h('div.row', null,
      h('div.field', null, h('label', { for: 'invite-name' }, t('console.editors.name')), name),
      h('div.field', null, h('label', { for: 'invite-role' }, t('console.editors.role')), role)),
    h('button.btn', { type: 'submit' }, t('console.editors.inviteButton')));
  form.addEventListener('submit', (e) => { e.preventDefault(); if (name.value.trim()) invite(name.value.trim(), role.value); });
  const link = state.invite
    ? h('div.notice.ok', null, h('p', null, t('console.editors.link', { name: state.invite.name, until: when(state.invite.expires_at) })),
      h('p.receipt-url', null, h('code#invite-link', null, state.invite.link)))
    : null;
  return h('section', { 'aria-labelledby': 'editors-h' },
    h('h2#editors-h', { tabindex: '-1' }, t('console.editors.title')),
    form, link,
    h('ul.console-list', null, state.editors.map((e) => h('li.panel-box', { dataset: { editor: e.id } },
      h('h3', null, e.name, ' ', h('span.status-badge', null, t(`console.role.${e.role}`))),
      h('p', null, t('console.editors.passkeys', { n: e.passkeys.length }),
        e.pending_enrolments > 0 ? ` · ${t('console.editors.pending')}` : '',
        e.revoked_at ? ` · ${t('console.editors.revoked', { when: when(e.revoked_at) })}` : ''),
      e.passkeys.length ? h('ul', null, e.passkeys.map((k) => h('li', null, `${k.label} — ${k.last_used_at ? t('console.editors.lastUsed', { when: when(k.last_used_at) }) : t('console.editors.never')}`))) : null,
      !e.revoked_at && e.name !== state.me.name
        ? h('button.btn.btn-small', { type: 'button', 'aria-label': `${t('console.editors.revoke')}: ${e.name}`, onclick: () => revoke(e) }, t('console.editors.revoke'))
        : null))));
}

function renderAudit() {
  return h('section', { 'aria-labelledby': 'audit-h' },
    h('h2#audit-h', { tabindex: '-1' }, t('console.audit.title')),
    h('div.table-scroll', null, h('table.console-table', null,
      h('thead', null, h('tr', null, ['console.audit.when', 'console.audit.who', 'console.audit.what', 'console.audit.target'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', null, state.audit.map((a) => h('tr', null, h('td', null, when(a.at)), h('td', null, a.actor), h('td', null, a.action), h('td', null, a.target || '')))))));
}

function renderKeys() {
  const k = state.keys;
  return h('section', { 'aria-labelledby': 'keys-h' },
    h('h2#keys-h', { tabindex: '-1' }, t('console.keys.title')),
    k ? [
      h('p', null, `${t('console.keys.root')}: `, h('code', null, k.root_kid)),
      h('p', null, t('console.keys.keyset', { version: k.keyset_version, until: when(k.keyset_expires) })),
      h('div.table-scroll', null, h('table.console-table', null,
        h('thead', null, h('tr', null, ['console.keys.kid', 'console.keys.role', 'console.keys.status', 'console.keys.created'].map((key) => h('th', { scope: 'col' }, t(key))))),
        h('tbody', null, k.keys.map((x) => h('tr', null, h('td', null, h('code', null, x.kid)), h('td', null, x.role), h('td', null, x.status), h('td', null, when(x.created_at))))))),
      h('p.muted', null, t('console.keys.rotate')),
    ] : null);
}

// ---- start -------------------------------------------------------------------------------------------------

startNodePage({ titleKey: 'console.title', messages: [CONSOLE_MESSAGES], render }).then(async () => {
  const r = await callApi('/api/console/session');
  state.me = r.ok ? r.data : null;
  state.checked = true;
  if (state.me) await show('queue'); else render();
  document.body.dataset.console = 'ready';
});
