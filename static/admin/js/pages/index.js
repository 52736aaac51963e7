// Every page of the admin UI, in menu order. To add one (reports, courses, groups…), write a
// module like the others and list it here. A page module is:
//
//   export default {
//     path: 'reports/:id',        // under /admin/; `:name` parts arrive in ctx.params
//     nav: 'nav.reports',         // a message key to appear in the menu; omit for sub-pages
//     title: 'reports.title',     // a message key for the window title
//     minLevel: 2,                // 2 moderators and admins, 3 admins only
//     messages: { en: {…}, fr: {…} },
//     async render(view, ctx) {…} // fill `view`, the header first (before any await)
//   };
//
// ctx: { params, query, signal, me, isAdmin, api: {get, post, put, patch, del, download},
//        navigate(path), setQuery(values), setTitle(text), flash(text) }.
// Build elements with `h` of ../dom.js: data goes in as text, never as HTML.

import dashboard from './dashboard.js';
import accounts from './accounts.js';
import account from './account.js';
import security from './security.js';
import grading from './grading.js';
import backup from './backup.js';
import moderation from './moderation.js';
import content from './content.js';
import groups from './groups.js';
import reference from './reference.js';
import audit from './audit.js';
import notifications from './notifications.js';
import mail from './mail.js';

export default [dashboard, moderation, content, accounts, account, groups, reference, security, grading, audit, backup, mail, notifications];
