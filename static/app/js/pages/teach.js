// The teachers' pages (issue 15): what I teach, writing a course, writing an exercise (script,
// correction, I/O tests, checking the correction against them), an exercise's submissions
// (confirm or change a grade, re-run all), a group's gradebook (CSV), importing a class.
// Every name shown is the server's text inserted as text; Markdown only as `*_html` (rich.js).

import * as api from '../api.js';
import { badge, busy, emptyState, errorMessage, errorState, field, formError, h, link, loadingState, notify, select, showFormError, time, uid } from '../dom.js';
import { t } from '../i18n.js';
import '../teach-i18n.js';
import { referenceData } from '../lists.js';
import { becameTeacher, navigate } from '../main.js';
import { displayName } from '../people.js';
import { rich } from '../rich.js';
import { follow, makeEditor, runView } from './exercise.js';

// ------------------------------------------------------------------ shared pieces

/** Every page of a list (`limit` 100), up to `max` rows. */
async function all(path, query = {}, max = 1000) {
  const rows = [];
  let cursor;
  do {
    const page = await api.get(path, { query: { limit: 100, ...query, cursor } });
    rows.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && rows.length < max);
  return rows;
}

let groupsCache = null;
/** The groups, each with its full name ("School › Class"), sorted by it. */
function groups() {
  groupsCache ??= all('/groups')
    .then((rows) => {
      const byId = new Map(rows.map((g) => [g.id, g]));
      const full = (g, seen = new Set()) => {
        const parent = g.parent_id ? byId.get(g.parent_id) : null;
        if (!parent || seen.has(parent.id)) return g.name;
        seen.add(g.id);
        return `${full(parent, seen)} › ${g.name}`;
      };
      return rows.map((g) => ({ ...g, full: full(g) })).sort((a, b) => a.full.localeCompare(b.full));
    })
    .catch((e) => {
      groupsCache = null;
      throw e;
    });
  return groupsCache;
}

function groupSelect(attributes, rows, selected, noneLabel) {
  return select(attributes, [['', noneLabel], ...rows.map((g) => [g.id, g.full])], selected ?? '');
}

/** A table that scrolls sideways on a phone: a labelled region the keyboard can scroll. */
function scroller(label, ...children) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label }, ...children);
}

function crumbs(...items) {
  return h('p', { class: 'breadcrumb' }, link('/teach', {}, t('nav.teaching')), items.map((item) => [' › ', item]));
}

/** Fills the page; null and false children are skipped (`replaceChildren` would write "null"). */
function show(main, ...nodes) {
  main.replaceChildren(...nodes.filter((n) => n !== null && n !== undefined && n !== false));
}

function heading(title) {
  return h('h1', { tabindex: '-1' }, title);
}

function failed(main, title, error, retry) {
  show(main, heading(title), errorState(error, retry));
}

function personName(account) {
  return displayName(account);
}

function verdictText(run) {
  if (!run) return t('teach.no_run');
  if (run.status !== 'done') return t(`run.status.${run.status}`) || run.status;
  return run.verdict ? t(`run.verdict.${run.verdict}`) || run.verdict : t('run.status.done');
}

