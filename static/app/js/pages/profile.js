// The caller's profile: names, group and avatar by name (never a bare number), a name change,
// and signing out.

import * as api from '../api.js';
import { busy, field, formError, h, notify, showFormError, time } from '../dom.js';
import { t } from '../i18n.js';
import { navigate } from '../main.js';
import { group } from '../people.js';

function row(label, value) {
  return [h('dt', {}, label), h('dd', {}, value)];
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
    h('p', {}, out),
  );
}
