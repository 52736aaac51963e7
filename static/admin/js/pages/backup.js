// Backup: a consistent snapshot of the whole database, downloaded through the API with the
// session's token (a plain link could not carry it).

import { busy, errorMessage, h, pageHeader, section } from '../dom.js';
import { formatNumber, t } from '../i18n.js';

export default {
  path: 'backup',
  nav: 'nav.backup',
  title: 'backup.title',
  minLevel: 3,
  messages: {
    en: {
      'nav.backup': 'Backup',
      'backup.title': 'Backup',
      'backup.intro': 'Download a consistent snapshot of the database. The server keeps running and writing while it is taken.',
      'backup.restore': 'To restore it, stop the server and run: preau restore <file>',
      'backup.download': 'Download a backup',
      'backup.working': 'Taking the snapshot…',
      'backup.done': 'Downloaded {name} ({size} kB).',
      'backup.section': 'Database snapshot',
    },
    fr: {
      'nav.backup': 'Sauvegarde',
      'backup.title': 'Sauvegarde',
      'backup.intro': 'Téléchargez un instantané cohérent de la base de données. Le serveur continue de fonctionner et d’écrire pendant ce temps.',
      'backup.restore': 'Pour la restaurer, arrêtez le serveur puis lancez : preau restore <fichier>',
      'backup.download': 'Télécharger une sauvegarde',
      'backup.working': 'Instantané en cours…',
      'backup.done': '{name} téléchargé ({size} ko).',
      'backup.section': 'Instantané de la base',
    },
  },

  render(view, { api }) {
    const status = h('p', { class: 'notice', role: 'status', id: 'backup-status', hidden: true });
    const button = h('button', { type: 'button', class: 'button button-primary', id: 'backup-download' }, t('backup.download'));
    button.addEventListener('click', async () => {
      status.className = 'notice';
      status.textContent = t('backup.working');
      status.hidden = false;
      try {
        const file = await busy(button, () => api.download('/admin/backup', 'preau-backup.db'));
        status.className = 'notice notice-success';
        status.textContent = t('backup.done', { name: file.name, size: formatNumber(Math.ceil(file.size / 1024)) });
      } catch (error) {
        status.className = 'notice notice-error';
        status.textContent = errorMessage(error);
      }
    });
    view.append(
      pageHeader(t('backup.title')),
      section(t('backup.section'), h('p', {}, t('backup.intro')), h('p', { class: 'muted' }, t('backup.restore')), h('div', { class: 'form-actions' }, button), status),
    );
  },
};
