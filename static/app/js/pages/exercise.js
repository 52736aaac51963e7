// One exercise: the instructions, a code editor (CodeMirror 6, vendored), submitting code,
// the run's live status (SPEC 9: runs and their server-sent events), earlier attempts, the
// grade, and the correction once graded.

import * as api from '../api.js';
import { busy, errorState, h, link, loadingState, notify, time, uid } from '../dom.js';
import { t } from '../i18n.js';
import { comments, referenceData, reportButton } from '../lists.js';
import { rich } from '../rich.js';

const MODES = [
  [/python/i, 'lang-python.js'],
  [/javascript|node|^js$/i, 'lang-javascript.js'],
  [/^java$/i, 'lang-java.js'],
  [/^(c|c\+\+|cpp)$/i, 'lang-cpp.js'],
];

export function modeFor(name) {
  return MODES.find(([pattern]) => pattern.test(String(name || '').trim()))?.[1] || null;
}

/**
 * The code editor, or a plain text area when the editor cannot load.
 *
 * CodeMirror puts its styles in a `<style>` element when it lives in the document, which the
 * page's CSP (no inline style) refuses; inside a shadow root it uses a constructed style sheet
 * instead, which the CSP allows. So the editor lives in a shadow root of `parent`.
 */
export async function makeEditor(parent, { language, initial, label, onSubmit = () => {}, help = 'editor-help' }) {
  try {
    const cm = await import('../../vendor/codemirror/dist/editor.js');
    const shadow = parent.attachShadow({ mode: 'open' });
    const mount = document.createElement('div');
    shadow.append(mount);
    const extensions = [
      cm.EditorView.theme({
        '&': { minHeight: '12rem', maxHeight: '60vh', fontSize: '0.95rem', backgroundColor: '#ffffff', color: '#1c2430' },
        '.cm-scroller': { fontFamily: 'ui-monospace, Menlo, Consolas, monospace' },
        '.cm-content': { minHeight: '12rem' },
        '&.cm-focused': { outline: '3px solid #c2410c', outlineOffset: '-3px' },
      }),
      cm.basicSetup,
      cm.keymap.of([{ key: 'Mod-Enter', run: () => (onSubmit(), true) }, cm.indentWithTab]),
      cm.EditorView.contentAttributes.of({ 'aria-label': label, 'aria-describedby': help }),
      cm.EditorView.lineWrapping,
    ];
    const mode = modeFor(language);
    if (mode) {
      try {
        extensions.push((await import(`../../vendor/codemirror/dist/${mode}`)).language());
      } catch {
        // Without highlighting, the editor still edits.
      }
    }
    const view = new cm.EditorView({ doc: initial, extensions, parent: mount, root: shadow });
    return {
      // No-break spaces (from code pasted out of a web page, or typed into the editable
      // area by some input methods) are plain spaces: a compiler refuses them.
      get value() {
        return view.state.doc.toString().replace(/\u00a0/g, ' ');
      },
      set value(text) {
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
      },
      focus: () => view.focus(),
      destroy: () => view.destroy(),
    };
  } catch {
    const area = h('textarea', { class: 'code-fallback', 'aria-label': label, rows: '14', spellcheck: 'false' });
    area.value = initial;
    parent.append(area);
    return {
      get value() {
        return area.value.replace(/\u00a0/g, ' ');
      },
      set value(text) {
        area.value = text;
      },
      focus: () => area.focus(),
      destroy: () => {},
    };
  }
}

// ------------------------------------------------------------------ runs (SPEC 9)

class GradingUnavailable extends Error {}

async function runsOf(attemptId) {
  try {
    return (await api.get('/runs', { query: { attempt: attemptId, limit: 20 } })).items || [];
  } catch (e) {
    if (e.status === 404) throw new GradingUnavailable();
    throw e;
  }
}

/** Reads the run's server-sent events with the bearer token (EventSource cannot send one). */
async function followEvents(runId, onRun, signal) {
  const token = await api.bearer();
  const response = await fetch(`/api/v1/runs/${runId}/events`, {
    headers: { Accept: 'text/event-stream', Authorization: `Bearer ${token}` },
    cache: 'no-store',
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      if (!data) continue;
      try {
        if (onRun(JSON.parse(data))) return;
      } catch {
        // A line that is not a run's JSON (a comment, a keep-alive) changes nothing.
      }
    }
  }
}