/** `io_tests` as the server keeps it (JSON text) or as an array; always an array. */
function parseTests(value) {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string' || !value.trim()) return [];
  try {
    const parsed = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

// ------------------------------------------------------------------ /teach

async function home(main) {
  const me = api.currentUser();
  show(main, heading(t('teach.title')), loadingState());
  let courses;
  let exercises;
  try {
    [courses, exercises] = await Promise.all([all('/courses', { author: me.id }), all('/exercises', { author: me.id })]);
  } catch (e) {
    failed(main, t('teach.title'), e, () => home(main));
    return;
  }
  const courseTitle = new Map(courses.map((c) => [c.id, c.title]));
  const status = (row) => (row.status && row.status !== 'approved' ? [' ', badge(t(`status.${row.status}`) || row.status)] : null);
  const tools = h(
    'ul',
    { class: 'teach-tools' },
    h('li', {}, link('/teach/courses/new', { class: 'button button-primary', id: 'new-course' }, t('teach.new_course'))),
    h('li', {}, link('/teach/exercises/new', { class: 'button', id: 'new-exercise' }, t('teach.new_exercise'))),
    h('li', {}, link('/teach/gradebook', { class: 'button', id: 'open-gradebook' }, t('teach.gradebook'))),
    api.isStaff() ? h('li', {}, link('/teach/import', { class: 'button', id: 'open-import' }, t('teach.import'))) : null,
  );
  const courseList = courses.length
    ? h(
        'ul',
        { class: 'list', id: 'my-courses' },
        courses.map((c) =>
          h('li', { 'data-id': c.id }, link(`/teach/courses/${c.id}`, {}, c.title), status(c), ' · ', link(`/courses/${c.id}`, { class: 'muted' }, t('teach.view'))),
        ),
      )
    : emptyState(t('teach.no_courses'));
  const exerciseList = exercises.length
    ? h(
        'ul',
        { class: 'list', id: 'my-exercises' },
        exercises.map((x) =>
          h(
            'li',
            { 'data-id': x.id },
            link(`/teach/exercises/${x.id}`, {}, x.title),
            status(x),
            courseTitle.has(x.course_id) ? h('span', { class: 'muted' }, ` · ${courseTitle.get(x.course_id)}`) : null,
            ' · ',
            link(`/teach/exercises/${x.id}/submissions`, { class: 'submissions-link' }, t('teach.submissions')),
          ),
        ),
      )
    : emptyState(t('teach.no_exercises'));
  show(main, 
    heading(t('teach.title')),
    h('p', { class: 'hint' }, t('teach.intro')),
    tools,
    h('section', { class: 'panel', 'aria-labelledby': 'my-courses-title' }, h('h2', { id: 'my-courses-title' }, t('teach.my_courses')), courseList),
    h('section', { class: 'panel', 'aria-labelledby': 'my-exercises-title' }, h('h2', { id: 'my-exercises-title' }, t('teach.my_exercises')), exerciseList),
  );
}

// ------------------------------------------------------------------ a course

async function courseEditor(main, id) {
  const title = id ? t('teach.edit_course') : t('teach.new_course');
  show(main, heading(title), loadingState());
  let course = null;
  let reference;
  let groupRows;
  try {
    [course, reference, groupRows] = await Promise.all([id ? api.get(`/courses/${encodeURIComponent(id)}`) : null, referenceData(), groups()]);
  } catch (e) {
    failed(main, title, e, () => courseEditor(main, id));
    return;
  }
  const error = formError();
  const titleInput = h('input', { name: 'title', required: true, maxlength: '200', value: course?.title || '' });
  const content = h('textarea', { name: 'content', rows: '14', value: course?.content || '' });
  const locale = select({ name: 'locale_id' }, reference.locales.map((l) => [l.id, l.name]), course?.locale_id ?? reference.locales[0]?.id);
  const language = select({ name: 'language_id' }, [['', t('teach.no_language')], ...reference.languages.map((l) => [l.id, l.name])], course?.language_id ?? '');
  const group = groupSelect({ name: 'group_id' }, groupRows, course?.group_id, t('teach.for_everyone'));
  const save = h('button', { type: 'submit', class: 'button button-primary', id: 'save-course' }, t('teach.save'));
  const previewArea = h('div', { class: 'preview', id: 'course-preview', 'aria-live': 'polite' });
  const showPreview = (row) => {
    previewArea.replaceChildren(h('h2', {}, t('teach.preview')), row ? rich(row, 'content') : h('p', { class: 'muted' }, t('teach.preview_after_save')));
  };
  showPreview(course);
  const form = h(
    'form',
    { class: 'form panel', id: 'course-form', novalidate: true },
    error,
    field(t('teach.course_title'), titleInput),
    field(t('teach.content'), content, t('app.markdown_hint')),
    h('div', { class: 'field-row' }, field(t('courses.locale'), locale), field(t('courses.language'), language), field(t('teach.group'), group, t('teach.group_hint'))),
    h('div', { class: 'form-actions' }, save, course ? link(`/courses/${course.id}`, { class: 'button button-quiet' }, t('teach.view')) : null),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = {
      title: titleInput.value.trim(),
      content: content.value,
      locale_id: Number(locale.value),
      language_id: language.value ? Number(language.value) : null,
    };
    // `group_id` (the class it is for) is sent when chosen, or to clear one the course has.
    if (group.value) body.group_id = Number(group.value);
    else if (course && 'group_id' in course) body.group_id = null;
    busy(save, async () => {
      try {
        const saved = course ? await api.patch(`/courses/${course.id}`, body) : await api.post('/courses', body);
        notify(t('teach.saved'));
        becameTeacher();
        if (!course) {
          navigate(`/teach/courses/${saved.id}`, { replace: true });
          return;
        }
        course = saved;
        showPreview(saved);
      } catch (e) {
        showFormError(form, e);
      }
    });
  });
  let exercisesPanel = null;
  if (course) {
    const rows = await all('/exercises', { course: course.id }).catch(() => []);
    exercisesPanel = h(
      'section',
      { class: 'panel', 'aria-labelledby': 'course-exercises-title' },
      h('h2', { id: 'course-exercises-title' }, t('course.exercises')),
      rows.length ? h('ul', { class: 'list' }, rows.map((x) => h('li', {}, link(`/teach/exercises/${x.id}`, {}, x.title), ' · ', link(`/teach/exercises/${x.id}/submissions`, {}, t('teach.submissions'))))) : emptyState(t('course.no_exercises')),
      h('p', {}, link(`/teach/exercises/new?course=${course.id}`, { class: 'button', id: 'new-exercise-here' }, t('teach.new_exercise'))),
    );
  }
  show(main, 
    crumbs(course ? course.title : t('teach.new_course')),
    heading(title),
    course?.status && course.status !== 'approved' ? h('p', { class: 'notice' }, t('teach.pending', { status: t(`status.${course.status}`) || course.status })) : null,
    form,
    h('section', { class: 'panel' }, previewArea),
    exercisesPanel,
  );
}

// ------------------------------------------------------------------ an exercise

function testsEditor(initial) {
  const body = h('tbody', {});
  const table = h(
    'table',
    { class: 'tests io-tests', id: 'io-tests' },
    h('caption', {}, t('teach.io_tests')),
    h('thead', {}, h('tr', {}, ['teach.input', 'teach.expected', 'teach.weight', 'teach.hidden', 'teach.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
    body,
  );
  const addRow = (test = {}) => {
    const n = body.children.length + 1;
    const input = h('textarea', { rows: '2', class: 'io-input', 'aria-label': t('teach.input_n', { n }), spellcheck: 'false', value: test.input ?? '' });
    const expected = h('textarea', { rows: '2', class: 'io-expected', 'aria-label': t('teach.expected_n', { n }), spellcheck: 'false', value: test.expected_output ?? '' });
    const weight = h('input', { type: 'number', min: '0', step: 'any', class: 'io-weight', 'aria-label': t('teach.weight_n', { n }), value: String(test.weight ?? 1) });
    const hidden = h('input', { type: 'checkbox', class: 'io-hidden', 'aria-label': t('teach.hidden_n', { n }), checked: Boolean(test.hidden) });
    const remove = h('button', { type: 'button', class: 'button button-quiet', 'aria-label': t('teach.remove_n', { n }) }, t('teach.remove'));
    const row = h('tr', { class: 'io-test' }, h('td', {}, input), h('td', {}, expected), h('td', {}, weight), h('td', {}, hidden), h('td', {}, remove));
    remove.addEventListener('click', () => {
      row.remove();
      add.focus();
    });
    body.append(row);
    return input;
  };
  const add = h('button', { type: 'button', class: 'button', id: 'add-test' }, t('teach.add_test'));
  add.addEventListener('click', () => addRow().focus());
  for (const test of initial) addRow(test);
  const node = h('div', { class: 'io-tests-editor' }, scroller(t('teach.io_tests'), table), h('p', { class: 'hint' }, t('teach.io_hint')), add);
  const value = () =>
    [...body.children].map((row) => ({
      input: row.querySelector('.io-input').value,
      expected_output: row.querySelector('.io-expected').value,
      weight: Number(row.querySelector('.io-weight').value || 0),
      hidden: row.querySelector('.io-hidden').checked,
    }));
  return { node, value };
}

/** The check of the correction: its result said plainly, and the run itself. */
function checkSummary(check) {
  if (!check) return h('p', { class: 'muted', id: 'check-summary' }, t('teach.never_checked'));
  const passed = check.verdict === 'passed';
  return h(
    'p',
    { class: `notice ${passed ? 'notice-success' : 'notice-error'}`, id: 'check-summary', 'data-verdict': check.verdict || '' },
    passed ? t('teach.check_passed') : t('teach.check_failed', { verdict: t(`run.verdict.${check.verdict}`) || check.verdict || '?' }),
    check.score !== undefined && check.score !== null ? ` ${t('teach.check_score', { score: check.score })}` : '',
    check.at ? [' · ', time(check.at)] : null,
  );
}

async function exerciseEditor(main, id, query) {
  const title = id ? t('teach.edit_exercise') : t('teach.new_exercise');
  const me = api.currentUser();
  show(main, heading(title), loadingState());
  let exercise = null;
  let script = null;
  let correction = null;
  let courses;
  let runners;
  try {
    exercise = id ? await api.get(`/exercises/${encodeURIComponent(id)}`) : null;
    [courses, runners, script, correction] = await Promise.all([
      all('/courses', api.isStaff() ? {} : { author: me.id }),
      api.get('/runners').then((r) => r.items || [], () => []),
      exercise?.script_id ? api.get(`/scripts/${exercise.script_id}`).catch(() => null) : null,
      exercise?.correction_id ? api.get(`/corrections/${exercise.correction_id}`).catch(() => null) : null,
    ]);
  } catch (e) {
    failed(main, title, e, () => exerciseEditor(main, id, query));
    return undefined;
  }
  const controller = new AbortController();
  const error = formError();
  const courseId = exercise?.course_id ?? query.get('course') ?? '';
  if (exercise && !courses.some((c) => c.id === exercise.course_id)) {
    const own = await api.get(`/courses/${exercise.course_id}`).catch(() => null);
    if (own) courses.push(own);
  }
  const course = select({ name: 'course_id', required: true }, [['', t('teach.pick_course')], ...courses.map((c) => [c.id, c.title])], courseId);
  const titleInput = h('input', { name: 'title', required: true, maxlength: '200', value: exercise?.title || '' });
  const instruction = h('textarea', { name: 'instruction', rows: '8', value: exercise?.instruction || '' });
  const runner = select({ name: 'runner' }, [['', t('teach.runner_default')], ...runners.map((r) => [r.name, r.label || r.name])], exercise?.runner ?? '');
  const gradeMax = h('input', { name: 'grade_max', type: 'number', min: '1', max: '1000', value: String(exercise?.grade_max ?? 20) });
  const autoGrade = h('input', { name: 'auto_grade', type: 'checkbox', checked: Boolean(exercise?.auto_grade) });
  const limit = (name, value) => h('input', { name, type: 'number', min: '1', inputmode: 'numeric', value: value === null || value === undefined ? '' : String(value) });
  const cpu = limit('cpu_ms', exercise?.cpu_ms);
  const wall = limit('wall_ms', exercise?.wall_ms);
  const memory = limit('memory_mb', exercise?.memory_mb);
  const tests = testsEditor(parseTests(exercise?.io_tests));
  const scriptHost = h('div', { class: 'editor', id: 'script-editor' });
  const correctionHost = h('div', { class: 'editor', id: 'correction-editor' });
  const save = h('button', { type: 'submit', class: 'button button-primary', id: 'save-exercise' }, t('teach.save'));
  const check = h('button', { type: 'button', class: 'button', id: 'check-correction', disabled: !exercise }, t('teach.check'));
  const checkArea = h('div', { class: 'run-area', id: 'check-area', 'aria-live': 'polite' }, checkSummary(exercise?.check));

  const reference = await referenceData().catch(() => ({ languages: [] }));
  const languageOf = () => {
    const languageId = courses.find((c) => String(c.id) === String(course.value))?.language_id;
    return runner.value || reference.languages.find((l) => l.id === languageId)?.name || '';
  };
  const form = h(
    'form',
    { class: 'form', id: 'exercise-form', novalidate: true },
    error,
    h(
      'section',
      { class: 'panel form', 'aria-labelledby': 'exercise-what' },
      h('h2', { id: 'exercise-what' }, t('teach.the_exercise')),
      field(t('teach.course'), course),
      field(t('teach.exercise_title'), titleInput),
      field(t('teach.instruction'), instruction, t('app.markdown_hint')),
      h('div', { class: 'field-row' }, field(t('teach.runner'), runner), field(t('teach.grade_max'), gradeMax)),
      h('div', { class: 'field field-check' }, autoGrade, h('label', { for: (autoGrade.id = uid('auto')) }, t('teach.auto_grade'))),
      h('fieldset', { class: 'field-row limits' }, h('legend', {}, t('teach.limits')), field(t('teach.cpu_ms'), cpu), field(t('teach.wall_ms'), wall), field(t('teach.memory_mb'), memory)),
    ),
    h('section', { class: 'panel', 'aria-labelledby': 'exercise-tests' }, h('h2', { id: 'exercise-tests' }, t('teach.io_tests')), tests.node),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'exercise-correction' },
      h('h2', { id: 'exercise-correction' }, t('teach.correction')),
      h('p', { class: 'hint', id: 'correction-help' }, t('teach.correction_help')),
      correctionHost,
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'exercise-script' },
      h('h2', { id: 'exercise-script' }, t('teach.script')),
      h('p', { class: 'hint', id: 'script-help' }, t('teach.script_help')),
      scriptHost,
    ),
    h('div', { class: 'form-actions' }, save, exercise ? link(`/exercises/${exercise.id}`, { class: 'button button-quiet' }, t('teach.view')) : null, exercise ? link(`/teach/exercises/${exercise.id}/submissions`, { class: 'button button-quiet' }, t('teach.submissions')) : null),
  );
  show(main, 
    crumbs(exercise ? exercise.title : t('teach.new_exercise')),
    heading(title),
    exercise?.status && exercise.status !== 'approved' ? h('p', { class: 'notice' }, t('teach.pending', { status: t(`status.${exercise.status}`) || exercise.status })) : null,
    form,
    h('section', { class: 'panel', 'aria-labelledby': 'check-title' }, h('h2', { id: 'check-title' }, t('teach.check_title')), h('p', { class: 'hint' }, t('teach.check_help')), h('div', { class: 'form-actions' }, check), checkArea),
  );
  const language = String(languageOf());
  const correctionEditor = await makeEditor(correctionHost, { language, initial: correction?.content || '', label: t('teach.correction'), help: 'correction-help' });
  const scriptEditor = await makeEditor(scriptHost, { language, initial: script?.content || '', label: t('teach.script'), help: 'script-help' });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(save, async () => {
      try {
        // The script and the correction are their own rows, owned by the author.
        const correctionText = correctionEditor.value;
        if (correctionText.trim()) {
          correction = correction ? await api.patch(`/corrections/${correction.id}`, { content: correctionText }) : await api.post('/corrections', { content: correctionText });
        }
        const scriptText = scriptEditor.value;
        if (scriptText.trim()) {
          script = script ? await api.patch(`/scripts/${script.id}`, { content: scriptText }) : await api.post('/scripts', { content: scriptText });
        }
        const number = (input) => (input.value.trim() ? Number(input.value) : null);
        const rows = tests.value();
        const body = {
          course_id: Number(course.value) || null,
          title: titleInput.value.trim(),
          instruction: instruction.value,
          runner: runner.value || null,
          grade_max: Number(gradeMax.value),
          auto_grade: autoGrade.checked ? 1 : 0,
          io_tests: rows.length ? JSON.stringify(rows) : null,
          cpu_ms: number(cpu),
          wall_ms: number(wall),
          memory_mb: number(memory),
          correction_id: correction && correctionText.trim() ? correction.id : null,
          script_id: script && scriptText.trim() ? script.id : null,
        };
        if (!exercise) {
          for (const key of Object.keys(body)) if (body[key] === null) delete body[key];
        }
        const saved = exercise ? await api.patch(`/exercises/${exercise.id}`, body) : await api.post('/exercises', body);
        notify(t('teach.saved'));
        becameTeacher();
        if (!exercise) {
          navigate(`/teach/exercises/${saved.id}`, { replace: true });
          return;
        }
        exercise = { ...exercise, ...saved };
      } catch (e) {
        showFormError(form, e);
      }
    });
  });

  check.addEventListener('click', () =>
    busy(check, async () => {
      checkArea.replaceChildren(h('p', { class: 'muted' }, t('teach.check_queued')));
      try {
        const queued = await api.post(`/exercises/${exercise.id}/check`, {});
        const view = h('div', { id: 'check-run' });
        checkArea.replaceChildren(view);
        const final = await follow({ status: 'queued', ...queued }, (run) => view.replaceChildren(runView(run, exercise, new Map())), controller.signal);
        if (final.status === 'done') {
          checkArea.prepend(checkSummary({ run_id: final.id, verdict: final.verdict, score: final.score, at: final.finished_at }));
        }
      } catch (e) {
        checkArea.replaceChildren(h('p', { class: 'notice notice-error', role: 'alert' }, errorMessage(e)));
      }
    }),
  );

  return () => {
    controller.abort();
    correctionEditor.destroy();
    scriptEditor.destroy();
  };
}

