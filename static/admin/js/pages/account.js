// One account: its details and, for admins, what can be done to it: the level, the email
// confirmation, a ban, a new password, deletion (after a confirmation step).

import { busy, confirmDialog, errorMessage, errorState, field, h, loadingState, notify, pageHeader, section, select } from '../dom.js';
import { formatDateTime, formatDuration, levelName, t } from '../i18n.js';
import { banStatus, fullName, levelBadge } from './accounts.js';
import { sessionsSection, setupLinkSection } from './account-access.js';
import { groupChoices, groupName, groupTree } from '../widgets.js';

const BAN_DURATIONS = [3600, 86400, 7 * 86400, 30 * 86400, 0]; // 0: until lifted

/** A form whose submit runs `action`, with its own error line. */
function actionForm({ id, className = 'form', children, submitLabel, danger = false, action }) {
  const error = h('p', { class: 'notice notice-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: danger ? 'button button-danger' : 'button button-primary' }, submitLabel);
  const form = h('form', { id, class: className }, children, error, h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    try {
      await busy(submit, () => action(form));
    } catch (failure) {
      error.textContent = errorMessage(failure);
      error.hidden = false;
    }
  });
  return form;
}

function withId(name, element, className) {
  element.id = `section-${name}`;
  if (className) element.classList.add(className);
  return element;
}

function details(account, groups) {
  const row = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
  return h(
    'dl',
    { class: 'details', id: 'account-details' },
    row(t('accounts.username'), account.username),
    row(t('accounts.name'), fullName(account) || '—'),
    row(t('accounts.email'), account.email ? [account.email, ' ', account.email_confirmed ? null : h('span', { class: 'badge badge-warning' }, t('accounts.unconfirmed'))] : '—'),
    row(t('account.birthdate'), account.birthdate || '—'),
    row(t('accounts.level'), levelBadge(account.level)),
    row(t('accounts.status'), banStatus(account)),
    row(t('account.group'), h('span', { id: 'account-group' }, groupName(groups, account.group_id))),
    row(t('accounts.created'), formatDateTime(account.created_at)),
  );
}

function actions(account, ctx, update, groups) {
  const { api } = ctx;
  const path = `/accounts/${account.id}`;

  const levelSelect = select({ name: 'level' }, [1, 2, 3].map((l) => [l, levelName(l)]), account.level);
  const levelForm = actionForm({
    id: 'level-form',
    children: field(t('accounts.level'), levelSelect),
    submitLabel: t('account.save_level'),
    async action() {
      const level = Number(levelSelect.value);
      update(await api.put(`${path}/level`, { level }), t('account.level_changed', { level: levelName(level) }), 'level');
    },
  });

  const groupSelect = select({ name: 'group_id' }, groupChoices(groups, ['', t('account.no_group')]), account.group_id ?? '');
  const groupForm = actionForm({
    id: 'group-form',
    children: field(t('account.group'), groupSelect, t('account.group_hint')),
    submitLabel: t('account.save_group'),
    async action() {
      const group_id = groupSelect.value ? Number(groupSelect.value) : null;
      const updated = await api.patch(path, { group_id });
      update(updated, t('account.group_changed', { group: groupName(groups, updated.group_id) }), 'group');
    },
  });

  const confirmBox = account.email_confirmed
    ? h('p', {}, t('account.email_is_confirmed'))
    : actionForm({
        id: 'confirm-form',
        children: h('p', {}, t('account.confirm_hint')),
        submitLabel: t('account.confirm'),
        async action() {
          update(await api.post(`${path}/confirm`, {}), t('account.confirmed'), 'email');
        },
      });

  let banBox;
  if (account.banned_until) {
    banBox = actionForm({
      id: 'unban-form',
      children: h('p', {}, banStatus(account)),
      submitLabel: t('account.unban'),
      async action() {
        update(await api.del(`${path}/ban`), t('account.unbanned'), 'ban');
      },
    });
  } else {
    const duration = select({ name: 'duration' }, BAN_DURATIONS.map((s) => [s, s ? formatDuration(s) : t('time.until_lifted')]), 86400);
    const reason = h('input', { name: 'reason', type: 'text', maxlength: '500' });
    banBox = actionForm({
      id: 'ban-form',
      children: [field(t('account.ban_duration'), duration), field(t('account.ban_reason'), reason, t('account.ban_reason_hint'))],
      submitLabel: t('account.ban'),
      danger: true,
      async action() {
        const seconds = Number(duration.value);
        const body = { duration: seconds || undefined, reason: reason.value.trim() || undefined };
        update(await api.post(`${path}/ban`, body), t('account.banned'), 'ban');
      },
    });
  }

  const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: '8', maxlength: '128' });
  const passwordForm = actionForm({
    id: 'password-form',
    children: field(t('account.new_password'), password, t('account.password_hint')),
    submitLabel: t('account.reset_password'),
    async action() {
      await api.post(`${path}/password`, { password: password.value });
      password.value = '';
      notify(t('account.password_reset', { name: account.username }));
    },
  });

  const deleteForm = actionForm({
    id: 'delete-form',
    children: h('p', {}, t('account.delete_hint')),
    submitLabel: t('account.delete'),
    danger: true,
    async action() {
      const confirmed = await confirmDialog({
        title: t('account.delete_title', { name: account.username }),
        message: t('account.delete_message', { name: account.username }),
        confirmLabel: t('account.delete'),
      });
      if (!confirmed) return;
      await api.del(path);
      ctx.flash(t('account.deleted', { name: account.username }));
      ctx.navigate('/admin/accounts');
    },
  });

  return h(
    'div',
    { class: 'action-grid' },
    withId('level', section(t('account.level_section'), levelForm)),
    withId('group', section(t('account.group_section'), groupForm)),
    withId('email', section(t('account.email_section'), confirmBox)),
    withId('ban', section(t('account.ban_section'), banBox)),
    withId('password', section(t('account.password_section'), passwordForm)),
    setupLinkSection(account, ctx),
    sessionsSection(account, ctx),
    withId('delete', section(t('account.delete_section'), deleteForm), 'danger-zone'),
  );
}

