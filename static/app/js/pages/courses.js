// The courses, by language and locale.

import * as api from '../api.js';
import { errorState, h, link, loadingState, select, time } from '../dom.js';
import { t } from '../i18n.js';
import { pagedList, referenceData } from '../lists.js';
import { navigate } from '../main.js';
import { authorName } from '../people.js';
import { preview } from '../rich.js';

export async function render(main, _params, query) {
  const heading = h('h1', { tabindex: '-1' }, t('courses.title'));
  const results = h('div', { class: 'results', 'aria-live': 'polite' }, loadingState());
  main.replaceChildren(heading, results);
  let reference;
  try {
    reference = await referenceData();
  } catch (e) {
    results.replaceChildren(errorState(e, () => render(main, _params, query)));
    return;
  }
  const language = query.get('language') || '';
  const locale = query.get('locale') || '';
  const languageSelect = select({ name: 'language', id: 'filter-language' }, [['', t('courses.any_language')], ...reference.languages.map((l) => [l.id, l.name])], language);
  const localeSelect = select({ name: 'locale', id: 'filter-locale' }, [['', t('courses.any_locale')], ...reference.locales.map((l) => [l.id, l.name])], locale);
  const apply = () => {
    const q = new URLSearchParams();
    if (languageSelect.value) q.set('language', languageSelect.value);
    if (localeSelect.value) q.set('locale', localeSelect.value);
    navigate(`/courses${q.toString() ? `?${q}` : ''}`, { replace: true });
  };
  languageSelect.addEventListener('change', apply);
  localeSelect.addEventListener('change', apply);
  const filters = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('courses.filters') },
    h('div', { class: 'field' }, h('label', { for: 'filter-language' }, t('courses.language')), languageSelect),
    h('div', { class: 'field' }, h('label', { for: 'filter-locale' }, t('courses.locale')), localeSelect),
  );
  const names = (rows, id) => rows.find((r) => r.id === id)?.name;
  const paged = pagedList(
    '/courses',
    { language: language || undefined, locale: locale || undefined },
    (c) =>
      h(
        'li',
        { class: 'card course-card' },
        h('h2', { class: 'card-title' }, link(`/courses/${c.id}`, {}, c.title)),
        h(
          'p',
          { class: 'entry-meta' },
          authorName(c.account_id),
          ' · ',
          time(c.updated_at || c.created_at),
          c.language_id ? [' · ', names(reference.languages, c.language_id) || ''] : null,
          ' · ',
          names(reference.locales, c.locale_id) || '',
          c.status && c.status !== 'approved' ? [' · ', h('span', { class: 'badge' }, t(`status.${c.status}`))] : null,
        ),
        h('p', { class: 'card-text' }, preview(c.content)),
      ),
    { empty: t('courses.none'), label: t('courses.title'), className: 'list cards' },
  );
  results.replaceChildren(paged.node);
  const write = h('p', { class: 'page-tools' }, link('/teach/courses/new', { class: 'button', id: 'write-course' }, t('courses.write')));
  main.replaceChildren(heading, write, filters, results);
  try {
    await paged.load();
  } catch (e) {
    results.replaceChildren(errorState(e, () => render(main, _params, query)));
  }
}
