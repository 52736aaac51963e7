// The blog: posts by category, one post with its comments, writing a post, reporting.

import * as api from '../api.js';
import { busy, errorState, field, formError, h, link, loadingState, select, showFormError, time } from '../dom.js';
import { t } from '../i18n.js';
import { comments, pagedList, referenceData, reportButton } from '../lists.js';
import { navigate } from '../main.js';
import { authorName } from '../people.js';
import { preview, rich } from '../rich.js';

async function list(main, query) {
  main.replaceChildren(h('h1', { tabindex: '-1' }, t('blog.title')), loadingState());
  const cats = (await api.get('/blog/categories', { query: { limit: 100 } })).items;
  const category = query.get('category') || '';
  const chooser = select({ id: 'blog-category', name: 'category' }, [['', t('blog.all_categories')], ...cats.map((c) => [c.id, c.name])], category);
  chooser.addEventListener('change', () => navigate(chooser.value ? `/blog?category=${chooser.value}` : '/blog', { replace: true }));
  const posts = pagedList(
    '/blog/posts',
    { category: category || undefined },
    (p) => h('li', { class: 'card' }, h('h2', { class: 'card-title' }, link(`/blog/${p.id}`, {}, p.title)), h('p', { class: 'entry-meta' }, authorName(p.account_id), ' · ', time(p.created_at)), h('p', { class: 'card-text' }, preview(p.content))),
    { empty: t('blog.none'), label: t('blog.title'), className: 'list cards' },
  );
  main.replaceChildren(
    h('header', { class: 'page-header' }, h('h1', { tabindex: '-1' }, t('blog.title')), cats.length ? link('/blog/new', { class: 'button button-primary' }, t('blog.write')) : null),
    h('form', { class: 'filters', role: 'search', 'aria-label': t('blog.filters') }, h('div', { class: 'field' }, h('label', { for: 'blog-category' }, t('blog.category')), chooser)),
    posts.node,
  );
  await posts.load();
}

async function write(main) {
  main.replaceChildren(h('h1', { tabindex: '-1' }, t('blog.write')), loadingState());
  const [cats, reference] = await Promise.all([api.get('/blog/categories', { query: { limit: 100 } }), referenceData()]);
  const error = formError();
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, t('blog.publish'));
  const title = h('input', { name: 'title', required: true, maxlength: '200' });
  const content = h('textarea', { name: 'content', required: true, rows: '10', maxlength: '100000' });
  const category = select({ name: 'category_id', required: true }, cats.items.map((c) => [c.id, c.name]));
  const locale = select({ name: 'locale_id' }, [['', t('blog.default_locale')], ...reference.locales.map((l) => [l.id, l.name])]);
  const form = h('form', { class: 'form card', id: 'blog-form' }, error, field(t('blog.post_title'), title), field(t('blog.category'), category), field(t('courses.locale'), locale), field(t('blog.content'), content, t('app.markdown_hint')), h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { title: title.value.trim(), content: content.value, category_id: Number(category.value) };
    if (locale.value) body.locale_id = Number(locale.value);
    busy(submit, async () => {
      try {
        const created = await api.post('/blog/posts', body);
        navigate(`/blog/${created.id}`);
      } catch (e) {
        showFormError(form, e);
      }
    });
  });
  main.replaceChildren(h('p', { class: 'breadcrumb' }, link('/blog', {}, t('blog.title'))), h('h1', { tabindex: '-1' }, t('blog.write')), cats.items.length ? form : h('p', { class: 'state state-empty' }, t('blog.no_categories')));
}

async function post(main, id) {
  main.replaceChildren(loadingState());
  const row = await api.get(`/blog/posts/${encodeURIComponent(id)}`);
  const talk = comments(`/blog/posts/${row.id}/comments`, 'blog_comment');
  main.replaceChildren(
    h('p', { class: 'breadcrumb' }, link('/blog', {}, t('blog.title'))),
    h('article', { class: 'blog-post' }, h('header', { class: 'page-header' }, h('h1', { tabindex: '-1' }, row.title), h('p', { class: 'entry-meta' }, authorName(row.account_id), ' · ', time(row.created_at))), rich(row, 'content'), h('div', { class: 'entry-actions' }, reportButton('blog_post', row.id, row.account_id))),
    talk.node,
  );
  await talk.load();
}

export async function render(main, { page, id }, query) {
  try {
    if (page === 'blog-new') await write(main);
    else if (page === 'blog-post') await post(main, id);
    else await list(main, query);
  } catch (e) {
    main.replaceChildren(h('h1', { tabindex: '-1' }, t('blog.title')), errorState(e, () => render(main, { page, id }, query)));
  }
}