export default {
  path: 'accounts/:id',
  title: 'account.title',
  minLevel: 2,
  messages: {
    en: {
      'account.title': 'Account',
      'account.back': 'All accounts',
      'account.birthdate': 'Birth date',
      'account.group': 'Group',
      'account.no_group': 'No group',
      'account.group_section': 'Group',
      'account.group_hint': 'The class it belongs to: it sees the courses meant for this group and its parents.',
      'account.save_group': 'Change the group',
      'account.group_changed': 'Group: {group}.',
      'account.self': 'This is your own account: another administrator changes its level, ban or password.',
      'account.read_only': 'Only administrators change accounts.',
      'account.level_section': 'Level',
      'account.save_level': 'Change the level',
      'account.level_changed': 'The level is now {level}.',
      'account.email_section': 'Email',
      'account.email_is_confirmed': 'The email address is confirmed.',
      'account.confirm_hint': 'Confirm the address by hand when the confirmation email cannot reach its owner.',
      'account.confirm': 'Confirm the email',
      'account.confirmed': 'The email address is confirmed.',
      'account.ban_section': 'Ban',
      'account.ban_duration': 'Duration',
      'account.ban_reason': 'Reason (optional)',
      'account.ban_reason_hint': 'Kept with the ban, for the other moderators.',
      'account.ban': 'Ban the account',
      'account.banned': 'The account is banned: its sessions are ended.',
      'account.unban': 'Lift the ban',
      'account.unbanned': 'The ban is lifted.',
      'account.password_section': 'Password',
      'account.new_password': 'New password',
      'account.password_hint': '8 to 128 characters with a lower-case and an upper-case letter, a digit and a special character; not a common password. The account’s sessions end.',
      'account.reset_password': 'Set the password',
      'account.password_reset': 'The password of {name} is changed.',
      'account.delete_section': 'Delete',
      'account.delete_hint': 'Deleting an account cannot be undone.',
      'account.delete': 'Delete the account',
      'account.delete_title': 'Delete {name}?',
      'account.delete_message': 'The account {name} and its sessions will be deleted. This cannot be undone.',
      'account.deleted': 'The account {name} is deleted.',
    },
    fr: {
      'account.title': 'Compte',
      'account.back': 'Tous les comptes',
      'account.birthdate': 'Date de naissance',
      'account.group': 'Groupe',
      'account.no_group': 'Aucun groupe',
      'account.group_section': 'Groupe',
      'account.group_hint': 'La classe du compte : il voit les cours destinés à ce groupe et à ses parents.',
      'account.save_group': 'Changer de groupe',
      'account.group_changed': 'Groupe : {group}.',
      'account.self': 'C’est votre propre compte : un autre administrateur en change le niveau, le bannissement ou le mot de passe.',
      'account.read_only': 'Seuls les administrateurs modifient les comptes.',
      'account.level_section': 'Niveau',
      'account.save_level': 'Changer le niveau',
      'account.level_changed': 'Le niveau est maintenant : {level}.',
      'account.email_section': 'E-mail',
      'account.email_is_confirmed': 'L’adresse e-mail est confirmée.',
      'account.confirm_hint': 'Confirmez l’adresse à la main quand l’e-mail de confirmation ne peut pas atteindre son destinataire.',
      'account.confirm': 'Confirmer l’e-mail',
      'account.confirmed': 'L’adresse e-mail est confirmée.',
      'account.ban_section': 'Bannissement',
      'account.ban_duration': 'Durée',
      'account.ban_reason': 'Motif (facultatif)',
      'account.ban_reason_hint': 'Conservé avec le bannissement, pour les autres modérateurs.',
      'account.ban': 'Bannir le compte',
      'account.banned': 'Le compte est banni : ses sessions sont fermées.',
      'account.unban': 'Lever le bannissement',
      'account.unbanned': 'Le bannissement est levé.',
      'account.password_section': 'Mot de passe',
      'account.new_password': 'Nouveau mot de passe',
      'account.password_hint': '8 à 128 caractères avec une minuscule, une majuscule, un chiffre et un caractère spécial ; pas un mot de passe courant. Les sessions du compte sont fermées.',
      'account.reset_password': 'Définir le mot de passe',
      'account.password_reset': 'Le mot de passe de {name} est changé.',
      'account.delete_section': 'Suppression',
      'account.delete_hint': 'La suppression d’un compte est définitive.',
      'account.delete': 'Supprimer le compte',
      'account.delete_title': 'Supprimer {name} ?',
      'account.delete_message': 'Le compte {name} et ses sessions seront supprimés. C’est définitif.',
      'account.deleted': 'Le compte {name} est supprimé.',
    },
  },

  async render(view, ctx) {
    const { api, params, me, isAdmin } = ctx;
    const back = h('a', { href: '/admin/accounts', class: 'back-link' }, `← ${t('account.back')}`);
    const header = pageHeader(t('account.title'), back);
    const body = h('div', {}, loadingState());
    view.append(header, body);
    const groups = await groupTree(api).catch(() => []);

    // After an action the sections are drawn again: the keyboard goes back where it was.
    const show = (account, message, focusSection) => {
      const title = header.querySelector('h1');
      title.textContent = account.username;
      ctx.setTitle(account.username);
      let tools;
      if (!isAdmin) tools = h('p', { class: 'notice' }, t('account.read_only'));
      else if (account.id === me.id) tools = h('p', { class: 'notice' }, t('account.self'));
      else tools = actions(account, ctx, show, groups);
      body.replaceChildren(section(t('account.title'), details(account, groups)), tools);
      if (focusSection) {
        const target = body.querySelector(`#section-${focusSection} button[type="submit"]`) || body.querySelector(`#section-${focusSection} h2`);
        target?.focus();
      }
      if (message) notify(message);
    };

    try {
      show(await api.get(`/accounts/${encodeURIComponent(params.id)}`));
    } catch (error) {
      if (error?.name === 'AbortError') return;
      body.replaceChildren(errorState(error, () => ctx.navigate(location.pathname, { replace: true })));
    }
  },
};