/** Follows a run to its end: the event stream, else polling; calls `show(run)` on changes. */
export async function follow(run, show, signal) {
  let current = run;
  show(current);
  if (current.status === 'done') return current;
  try {
    await followEvents(
      current.id,
      (update) => {
        current = { ...current, ...update };
        show(current);
        return current.status === 'done';
      },
      signal,
    );
  } catch (e) {
    if (signal.aborted) return current;
  }
  while (current.status !== 'done' && !signal.aborted) {
    try {
      current = await api.get(`/runs/${current.id}`, { signal });
      show(current);
    } catch (e) {
      if (signal.aborted) return current;
    }
    if (current.status !== 'done') await new Promise((r) => setTimeout(r, 1500));
  }
  if (current.status === 'done' && !current.tests) {
    try {
      current = await api.get(`/runs/${current.id}`, { signal });
      show(current);
    } catch {
      // The last state shown stands.
    }
  }
  return current;
}

export function runView(run, exercise, logs) {
  const status = t(`run.status.${run.status}`) || run.status;
  const verdict = run.verdict ? t(`run.verdict.${run.verdict}`) : '';
  const tests = Array.isArray(run.tests) ? run.tests : [];
  const node = h(
    'div',
    { class: `run run-${run.status} ${run.verdict ? `verdict-${run.verdict}` : ''}`, 'data-status': run.status, 'data-verdict': run.verdict || '' },
    h('p', { class: 'run-status' }, h('strong', {}, t('run.status')), ' ', status, verdict ? [' · ', h('strong', {}, verdict)] : null),
    run.status === 'done' && run.score !== undefined && run.score !== null ? h('p', { class: 'run-score' }, t('run.score', { score: run.score, max: run.grade_max ?? exercise.grade_max })) : null,
    tests.length
      ? h(
          'table',
          { class: 'tests' },
          h('caption', {}, t('run.tests')),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('run.test')), h('th', { scope: 'col' }, t('run.result')), h('th', { scope: 'col' }, t('run.message')))),
          h(
            'tbody',
            {},
            tests.map((test, i) =>
              h(
                'tr',
                { class: `test-${test.status}`, 'data-status': test.status },
                h('td', {}, test.name || t('run.test_n', { n: i + 1 })),
                h('td', {}, t(`run.test.${test.status}`) || String(test.status)),
                h('td', {}, test.message ? h('pre', { class: 'test-message' }, String(test.message)) : ''),
              ),
            ),
          ),
        )
      : null,
  );
  // The run's own JSON carries its log's text (`GET /runs/{id}`); else the script's log.
  if (typeof run.log === 'string') {
    node.append(h('details', { class: 'log' }, h('summary', {}, t('run.log')), h('pre', { class: 'log-text', tabindex: '0' }, run.log)));
  } else if (run.log_id && exercise.script_id) {
    const details = h('details', { class: 'log' }, h('summary', {}, t('run.log')));
    details.addEventListener(
      'toggle',
      async () => {
        if (!details.open || details.dataset.loaded) return;
        details.dataset.loaded = 'true';
        const pre = h('pre', { class: 'log-text', tabindex: '0' }, t('app.loading'));
        details.append(pre);
        try {
          const log = logs.get(run.log_id) || (await api.get(`/scripts/${exercise.script_id}/logs/${run.log_id}`));
          logs.set(run.log_id, log);
          pre.textContent = log.content || '';
        } catch (e) {
          pre.textContent = t('run.log_unavailable');
        }
      },
    );
    node.append(details);
  }
  return node;
}

// ------------------------------------------------------------------ the page

