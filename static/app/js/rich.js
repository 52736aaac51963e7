// User content on the page. A row's `*_html` field (`content_html`, `instruction_html`) is the
// server's Markdown, rendered and sanitized there (src/markdown.rs); it is the only HTML this
// app ever parses, and only here. Without it the raw text is shown as text, never as markup.
//
// Defence in depth: the HTML is parsed into an inert document (DOMParser runs no script and
// loads nothing), and anything that could run or load a document is dropped again before the
// nodes are adopted into the page.

import { h } from './dom.js';

const DROP = new Set(['SCRIPT', 'STYLE', 'IFRAME', 'FRAME', 'OBJECT', 'EMBED', 'LINK', 'META', 'BASE', 'FORM', 'SVG', 'MATH', 'TEMPLATE']);
const SAFE_URL = /^(https?:|mailto:|\/(?!\/)|#|\.{0,2}\/)/i;

function scrub(root) {
  for (const element of [...root.querySelectorAll('*')]) {
    if (DROP.has(element.tagName.toUpperCase())) {
      element.remove();
      continue;
    }
    for (const attribute of [...element.attributes]) {
      const name = attribute.name.toLowerCase();
      const urlish = name === 'href' || name === 'src' || name === 'srcset' || name === 'action' || name === 'formaction' || name === 'xlink:href';
      if (name.startsWith('on') || name === 'style' || (urlish && !SAFE_URL.test(attribute.value.trim()))) {
        element.removeAttribute(attribute.name);
      }
    }
    if (element.tagName === 'A') {
      element.setAttribute('rel', 'noopener noreferrer nofollow');
      if (/^https?:/i.test(element.getAttribute('href') || '')) element.setAttribute('target', '_blank');
    }
    if (element.tagName === 'IMG') element.setAttribute('loading', 'lazy');
  }
}

let highlighter = null;
function highlight(root) {
  const blocks = [...root.querySelectorAll('pre code[class*="language-"]')];
  if (!blocks.length) return;
  highlighter ??= import('../vendor/highlight/highlight.js').then((m) => m.default);
  highlighter
    .then((hljs) => {
      for (const block of blocks) {
        const language = /language-([\w+#-]+)/.exec(block.className)?.[1];
        if (language && hljs.getLanguage(language)) hljs.highlightElement(block);
      }
    })
    .catch(() => {
      // Unhighlighted code is still code.
    });
}

/**
 * The body of a row: its sanitized HTML when the server sent `${field}_html`, else its text
 * as text (paragraphs kept). Returns a `<div class="rich">`.
 */
export function rich(row, field = 'content') {
  const container = h('div', { class: 'rich' });
  const html = row?.[`${field}_html`];
  if (typeof html === 'string') {
    const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
    scrub(parsed.body);
    container.append(...[...parsed.body.childNodes].map((node) => document.adoptNode(node)));
    for (const pre of container.querySelectorAll('pre')) pre.setAttribute('tabindex', '0');
    highlight(container);
  } else {
    const text = String(row?.[field] ?? '');
    for (const paragraph of text.split(/\n{2,}/)) {
      if (paragraph.trim()) container.append(h('p', { class: 'plain' }, paragraph));
    }
  }
  return container;
}

/** A short plain-text preview of a row's text (never its HTML). */
export function preview(text, length = 160) {
  const flat = String(text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}
