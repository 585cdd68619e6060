// The operations dashboard: plain DOM, no framework. Signs in with the admin token (the server answers
// with an HttpOnly session cookie, never readable here), then shows /admin/sync-status, open triage
// incidents, the links in trouble, recent conflicts and activity, refreshing every 5 s. Every value goes in through textContent.
'use strict';

const REFRESH_MS = 5000;
const $ = (sel) => document.querySelector(sel);
let timer = null;

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    showSignIn();
    throw new Error('signed out');
  }
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(data?.error?.message ?? `HTTP ${res.status}`);
  return data;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('data-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
  return node;
}

const NAMES = { github: 'GitHub', jira: 'Jira', asana: 'Asana' };
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const value = (v) => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

function showSignIn() {
  clearTimeout(timer);
  $('#dashboard').hidden = true;
  $('#signout').hidden = true;
  $('#queues-link').hidden = true;
  $('#signin').hidden = false;
  $('#refreshed').textContent = '';
}

function card(t) {
  const q = t.queue;
  const rows = [
    ['Queue', q ? `${q.waiting} waiting · ${q.active} active · ${q.delayed} delayed · ${q.failed} failed` : '—'],
    ['Links', Object.entries(t.links).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(' · ') || 'none'],
    ['Linked defects', String(t.linkedDefects)],
    ['Last success', when(t.lastSuccessAt)],
    ['Last failure', t.lastFailure ? `${when(t.lastFailure.at)} ${t.lastFailure.defect}: ${t.lastFailure.error ?? ''}` : '—'],
    ['Webhooks 24 h', t.webhooks24h ? `${t.webhooks24h.accepted} accepted · ${t.webhooks24h.duplicate} duplicate · ${t.webhooks24h.ignored} ignored · ${t.webhooks24h.rejected} rejected · ${t.webhooks24h.unsigned} unsigned` : '—'],
    ['Conflicts 24 h', String(t.conflicts24h)],
    ['Last poll', t.poll ? `${when(t.poll.lastPollAt)}${t.poll.lastError ? ` — ${t.poll.lastError}` : ''}` : '—'],
  ];
  const dl = el('dl');
  for (const [k, v] of rows) dl.append(el('dt', {}, k), el('dd', {}, v));
  if (t.backfill) dl.append(el('dt', {}, 'Backfill'), el('dd', { 'data-backfill': t.backfill.state }, backfillLine(t.backfill)));
  // A check error is listed with its fix under "Configuration check", not again among the reasons.
  const reasons = el('ul', { class: 'reasons' }, ...t.reasons.filter((r) => !r.startsWith('config check: ')).map((r) => el('li', {}, r)));
  return el(
    'article',
    { class: `card ${t.health}`, 'data-connection-card': t.connection, 'data-tracker': t.tracker ?? '', 'data-health': t.health },
    el('h3', {}, `${t.connection} `, el('small', {}, NAMES[t.tracker] ?? t.tracker ?? ''), el('span', { class: `badge ${t.health}` }, t.health)),
    reasons,
    checkList(t.check),
    dl,
  );
}

/** The connection's latest backfill in one line (POST /admin/connections/:name/backfill starts one). */
function backfillLine(b) {
  const counts = `${b.done} of ${b.matched} done · ${b.failed} failed`;
  switch (b.state) {
    case 'queuing':
      return `queuing: ${b.queued} queued so far · ${counts} (started ${when(b.startedAt)})`;
    case 'running':
      return `running: ${counts} (started ${when(b.startedAt)})`;
    case 'stalled':
      return `stalled: ${counts}${b.lastError ? ` — ${b.lastError}` : ' — no progress for 10 min'}; start it again to queue the rest`;
    default:
      return `finished ${when(b.finishedAt)}: ${counts}`;
  }
}

/** The last configuration check's errors and warnings, each with its fix (GET /admin/connections has every finding). */
function checkList(check) {
  if (!check) return el('p', { class: 'check pending' }, 'Configuration check: not run yet');
  if (check.findings.length === 0) return el('p', { class: 'check ok', 'data-check-level': 'ok' }, `Configuration check: ok (${when(check.checkedAt)})`);
  const items = check.findings.map((f) => el('li', { class: f.level, 'data-check-level': f.level }, el('span', { class: 'what' }, f.what), f.fix ? el('span', { class: 'fix' }, ` — fix: ${f.fix}`) : ''));
  return el('div', { class: 'check', 'data-check-level': check.level }, el('h4', {}, `Configuration check (${when(check.checkedAt)})`), el('ul', {}, ...items));
}