// ------------------------------------------------------------------ submissions

async function submissions(main, id, query) {
  const title = t('teach.submissions_title');
  show(main, heading(title), loadingState());
  let exercise;
  let groupRows;
  try {
    [exercise, groupRows] = await Promise.all([api.get(`/exercises/${encodeURIComponent(id)}`), groups()]);
  } catch (e) {
    failed(main, title, e, () => submissions(main, id, query));
    return undefined;
  }
  const controller = new AbortController();
  const groupId = query.get('group') || '';
  const filter = groupSelect({ id: 'submissions-group', name: 'group' }, groupRows, groupId, t('teach.all_groups'));
  filter.addEventListener('change', () => navigate(`/teach/exercises/${exercise.id}/submissions${filter.value ? `?group=${filter.value}` : ''}`, { replace: true }));
  const rerun = h('button', { type: 'button', class: 'button', id: 'rerun-all' }, t('teach.rerun_all'));
  const progress = h('p', { class: 'muted', id: 'rerun-progress', role: 'status' });
  const table = scroller(t('teach.latest_per_member'), loadingState());
  table.id = 'submissions';
  const review = h('div', { id: 'review' });

  const load = async () => {
    const data = await api.get(`/exercises/${exercise.id}/submissions`, { query: { group: groupId || undefined }, signal: controller.signal });
    const max = data.grade_max ?? exercise.grade_max;
    if (!data.items.length) {
      table.replaceChildren(emptyState(t('teach.no_submissions')));
      return data;
    }
    table.replaceChildren(
      h(
        'table',
        { class: 'grid submissions' },
        h('caption', {}, t('teach.latest_per_member')),
        h('thead', {}, h('tr', {}, ['teach.member', 'teach.group', 'teach.submitted', 'teach.verdict', 'teach.score', 'teach.grade', 'teach.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h(
          'tbody',
          {},
          data.items.map((item) => {
            const open = h('button', { type: 'button', class: 'button button-quiet', 'data-action': 'review', 'aria-controls': 'review' }, t('teach.review'));
            open.addEventListener('click', () => showReview(item, max, open));
            const grade = item.grade;
            return h(
              'tr',
              { 'data-account': item.account.id, 'data-attempt': item.attempt_id },
              h('th', { scope: 'row' }, h('span', { class: 'member-name' }, personName(item.account)), h('span', { class: 'muted' }, ` (${item.account.username})`)),
              h('td', {}, item.account.group_name || t('teach.no_group')),
              h('td', {}, item.submitted_at ? time(item.submitted_at) : ''),
              h('td', { class: 'verdict', 'data-verdict': item.run?.verdict || '' }, verdictText(item.run)),
              h('td', {}, item.run?.score !== undefined && item.run?.score !== null ? `${item.run.score} / ${max}` : '—'),
              h(
                'td',
                { class: 'grade-cell', 'data-proposed': grade ? String(Boolean(grade.proposed)) : '' },
                grade ? [`${grade.value} / ${max} `, badge(grade.proposed ? t('teach.proposed') : t('teach.confirmed'), grade.proposed ? 'info' : 'success')] : t('teach.not_graded'),
              ),
              h('td', {}, open),
            );
          }),
        ),
      ),
    );
    return data;
  };

  const showReview = async (item, max, opener) => {
    const name = personName(item.account);
    const code = h('pre', { class: 'code', tabindex: '0', id: 'review-code' }, t('app.loading'));
    const log = h('pre', { class: 'log-text', tabindex: '0', id: 'review-log' }, item.run ? t('app.loading') : t('teach.no_run'));
    const error = formError();
    const value = h('input', { type: 'number', name: 'value', min: '0', max: String(max), required: true, value: String(item.grade?.value ?? item.run?.score ?? '') });
    const comment = h('textarea', { name: 'comment', rows: '4', maxlength: '10000', value: item.grade?.comment || '' });
    const confirm = h('button', { type: 'submit', class: 'button button-primary', id: 'confirm-grade' }, item.grade?.proposed ? t('teach.confirm_grade') : t('teach.save_grade'));
    const close = h('button', { type: 'button', class: 'button button-quiet' }, t('app.close'));
    const form = h('form', { class: 'form', id: 'grade-form' }, error, field(t('teach.grade_out_of', { max }), value), field(t('teach.comment'), comment, t('app.markdown_hint')), h('div', { class: 'form-actions' }, confirm, close));
    const panel = h(
      'section',
      { class: 'panel review', 'aria-labelledby': 'review-title' },
      h('h2', { id: 'review-title', tabindex: '-1' }, t('teach.review_of', { name })),
      h('p', { class: 'muted' }, item.account.group_name || t('teach.no_group'), ' · ', verdictText(item.run)),
      h('h3', {}, t('teach.code')),
      code,
      h('details', { class: 'log', open: true }, h('summary', {}, t('run.log')), log),
      item.run?.tests ? null : h('div', { id: 'review-tests' }),
      h('h3', {}, t('teach.grade')),
      form,
    );
    review.replaceChildren(panel);
    panel.querySelector('h2').focus();
    close.addEventListener('click', () => {
      review.replaceChildren();
      opener.focus();
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      busy(confirm, async () => {
        try {
          const body = { value: Number(value.value) };
          if (comment.value.trim() || item.grade?.comment) body.comment = comment.value;
          if (item.grade) await api.patch(`/grades/${item.grade.id}`, body);
          else await api.post('/grades', { account_id: item.account.id, exercise_id: exercise.id, ...body, ...(item.run?.log_id ? { log_id: item.run.log_id } : {}) });
          notify(t('teach.grade_saved', { name }));
          review.replaceChildren();
          await load();
          table.querySelector(`tr[data-account="${item.account.id}"] [data-action=review]`)?.focus();
        } catch (e) {
          showFormError(form, e);
        }
      });
    });
    api
      .get(`/attempts/${item.attempt_id}/code/${item.code_id}`)
      .then((row) => (code.textContent = row.content))
      .catch((e) => (code.textContent = errorMessage(e)));
    if (item.run) {
      api
        .get(`/runs/${item.run.id}`)
        .then((run) => {
          log.textContent = typeof run.log === 'string' ? run.log : t('run.log_unavailable');
          const holder = panel.querySelector('#review-tests');
          if (holder) holder.replaceChildren(runView({ ...run, log: undefined, log_id: null }, exercise, new Map()));
        })
        .catch(() => (log.textContent = t('run.log_unavailable')));
    }
  };

  rerun.addEventListener('click', () =>
    busy(rerun, async () => {
      try {
        const answer = await api.post(`/exercises/${exercise.id}/rerun`, {});
        const ids = answer.runs || [];
        progress.dataset.queued = String(answer.queued);
        progress.textContent = t('teach.rerun_queued', { n: answer.queued });
        // Follow the runs' statuses until every one is done.
        const done = new Set();
        while (done.size < ids.length && !controller.signal.aborted) {
          for (const runId of ids) {
            if (done.has(runId)) continue;
            const run = await api.get(`/runs/${runId}`, { signal: controller.signal }).catch(() => null);
            if (!run || run.status === 'done') done.add(runId);
          }
          progress.dataset.done = String(done.size);
          progress.textContent = t('teach.rerun_progress', { done: done.size, n: ids.length });
          if (done.size < ids.length) await new Promise((r) => setTimeout(r, 1000));
        }
        await load();
      } catch (e) {
        progress.textContent = errorMessage(e);
      }
    }),
  );

  show(main, 
    crumbs(link(`/teach/exercises/${exercise.id}`, {}, exercise.title)),
    heading(t('teach.submissions_of', { title: exercise.title })),
    h('div', { class: 'filters' }, h('div', { class: 'field' }, h('label', { for: 'submissions-group' }, t('teach.group')), filter), h('div', { class: 'form-actions' }, rerun)),
    progress,
    h('section', { class: 'panel', 'aria-label': t('teach.submissions') }, table),
    review,
  );
  try {
    await load();
  } catch (e) {
    if (!controller.signal.aborted) table.replaceChildren(errorState(e, () => load()));
  }
  return () => controller.abort();
}

// ------------------------------------------------------------------ gradebook

async function gradebook(main, query) {
  const title = t('teach.gradebook');
  show(main, heading(title), loadingState());
  let groupRows;
  try {
    groupRows = await groups();
  } catch (e) {
    failed(main, title, e, () => gradebook(main, query));
    return;
  }
  const groupId = query.get('group') || '';
  // `latest` (the server's default): the grade as it stands; `best`: the highest of it and every run's score.
  const mode = query.get('mode') === 'best' ? 'best' : 'latest';
  const pick = groupSelect({ id: 'gradebook-group', name: 'group' }, groupRows, groupId, t('teach.pick_group'));
  const modeSelect = select({ id: 'gradebook-mode', name: 'mode' }, [['latest', t('teach.mode_latest')], ['best', t('teach.mode_best')]], mode);
  const go = () => {
    const q = new URLSearchParams();
    if (pick.value) q.set('group', pick.value);
    if (modeSelect.value !== 'latest') q.set('mode', modeSelect.value);
    navigate(`/teach/gradebook${q.toString() ? `?${q}` : ''}`, { replace: true });
  };
  pick.addEventListener('change', go);
  modeSelect.addEventListener('change', go);
  const area = scroller(t('teach.gradebook'));
  area.id = 'gradebook';
  const download = h('button', { type: 'button', class: 'button', id: 'gradebook-csv', disabled: !groupId }, t('teach.download_csv'));
  show(main, 
    crumbs(t('teach.gradebook')),
    heading(title),
    h('div', { class: 'filters' }, field(t('teach.group'), pick), field(t('teach.mode'), modeSelect), h('div', { class: 'form-actions' }, download)),
    h('section', { class: 'panel', 'aria-label': t('teach.gradebook') }, area),
  );
  if (!groupId) {
    area.replaceChildren(emptyState(t('teach.pick_group_hint')));
    return;
  }
  download.addEventListener('click', () =>
    busy(download, async () => {
      try {
        const response = await api.request('GET', `/groups/${groupId}/gradebook.csv`, { query: { mode }, raw: true });
        const blob = await response.blob();
        const disposition = response.headers.get('Content-Disposition') || '';
        const name = /filename="?([^";]+)"?/i.exec(disposition)?.[1] || `gradebook-${groupId}.csv`;
        const href = URL.createObjectURL(blob);
        const a = h('a', { href, download: name, hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(href), 60000);
      } catch (e) {
        notify(errorMessage(e), 'error');
      }
    }),
  );
  try {
    const data = await api.get(`/groups/${groupId}/gradebook`, { query: { mode } });
    if (!data.members.length) {
      area.replaceChildren(emptyState(t('teach.no_members')));
      return;
    }
    area.replaceChildren(
      h(
        'table',
        { class: 'grid gradebook' },
        h('caption', {}, t('teach.gradebook_of', { group: data.group.name, mode: mode === 'best' ? t('teach.mode_best') : t('teach.mode_latest') })),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, t('teach.member')),
            data.exercises.map((x) => h('th', { scope: 'col', 'data-exercise': x.id }, x.title, h('span', { class: 'muted' }, ` /${x.grade_max}`))),
            h('th', { scope: 'col' }, t('teach.total'), h('span', { class: 'muted' }, ` /${data.total_max}`)),
          ),
        ),
        h(
          'tbody',
          {},
          data.members.map((m) =>
            h(
              'tr',
              { 'data-account': m.id },
              h('th', { scope: 'row' }, personName(m), m.group_name && m.group_name !== data.group.name ? h('span', { class: 'muted' }, ` (${m.group_name})`) : null),
              m.scores.map((s) => h('td', { class: 'score' }, s === null || s === undefined ? '—' : String(s))),
              h('td', { class: 'total' }, String(m.total)),
            ),
          ),
        ),
      ),
    );
  } catch (e) {
    area.replaceChildren(errorState(e, () => gradebook(main, query)));
  }
}

