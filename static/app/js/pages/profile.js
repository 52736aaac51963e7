// The caller's profile: names, group and avatar by name (never a bare number), a name change,
// the open sessions (end one from here), a copy of one's data, and signing out.

import * as api from '../api.js';
import { badge, busy, errorMessage, field, formError, h, loadInto, notify, showFormError, time } from '../dom.js';
import { t } from '../i18n.js';
import { navigate } from '../main.js';
import { group } from '../people.js';

function row(label, value) {
  return [h('dt', {}, label), h('dd', {}, value)];
}

/** The account's open sessions, the current one marked; any other can be ended here. */
function sessions() {
  const body = h('div', { id: 'sessions' });
  const load = () =>
    loadInto(body, async () => {
      const list = await api.get('/me/sessions');
      const table = h(
        'table',
        { class: 'table' },
        h('caption', { class: 'visually-hidden' }, t('sessions.title')),
        h('thead', {}, h('tr', {}, [t('sessions.device'), t('sessions.ip'), t('sessions.created'), t('sessions.last_used'), h('span', { class: 'visually-hidden' }, t('sessions.actions'))].map((c) => h('th', { scope: 'col' }, c)))),
        h(
          'tbody',
          {},
          list.map((s) => {
            const end = s.current
              ? badge(t('sessions.current'), 'success')
              : h('button', { type: 'button', class: 'button button-small', 'data-session': String(s.id) }, t('sessions.end'));
            if (!s.current)
              end.addEventListener('click', () =>
                busy(end, async () => {
                  try {
                    await api.del(`/me/sessions/${s.id}`);
                    notify(t('sessions.ended'));
                    load();
                  } catch (e) {
                    notify(errorMessage(e), 'error');
                  }
                }),
              );
            return h('tr', { class: s.current ? 'session session-current' : 'session' }, h('td', {}, s.user_agent || t('sessions.unknown')), h('td', {}, s.client_ip || ''), h('td', {}, time(s.created_at)), h('td', {}, time(s.last_used_at)), h('td', {}, end));
          }),
        ),
      );
      return h('div', { class: 'table-wrap' }, table);
    });
  load();
  return h('section', { class: 'panel', 'aria-labelledby': 'sessions-title' }, h('h2', { id: 'sessions-title' }, t('sessions.title')), h('p', { class: 'hint' }, t('sessions.hint')), body);
}

/** Everything the account wrote or received, as one JSON file (`GET /me/export`). */
function exportButton(me) {
  const button = h('button', { type: 'button', class: 'button', id: 'export-data' }, t('profile.export'));
  button.addEventListener('click', () =>
    busy(button, async () => {
      try {
        const data = await api.get('/me/export');
        const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
        const a = h('a', { href: url, download: `preau-${me.username}.json` });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      } catch (e) {
        notify(errorMessage(e), 'error');
      }
    }),
  );
  return button;
}

export async function render(main) {
  const me = await api.get('/me').catch(() => api.currentUser());
  api.setMe(me);
  const groupName = h('span', { id: 'profile-group' }, me.group_id ? t('people.loading') : t('profile.no_group'));
  if (me.group_id) group(me.group_id).then((g) => (groupName.textContent = g ? g.name : t('profile.group_hidden')));
  const avatar = h('span', { id: 'profile-avatar' }, me.avatar_id ? t('people.loading') : t('profile.no_avatar'));
  if (me.avatar_id) {
    api
      .get(`/avatars/${me.avatar_id}`)
      .then((a) => {
        const name = String(a.path || '').split('/').pop() || t('profile.avatar');
        avatar.replaceChildren(h('img', { src: `/api/v1/avatars/${a.id}/image`, alt: '', width: '48', height: '48', class: 'avatar' }), ' ', name);
      })
      .catch(() => (avatar.textContent = t('profile.no_avatar')));
  }
  const first = h('input', { name: 'firstname', autocomplete: 'given-name', value: me.firstname || '' });
  const last = h('input', { name: 'lastname', autocomplete: 'family-name', value: me.lastname || '' });
  const save = h('button', { type: 'submit', class: 'button button-primary' }, t('profile.save'));
  const error = formError();
  const form = h('form', { class: 'form card', id: 'profile-form' }, error, field(t('auth.firstname'), first), field(t('auth.lastname'), last), h('div', { class: 'form-actions' }, save));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(save, async () => {
      try {
        const updated = await api.patch('/me', { firstname: first.value.trim() || null, lastname: last.value.trim() || null });
        api.setMe(updated);
        notify(t('profile.saved'));
      } catch (e) {
        showFormError(form, e);
      }
    });
  });
  const out = h('button', { type: 'button', class: 'button', id: 'sign-out' }, t('profile.sign_out'));
  out.addEventListener('click', () =>
    busy(out, async () => {
      await api.signOut();
      navigate('/sign-in', { replace: true });
    }),
  );
  main.replaceChildren(
    h('h1', { tabindex: '-1' }, t('profile.title')),
    h(
      'dl',
      { class: 'card facts' },
      row(t('auth.username'), me.username),
      row(t('auth.email'), [me.email || '', ' ', me.email_confirmed ? h('span', { class: 'badge badge-success' }, t('profile.confirmed')) : h('span', { class: 'badge' }, t('profile.unconfirmed'))]),
      row(t('profile.level'), t(`level.${me.level}`)),
      row(t('profile.group'), groupName),
      row(t('profile.avatar'), avatar),
      row(t('profile.since'), time(me.created_at)),
    ),
    h('section', { class: 'panel', 'aria-labelledby': 'names-title' }, h('h2', { id: 'names-title' }, t('profile.names')), form),
    sessions(),
    h('p', { class: 'form-actions' }, exportButton(me), out),
  );
}