export async function render(main, { id }) {
  main.replaceChildren(loadingState());
  const me = api.currentUser();
  let exercise;
  let course = null;
  try {
    exercise = await api.get(`/exercises/${encodeURIComponent(id)}`);
    course = await api.get(`/courses/${exercise.course_id}`).catch(() => null);
  } catch (e) {
    main.replaceChildren(h('h1', { tabindex: '-1' }, t('exercise.title')), errorState(e, () => render(main, { id })));
    return undefined;
  }
  const reference = await referenceData().catch(() => ({ languages: [] }));
  const language = exercise.runner || reference.languages.find((l) => l.id === course?.language_id)?.name || '';

  const controller = new AbortController();
  const logs = new Map();
  let attempt = null;

  const saved = h('p', { class: 'saved', role: 'status', id: 'save-status' });
  const runArea = h('div', { class: 'run-area', id: 'run-area', 'aria-live': 'polite' });
  const attemptsList = h('ol', { class: 'list attempts', id: 'attempts', reversed: true });
  const gradeArea = h('div', { id: 'grade-area' });
  const editorHost = h('div', { class: 'editor', id: 'editor' });
  const submit = h('button', { type: 'button', class: 'button button-primary', id: 'submit-code' }, t('exercise.submit'));
  const editorLabel = uid('editor-label');

  main.replaceChildren(
    h('p', { class: 'breadcrumb' }, link('/courses', {}, t('courses.title')), course ? [' › ', link(`/courses/${course.id}`, {}, course.title)] : null),
    h('header', { class: 'page-header' }, h('h1', { tabindex: '-1' }, exercise.title), h('p', { class: 'entry-meta' }, t('exercise.points', { n: exercise.grade_max }), language ? ` · ${language}` : '')),
    h('section', { class: 'panel instructions', 'aria-labelledby': 'instructions-title' }, h('h2', { id: 'instructions-title' }, t('exercise.instructions')), rich(exercise, 'instruction'), h('div', { class: 'entry-actions' }, reportButton('exercise', exercise.id, exercise.account_id))),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': editorLabel },
      h('h2', { id: editorLabel }, t('exercise.your_code')),
      h('p', { class: 'hint', id: 'editor-help' }, t('exercise.editor_help')),
      editorHost,
      h('div', { class: 'form-actions' }, submit),
      saved,
      runArea,
    ),
    h('section', { class: 'panel', 'aria-labelledby': 'grade-title' }, h('h2', { id: 'grade-title' }, t('exercise.grade')), gradeArea),
    h('section', { class: 'panel', 'aria-labelledby': 'attempts-title' }, h('h2', { id: 'attempts-title' }, t('exercise.attempts')), attemptsList),
  );

  let editor = null;
  const submitCode = () => submit.click();
  editor = await makeEditor(editorHost, { language, initial: '', label: t('exercise.your_code'), onSubmit: submitCode });

  const showVersions = async () => {
    if (!attempt) {
      attemptsList.replaceChildren(h('li', { class: 'state-empty' }, t('exercise.no_attempts')));
      return [];
    }
    const page = await api.get(`/attempts/${attempt.id}/code`, { query: { limit: 50 } });
    const versions = [...page.items].sort((a, b) => b.created_at - a.created_at || b.id - a.id);
    attemptsList.replaceChildren(
      ...(versions.length
        ? versions.map((v) => {
            const load = h('button', { type: 'button', class: 'button button-quiet' }, t('exercise.load_version'));
            load.addEventListener('click', () => {
              editor.value = v.content;
              editor.focus();
            });
            return h('li', { class: 'attempt', 'data-id': v.id }, h('details', {}, h('summary', {}, time(v.created_at)), h('pre', { class: 'code', tabindex: '0' }, v.content)), load);
          })
        : [h('li', { class: 'state-empty' }, t('exercise.no_attempts'))]),
    );
    return versions;
  };

  const showGrade = async () => {
    const grades = (await api.get('/grades', { query: { exercise: exercise.id, account: me.id, limit: 20 } })).items;
    const grade = [...grades].sort((a, b) => b.updated_at - a.updated_at)[0];
    if (!grade) {
      gradeArea.replaceChildren(h('p', { class: 'muted' }, t('exercise.not_graded')));
      return;
    }
    gradeArea.replaceChildren(
      h(
        'p',
        { class: 'grade', 'data-value': grade.value, 'data-proposed': grade.proposed ? 'true' : 'false' },
        t('exercise.graded', { value: grade.value, max: exercise.grade_max }),
        ' · ',
        grade.proposed ? t('exercise.grade_proposed') : t('exercise.grade_confirmed'),
        ' · ',
        time(grade.updated_at || grade.created_at),
      ),
      // The teacher's comment: the server's sanitized Markdown, else the text as text.
      // (`replaceChildren` would write a null as the text "null": an empty string instead.)
      grade.comment ? h('div', { class: 'grade-comment', id: 'grade-comment' }, h('h3', {}, t('exercise.teacher_comment')), rich(grade, 'comment')) : '',
    );
    // The log of the run that justified the grade: the run's JSON carries it.
    if (grade.log_id && attempt) {
      try {
        const runs = await runsOf(attempt.id);
        const justified = runs.find((r) => r.log_id === grade.log_id);
        const full = justified && (justified.log === undefined ? await api.get(`/runs/${justified.id}`) : justified);
        if (typeof full?.log === 'string') {
          gradeArea.append(h('details', { class: 'log grade-log', id: 'grade-log' }, h('summary', {}, t('exercise.grade_log')), h('pre', { class: 'log-text', tabindex: '0' }, full.log)));
        }
      } catch {
        // Without grading, or a run no longer kept: the grade stands without its log.
      }
    }
    if (exercise.correction_id) {
      try {
        const correction = await api.get(`/corrections/${exercise.correction_id}`);
        const mode = modeFor(language);
        const code = h('code', { class: mode ? `language-${mode.replace(/^lang-|\.js$/g, '')}` : null }, correction.content);
        gradeArea.append(h('details', { class: 'correction', open: true }, h('summary', {}, t('exercise.correction')), h('pre', { tabindex: '0' }, code)));
      } catch {
        // A correction the server does not show this member stays hidden.
      }
    }
  };

  const showRuns = async () => {
    if (!attempt) return;
    let runs;
    try {
      runs = await runsOf(attempt.id);
    } catch (e) {
      if (e instanceof GradingUnavailable) {
        runArea.replaceChildren(h('p', { class: 'notice', id: 'grading-unavailable' }, t('run.unavailable')));
        return;
      }
      runArea.replaceChildren(h('p', { class: 'notice notice-error' }, t('run.failed_to_load')));
      return;
    }
    const latest = [...runs].sort((a, b) => b.id - a.id)[0];
    if (!latest) {
      // A save queues a run only when the exercise has tests: without them, a teacher grades.
      runArea.replaceChildren(h('p', { class: 'notice', id: 'grading-none' }, t('run.none')));
      return;
    }
    const again = h('button', { type: 'button', class: 'button', id: 'run-again' }, t('run.again'));
    again.addEventListener('click', () =>
      busy(again, async () => {
        try {
          await api.post(`/attempts/${attempt.id}/runs`, {});
          await showRuns();
        } catch (e) {
          runArea.append(h('p', { class: 'notice notice-error', role: 'alert' }, e.message || t('error.title')));
        }
      }),
    );
    const view = h('div', {});
    runArea.replaceChildren(view, again);
    const final = await follow(latest, (run) => view.replaceChildren(runView(run, exercise, logs)), controller.signal);
    if (final.status === 'done') showGrade().catch(() => {});
  };

  submit.addEventListener('click', () =>
    busy(submit, async () => {
      const content = editor.value;
      if (!content.trim()) {
        saved.textContent = t('exercise.empty_code');
        saved.className = 'saved notice notice-error';
        return;
      }
      try {
        attempt ??= await api.post('/attempts', { exercise_id: exercise.id });
        const version = await api.post(`/attempts/${attempt.id}/code`, { content });
        saved.textContent = t('exercise.saved');
        saved.className = 'saved notice notice-success';
        saved.dataset.version = String(version.id);
        notify(t('exercise.saved'));
        await showVersions();
        await showRuns();
      } catch (e) {
        saved.textContent = e.message || t('error.title');
        saved.className = 'saved notice notice-error';
      }
    }),
  );

  try {
    const mine = await api.get('/attempts', { query: { exercise: exercise.id, author: me.id, limit: 1 } });
    attempt = mine.items[0] || null;
    const versions = await showVersions();
    if (versions[0]) editor.value = versions[0].content;
    await showGrade();
    showRuns();
  } catch (e) {
    gradeArea.replaceChildren(errorState(e));
  }
  const talk = comments(`/exercises/${exercise.id}/comments`, 'exercise_comment');
  main.append(talk.node);
  talk.load().catch(() => {});

  return () => {
    controller.abort();
    editor?.destroy();
  };
}