// ------------------------------------------------------------------ class import

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file, 'utf-8');
  });
}

function importReport(answer, dryRun) {
  const created = answer.created || [];
  const refused = answer.refused || [];
  return h(
    'div',
    { class: 'import-report', id: dryRun ? 'import-preview' : 'import-result' },
    h('p', { class: refused.length ? 'notice notice-error' : 'notice notice-success', role: 'status' }, t(dryRun ? 'teach.preview_counts' : 'teach.import_counts', { created: created.length, refused: refused.length })),
    refused.length
      ? scroller(
          t('teach.refused_rows'),
          h(
          'table',
          { class: 'grid refused', id: 'refused-rows' },
          h('caption', {}, t('teach.refused_rows')),
          h('thead', {}, h('tr', {}, ['teach.line', 'auth.username', 'teach.field', 'teach.reason'].map((k) => h('th', { scope: 'col' }, t(k))))),
          h('tbody', {}, refused.map((r) => h('tr', { 'data-line': r.line }, h('td', {}, String(r.line)), h('td', {}, r.username || ''), h('td', {}, r.field || ''), h('td', {}, r.reason || '')))),
        ))
      : null,
    created.length
      ? scroller(
          dryRun ? t('teach.would_create') : t('teach.created_rows'),
          h(
          'table',
          { class: 'grid created', id: 'created-rows' },
          h('caption', {}, dryRun ? t('teach.would_create') : t('teach.created_rows')),
          h('thead', {}, h('tr', {}, ['teach.line', 'auth.username', 'teach.member', 'auth.email'].map((k) => h('th', { scope: 'col' }, t(k))))),
          h('tbody', {}, created.map((c) => h('tr', { 'data-line': c.line }, h('td', {}, String(c.line)), h('td', {}, c.account?.username || ''), h('td', {}, personName(c.account)), h('td', {}, c.account?.email || '')))),
        ))
      : null,
  );
}