function troubleRow(l) {
  const retry = el('button', { type: 'button', class: 'small' }, 'Retry');
  retry.addEventListener('click', () => act(() => api('POST', `/admin/defects/${encodeURIComponent(l.defect)}/resync`, { connection: l.connection })));
  return el(
    'tr',
    { 'data-link': `${l.defect}/${l.connection}`, 'data-state': l.syncState },
    el('td', {}, `${l.defect} ${l.title}`),
    el('td', {}, l.connection),
    el('td', { class: `state-${l.syncState}` }, l.syncState),
    el('td', { class: 'err' }, l.lastError ?? ''),
    el('td', {}, String(l.attempts)),
    el('td', {}, when(l.lastAttemptAt)),
    el('td', {}, retry),
  );
}

/** A storm incident (failure triage): the launch's automatic defects are held until someone releases it (POST /api/incidents/:id/release). */
function incidentRow(i) {
  const why = i.reason === 'signatures' ? 'too many new signatures' : 'too many runs failed';
  const top = i.topSignatures.map((s) => `${s.count}× ${s.text.split('\n')[0]}`).join(' · ');
  return el(
    'tr',
    { 'data-incident': i.id },
    el('td', {}, when(i.createdAt)),
    el('td', {}, i.project),
    el('td', {}, i.launch),
    el('td', {}, why),
    el('td', {}, String(i.counts.runs)),
    el('td', {}, String(i.counts.failed)),
    el('td', {}, String(i.counts.newSignatures)),
    el('td', {}, String(i.counts.held)),
    el('td', { class: 'err' }, top),
  );
}

function conflictRow(c) {
  return el('tr', {}, el('td', {}, when(c.decidedAt)), el('td', {}, c.defect), el('td', {}, c.connection), el('td', {}, c.field), el('td', {}, value(c.defectValue)), el('td', {}, value(c.remoteValue)), el('td', {}, c.winner));
}

function activityRow(a) {
  const fields = [a.pushed.length ? `→ ${a.pushed.join(', ')}` : '', a.pulled.length ? `← ${a.pulled.join(', ')}` : ''].filter(Boolean).join('  ');
  return el('tr', { 'data-outcome': a.outcome }, el('td', {}, when(a.at)), el('td', {}, a.defect), el('td', {}, a.connection), el('td', {}, a.direction), el('td', {}, a.outcome), el('td', {}, fields), el('td', { class: 'err' }, a.error ?? ''));
}

function fill(table, rows, empty) {
  $(`${table} tbody`).replaceChildren(...rows);
  $(empty).hidden = rows.length > 0;
}

async function refresh() {
  clearTimeout(timer);
  try {
    const [status, trouble, conflicts, activity, incidents] = await Promise.all([
      api('GET', '/admin/sync-status'),
      api('GET', '/admin/links?state=failed,retrying,missing&limit=50'),
      api('GET', '/admin/conflicts?limit=10'),
      api('GET', '/admin/activity?limit=20'),
      api('GET', '/admin/incidents'),
    ]);
    $('#signin').hidden = true;
    $('#dashboard').hidden = false;
    $('#signout').hidden = false;
    $('#queues-link').hidden = false;
    $('#cards').replaceChildren(...status.connections.map(card));
    $('#outbox').textContent = `Outbox: ${status.outbox.unpublished} change(s) waiting to be queued${status.outbox.unpublished ? `, oldest ${status.outbox.oldestAgeSeconds} s` : ''}.`;
    $('#problems').textContent = (status.errors ?? []).join('; ');
    fill('#incidents', incidents.data.map(incidentRow), '#incidents-empty');
    fill('#trouble', trouble.data.map(troubleRow), '#trouble-empty');
    fill('#conflicts', conflicts.data.map(conflictRow), '#conflicts-empty');
    fill('#activity', activity.data.map(activityRow), '#activity-empty');
    $('#refreshed').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    if (err.message === 'signed out') return;
    $('#problems').textContent = `Could not refresh: ${err.message}`;
  }
  timer = setTimeout(refresh, REFRESH_MS);
}

async function act(action) {
  try {
    await action();
  } catch (err) {
    $('#problems').textContent = err.message;
  }
  await refresh();
}

$('#signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('#signin-error').textContent = '';
  try {
    await fetch('/admin/session', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: $('#token').value }) }).then(async (res) => {
      if (!res.ok) throw new Error((await res.json())?.error?.message ?? `HTTP ${res.status}`);
    });
    $('#token').value = '';
    await refresh();
  } catch (err) {
    $('#signin-error').textContent = err.message;
  }
});

$('#signout').addEventListener('click', async () => {
  await fetch('/admin/session', { method: 'DELETE', credentials: 'same-origin' });
  showSignIn();
});

$('#retry-failed').addEventListener('click', () => act(() => api('POST', '/admin/links/retry', { state: ['failed'] })));

refresh();
