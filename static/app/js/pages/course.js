// One course: its text (the server's sanitized Markdown), its exercises, its comments.

import * as api from '../api.js';
import { errorState, h, link, loadingState, time } from '../dom.js';
import { t } from '../i18n.js';
import { comments, pagedList, reportButton } from '../lists.js';
import { authorName } from '../people.js';
import { rich } from '../rich.js';

export async function render(main, { id }) {
  main.replaceChildren(loadingState());
  let course;
  try {
    course = await api.get(`/courses/${encodeURIComponent(id)}`);
  } catch (e) {
    main.replaceChildren(h('h1', { tabindex: '-1' }, t('courses.course')), errorState(e, () => render(main, { id })));
    return;
  }
  const exercises = pagedList(
    '/exercises',
    { course: course.id },
    (x) => h('li', {}, link(`/exercises/${x.id}`, { class: 'exercise-link' }, x.title), ' ', h('span', { class: 'muted' }, t('exercise.points', { n: x.grade_max }))),
    { empty: t('course.no_exercises'), label: t('course.exercises') },
  );
  const talk = comments(`/courses/${course.id}/comments`, 'course_comment');
  main.replaceChildren(
    h('p', { class: 'breadcrumb' }, link('/courses', {}, t('courses.title'))),
    h(
      'article',
      { class: 'course' },
      h('header', { class: 'page-header' }, h('h1', { tabindex: '-1' }, course.title), h('p', { class: 'entry-meta' }, authorName(course.account_id), ' · ', time(course.updated_at || course.created_at))),
      rich(course, 'content'),
      h('div', { class: 'entry-actions' }, reportButton('course', course.id, course.account_id)),
    ),
    h('section', { class: 'panel', 'aria-labelledby': 'exercises-title' }, h('h2', { id: 'exercises-title' }, t('course.exercises')), exercises.node),
    talk.node,
  );
  await Promise.allSettled([exercises.load(), talk.load()]);
}