/** The sheet handed out: one card per pupil, the setup link as text. */
function setupSheet(answer, groupName) {
  const cards = (answer.created || []).filter((c) => c.setup_url);
  if (!cards.length) return null;
  const print = h('button', { type: 'button', class: 'button button-primary no-print', id: 'print-sheet' }, t('teach.print'));
  print.addEventListener('click', () => window.print());
  return h(
    'section',
    { class: 'panel print-sheet', id: 'setup-sheet', 'aria-labelledby': 'sheet-title' },
    h('h2', { id: 'sheet-title' }, t('teach.sheet_title', { group: groupName })),
    h('p', { class: 'hint no-print' }, t('teach.sheet_hint')),
    print,
    h(
      'ul',
      { class: 'sheet-cards' },
      cards.map((c) => {
        const url = new URL(c.setup_url, location.origin).href;
        return h(
          'li',
          { class: 'sheet-card', 'data-username': c.account.username },
          h('p', { class: 'sheet-name' }, personName(c.account)),
          h('p', {}, t('teach.sheet_username'), ' ', h('strong', { class: 'sheet-username' }, c.account.username)),
          h('p', {}, t('teach.sheet_link')),
          h('p', { class: 'sheet-url' }, url),
          c.expires_at ? h('p', { class: 'muted' }, t('teach.sheet_expires'), ' ', time(c.expires_at)) : null,
        );
      }),
    ),
  );
}

