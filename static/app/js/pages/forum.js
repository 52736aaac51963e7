// The forum: categories → forums → subjects → posts; write a subject or a post, like, report.

import * as api from '../api.js';
import { busy, errorState, field, formError, h, link, loadingState, notify, showFormError, time } from '../dom.js';
import { t } from '../i18n.js';
import { entry, pagedList, reportButton } from '../lists.js';
import { navigate } from '../main.js';
import { authorName } from '../people.js';

async function categories(main) {
  main.replaceChildren(h('h1', { tabindex: '-1' }, t('forum.title')), loadingState());
  const [cats, forums] = await Promise.all([api.get('/forum/categories', { query: { limit: 100 } }), api.get('/forum/forums', { query: { limit: 100 } })]);
  const sections = cats.items.map((c) => {
    const own = forums.items.filter((f) => f.category_id === c.id);
    return h(
      'section',
      { class: 'panel', 'aria-labelledby': `category-${c.id}` },
      h('h2', { id: `category-${c.id}` }, c.name),
      own.length
        ? h('ul', { class: 'list' }, own.map((f) => h('li', { class: 'forum' }, link(`/forums/f/${f.id}`, { class: 'forum-link' }, f.name), f.description ? h('p', { class: 'muted' }, f.description) : null)))
        : h('p', { class: 'muted' }, t('forum.no_forums')),
    );
  });
  main.replaceChildren(h('h1', { tabindex: '-1' }, t('forum.title')), ...(sections.length ? sections : [h('p', { class: 'state state-empty' }, t('forum.no_forums'))]));
}

async function subjects(main, forumId) {
  main.replaceChildren(loadingState());
  const forum = await api.get(`/forum/forums/${encodeURIComponent(forumId)}`);
  const list = pagedList('/forum/subjects', { forum: forum.id }, (s) => h('li', { class: 'subject' }, link(`/forums/s/${s.id}`, { class: 'subject-link' }, s.title), h('p', { class: 'entry-meta' }, authorName(s.account_id), ' · ', time(s.created_at))), {
    empty: t('forum.no_subjects'),
    label: t('forum.subjects'),
  });
  const title = h('input', { name: 'title', required: true, maxlength: '200' });
  const content = h('textarea', { name: 'content', required: true, rows: '5', maxlength: '10000' });
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, t('forum.ask'));
  const error = formError();
  const form = h('form', { class: 'form', id: 'new-subject-form' }, error, field(t('forum.subject_title'), title), field(t('forum.first_post'), content, t('app.markdown_hint')), h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!title.value.trim() || !content.value.trim()) {
      showFormError(form, { message: t('forum.fill_both'), field: !title.value.trim() ? 'title' : 'content' });
      return;
    }
    busy(submit, async () => {
      try {
        const subject = await api.post('/forum/subjects', { forum_id: forum.id, title: title.value.trim() });
        await api.post('/forum/posts', { subject_id: subject.id, content: content.value });
        notify(t('forum.asked'));
        navigate(`/forums/s/${subject.id}`);
      } catch (e) {
        showFormError(form, e);
      }
    });
  });
  main.replaceChildren(
    h('p', { class: 'breadcrumb' }, link('/forums', {}, t('forum.title'))),
    h('h1', { tabindex: '-1' }, forum.name),
    forum.description ? h('p', {}, forum.description) : null,
    h('section', { class: 'panel', 'aria-labelledby': 'subjects-title' }, h('h2', { id: 'subjects-title' }, t('forum.subjects')), list.node),
    h('section', { class: 'panel', 'aria-labelledby': 'ask-title' }, h('h2', { id: 'ask-title' }, t('forum.new_subject')), form),
  );
  await list.load();
}

function likeButton(post) {
  let liked = false;
  let likes = post.likes ?? 0;
  const count = h('span', { class: 'like-count' }, String(likes));
  // The visible text is the whole name (a screen reader says the count, and aria-pressed
  // says whether it is liked).
  const button = h('button', { type: 'button', class: 'button button-quiet like', 'aria-pressed': 'false', 'data-action': 'like' }, t('forum.like'), h('span', {}, h('span', { 'aria-hidden': 'true' }, '('), count, h('span', { class: 'visually-hidden' }, ` ${t('forum.likes')}`), h('span', { 'aria-hidden': 'true' }, ')')));
  button.addEventListener('click', () =>
    busy(button, async () => {
      try {
        const state = liked ? await api.del(`/forum/posts/${post.id}/like`) : await api.post(`/forum/posts/${post.id}/like`);
        liked = state.liked;
        likes = state.likes;
        count.textContent = String(likes);
        button.setAttribute('aria-pressed', String(liked));
      } catch (e) {
        notify(e.message || t('error.title'), 'error');
      }
    }),
  );
  return button;
}

async function subject(main, subjectId) {
  main.replaceChildren(loadingState());
  const subjectRow = await api.get(`/forum/subjects/${encodeURIComponent(subjectId)}`);
  const forum = await api.get(`/forum/forums/${subjectRow.forum_id}`).catch(() => null);
  const post = (p) => h('li', {}, entry(p, { actions: [likeButton(p), reportButton('forum_post', p.id, p.account_id)] }));
  const list = pagedList('/forum/posts', { subject: subjectRow.id }, post, { empty: t('forum.no_posts'), label: t('forum.posts'), className: 'list entries', chronological: true });
  const content = h('textarea', { name: 'content', required: true, rows: '4', maxlength: '10000' });
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, t('forum.reply'));
  const error = formError();
  const form = h('form', { class: 'form', id: 'reply-form' }, error, field(t('forum.your_reply'), content, t('app.markdown_hint')), h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!content.value.trim()) return;
    busy(submit, async () => {
      try {
        const created = await api.post('/forum/posts', { subject_id: subjectRow.id, content: content.value });
        const ul = main.querySelector('ul.entries');
        if (ul) ul.append(post(created));
        else main.querySelector('.state-empty')?.replaceWith(h('ul', { class: 'list entries' }, post(created)));
        content.value = '';
        notify(t('forum.replied'));
      } catch (e) {
        showFormError(form, e);
      }
    });
  });
  main.replaceChildren(
    h('p', { class: 'breadcrumb' }, link('/forums', {}, t('forum.title')), forum ? [' › ', link(`/forums/f/${forum.id}`, {}, forum.name)] : null),
    h('h1', { tabindex: '-1' }, subjectRow.title),
    h('section', { class: 'panel', 'aria-label': t('forum.posts') }, list.node),
    h('section', { class: 'panel', 'aria-labelledby': 'reply-title' }, h('h2', { id: 'reply-title' }, t('forum.reply')), form),
  );
  await list.load();
}

export async function render(main, { page, id }) {
  try {
    if (page === 'subjects') await subjects(main, id);
    else if (page === 'subject') await subject(main, id);
    else await categories(main);
  } catch (e) {
    main.replaceChildren(h('h1', { tabindex: '-1' }, t('forum.title')), errorState(e, () => render(main, { page, id })));
  }
}