async function classImport(main) {
  const title = t('teach.import');
  show(main, heading(title), loadingState());
  let groupRows;
  try {
    groupRows = await groups();
  } catch (e) {
    failed(main, title, e, () => classImport(main));
    return;
  }
  const error = formError();
  const group = groupSelect({ name: 'group', required: true }, groupRows, '', t('teach.pick_group'));
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,text/csv,text/plain', id: 'import-file' });
  const sendEmail = h('input', { type: 'checkbox', name: 'send_email', id: 'import-email' });
  const preview = h('button', { type: 'submit', class: 'button', id: 'import-preview-button' }, t('teach.dry_run'));
  const run = h('button', { type: 'button', class: 'button button-primary', id: 'import-run', disabled: true }, t('teach.import_now'));
  const out = h('div', { id: 'import-out', 'aria-live': 'polite' });
  let csv = null;
  const form = h(
    'form',
    { class: 'form panel no-print', id: 'import-form', novalidate: true },
    error,
    field(t('teach.group'), group),
    field(t('teach.csv_file'), file, t('teach.csv_hint')),
    h('div', { class: 'field field-check' }, sendEmail, h('label', { for: 'import-email' }, t('teach.send_email'))),
    h('div', { class: 'form-actions' }, preview, run),
  );
  const send = async (dryRun) => {
    if (!group.value) {
      showFormError(form, { message: t('teach.pick_group_first'), field: 'group' });
      return null;
    }
    if (csv === null) {
      if (!file.files?.[0]) {
        showFormError(form, { message: t('teach.pick_file_first'), field: 'file' });
        return null;
      }
      csv = await readFile(file.files[0]);
    }
    error.hidden = true;
    return api.post(`/groups/${group.value}/import`, { csv, send_email: sendEmail.checked, dry_run: dryRun });
  };
  file.addEventListener('change', () => {
    csv = null;
    run.disabled = true;
  });
  group.addEventListener('change', () => (run.disabled = true));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(preview, async () => {
      try {
        const answer = await send(true);
        if (!answer) return;
        out.replaceChildren(importReport(answer, true));
        run.disabled = !(answer.created || []).length;
      } catch (e) {
        showFormError(form, e);
      }
    });
  });
  run.addEventListener('click', () =>
    busy(run, async () => {
      try {
        const answer = await send(false);
        if (!answer) return;
        const name = groupRows.find((g) => String(g.id) === group.value)?.full || '';
        out.replaceChildren(importReport(answer, false), setupSheet(answer, name) || '');
        notify(t('teach.imported', { n: (answer.created || []).length }));
      } catch (e) {
        showFormError(form, e);
      }
      run.disabled = true;
    }),
  );
  show(main, crumbs(title), heading(title), h('p', { class: 'hint no-print' }, t('teach.import_intro')), form, out);
}

// ------------------------------------------------------------------ the router's entry

export async function render(main, params, query) {
  switch (params.page) {
    case 'teach-course':
      return courseEditor(main, params.id);
    case 'teach-exercise':
      return exerciseEditor(main, params.id, query);
    case 'teach-submissions':
      return submissions(main, params.id, query);
    case 'teach-gradebook':
      return gradebook(main, query);
    case 'teach-import':
      return classImport(main);
    default:
      return home(main);
  }
}
