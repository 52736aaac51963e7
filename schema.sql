-- Préau schema. Each block below starts with a `-- version N` line and is applied once, in
-- order, inside one transaction that also sets `PRAGMA user_version = N`. Never edit a block
-- that has shipped: add a new one.

-- version 1
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE groups (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    parent_id  INTEGER REFERENCES groups (id) ON DELETE RESTRICT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX groups_parent ON groups (parent_id);

-- An avatar is a file of the avatar folder; `path` is its name there.
CREATE TABLE avatars (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    path       TEXT NOT NULL CONSTRAINT avatars_path_unique UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    username        TEXT NOT NULL COLLATE NOCASE CONSTRAINT accounts_username_unique UNIQUE,
    email           TEXT COLLATE NOCASE CONSTRAINT accounts_email_unique UNIQUE,
    password_hash   TEXT NOT NULL,
    firstname       TEXT,
    lastname        TEXT,
    birthdate       TEXT,
    level           INTEGER NOT NULL DEFAULT 1 CHECK (level IN (1, 2, 3)),
    email_confirmed INTEGER NOT NULL DEFAULT 0 CHECK (email_confirmed IN (0, 1)),
    group_id        INTEGER REFERENCES groups (id) ON DELETE SET NULL,
    avatar_id       INTEGER REFERENCES avatars (id) ON DELETE SET NULL,
    -- Bumped on password change, level change and ban: every older access token dies.
    token_version   INTEGER NOT NULL DEFAULT 0,
    -- Set by an admin; NULL when the account is not banned.
    banned_until    INTEGER,
    ban_reason      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX accounts_level ON accounts (level, id);
CREATE INDEX accounts_group ON accounts (group_id, id);

CREATE TABLE email_confirmations (
    token_hash BLOB PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX email_confirmations_account ON email_confirmations (account_id);

-- Refresh tokens are stored as SHA-256 hashes. A token is used once: its use marks it
-- `used_at` and issues the next one in the same family. A second use of a used token is a
-- theft signal and revokes the whole family.
CREATE TABLE refresh_tokens (
    id         INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL CONSTRAINT refresh_tokens_hash_unique UNIQUE,
    family     TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    revoked_at INTEGER
) STRICT;
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_account ON refresh_tokens (account_id);

-- Failed logins, per (subject, client ip). The subject is `account:<id>` when the login
-- names an account (username and email count together), `name:<login>` otherwise, and `*`
-- for the per-ip count across all names.
CREATE TABLE login_attempts (
    id              INTEGER PRIMARY KEY,
    subject         TEXT NOT NULL,
    ip              TEXT NOT NULL,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    banned_until    INTEGER,
    CONSTRAINT login_attempts_subject_ip UNIQUE (subject, ip)
) STRICT;
CREATE INDEX login_attempts_banned ON login_attempts (banned_until);

-- version 2
-- Reference data (admins) and learning content. Owned rows carry `account_id`, their author;
-- moderated rows carry `status` ('pending' until a moderator approves or rejects them).
CREATE TABLE locales (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL COLLATE NOCASE CONSTRAINT locales_name_unique UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
INSERT INTO locales (id, name, created_at, updated_at) VALUES (1, 'en', 0, 0), (2, 'fr', 0, 0);

CREATE TABLE languages (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL COLLATE NOCASE CONSTRAINT languages_name_unique UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE courses (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    locale_id     INTEGER NOT NULL DEFAULT 1 REFERENCES locales (id) ON DELETE RESTRICT,
    language_id   INTEGER REFERENCES languages (id) ON DELETE SET NULL,
    title         TEXT NOT NULL,
    content       TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    status_reason TEXT,
    moderated_by  INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    moderated_at  INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX courses_account ON courses (account_id, id);
CREATE INDEX courses_status ON courses (status, id);
CREATE INDEX courses_language ON courses (language_id, id);
CREATE INDEX courses_locale ON courses (locale_id, id);

CREATE TABLE course_comments (
    id         INTEGER PRIMARY KEY,
    course_id  INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    content    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX course_comments_course ON course_comments (course_id, id);
CREATE INDEX course_comments_account ON course_comments (account_id, id);

CREATE TABLE scripts (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    content    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX scripts_account ON scripts (account_id, id);

CREATE TABLE script_logs (
    id         INTEGER PRIMARY KEY,
    script_id  INTEGER NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    content    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX script_logs_script ON script_logs (script_id, id);

CREATE TABLE corrections (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    content    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX corrections_account ON corrections (account_id, id);

CREATE TABLE exercises (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    course_id     INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    instruction   TEXT NOT NULL,
    script_id     INTEGER REFERENCES scripts (id) ON DELETE SET NULL,
    grade_max     INTEGER NOT NULL DEFAULT 20 CHECK (grade_max BETWEEN 1 AND 1000),
    correction_id INTEGER REFERENCES corrections (id) ON DELETE SET NULL,
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    status_reason TEXT,
    moderated_by  INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    moderated_at  INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX exercises_course ON exercises (course_id, id);
CREATE INDEX exercises_account ON exercises (account_id, id);
CREATE INDEX exercises_status ON exercises (status, id);
CREATE INDEX exercises_correction ON exercises (correction_id);

CREATE TABLE exercise_comments (
    id          INTEGER PRIMARY KEY,
    exercise_id INTEGER NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    content     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX exercise_comments_exercise ON exercise_comments (exercise_id, id);

-- A grade: `account_id` is the graded member, `grader_id` who graded (the row's owner).
CREATE TABLE grades (
    id          INTEGER PRIMARY KEY,
    grader_id   INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    exercise_id INTEGER NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
    value       INTEGER NOT NULL CHECK (value >= 0),
    log_id      INTEGER REFERENCES script_logs (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CONSTRAINT grades_account_exercise_unique UNIQUE (account_id, exercise_id)
) STRICT;
CREATE INDEX grades_exercise ON grades (exercise_id, id);
CREATE INDEX grades_grader ON grades (grader_id, id);

-- The seed's "user exercises": a member's work on an exercise.
CREATE TABLE attempts (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    exercise_id INTEGER NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
    grade_id    INTEGER REFERENCES grades (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX attempts_account ON attempts (account_id, id);
CREATE INDEX attempts_exercise ON attempts (exercise_id, id);

CREATE TABLE attempt_codes (
    id         INTEGER PRIMARY KEY,
    attempt_id INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    content    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX attempt_codes_attempt ON attempt_codes (attempt_id, id);

-- version 3
-- Community: blog, forum, likes.

CREATE TABLE blog_categories (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL COLLATE NOCASE CONSTRAINT blog_categories_name_unique UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE blog_posts (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES blog_categories (id) ON DELETE RESTRICT,
    locale_id   INTEGER NOT NULL DEFAULT 1 REFERENCES locales (id) ON DELETE RESTRICT,
    title       TEXT NOT NULL,
    content     TEXT NOT NULL,
    hidden      INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX blog_posts_category ON blog_posts (category_id, id);
CREATE INDEX blog_posts_account ON blog_posts (account_id, id);

CREATE TABLE blog_comments (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES blog_posts (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    content    TEXT NOT NULL,
    hidden     INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX blog_comments_post ON blog_comments (post_id, id);

CREATE TABLE forum_categories (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL COLLATE NOCASE CONSTRAINT forum_categories_name_unique UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE forums (
    id          INTEGER PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES forum_categories (id) ON DELETE RESTRICT,
    name        TEXT NOT NULL,
    description TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX forums_category ON forums (category_id, id);

CREATE TABLE forum_subjects (
    id         INTEGER PRIMARY KEY,
    forum_id   INTEGER NOT NULL REFERENCES forums (id) ON DELETE CASCADE,
    locale_id  INTEGER NOT NULL DEFAULT 1 REFERENCES locales (id) ON DELETE RESTRICT,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX forum_subjects_forum ON forum_subjects (forum_id, id);
CREATE INDEX forum_subjects_account ON forum_subjects (account_id, id);

-- The hot path: `GET /api/v1/forum/posts?subject=…` is one range scan of forum_posts_subject.
CREATE TABLE forum_posts (
    id         INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES forum_subjects (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    content    TEXT NOT NULL,
    likes      INTEGER NOT NULL DEFAULT 0 CHECK (likes >= 0),
    hidden     INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX forum_posts_subject ON forum_posts (subject_id, id);
CREATE INDEX forum_posts_account ON forum_posts (account_id, id);

CREATE TABLE forum_post_likes (
    post_id    INTEGER NOT NULL REFERENCES forum_posts (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, account_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX forum_post_likes_account ON forum_post_likes (account_id);
-- The like count follows the like rows, including those removed with a deleted account.
CREATE TRIGGER forum_post_likes_count_up AFTER INSERT ON forum_post_likes
BEGIN
    UPDATE forum_posts SET likes = likes + 1 WHERE id = NEW.post_id;
END;
CREATE TRIGGER forum_post_likes_count_down AFTER DELETE ON forum_post_likes
BEGIN
    UPDATE forum_posts SET likes = MAX(likes - 1, 0) WHERE id = OLD.post_id;
END;

-- version 4
-- Moderation: reports on any user content, hidden content, notifications, the audit log.
ALTER TABLE courses ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1));
ALTER TABLE exercises ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1));
ALTER TABLE course_comments ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1));
ALTER TABLE exercise_comments ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1));

-- status: 0 open, 1 taken by `handler_id`, 2 confirmed (target hidden until its author edits
-- it), 3 finished or cancelled. A member reports a target once.
CREATE TABLE reports (
    id               INTEGER PRIMARY KEY,
    -- A moderator's decision outlives the reporter: their account's deletion keeps the report.
    reporter_id      INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    target_type      TEXT NOT NULL,
    target_id        INTEGER NOT NULL,
    comment          TEXT,
    status           INTEGER NOT NULL DEFAULT 0 CHECK (status BETWEEN 0 AND 3),
    handler_id       INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    result           TEXT,
    state_changed_at INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    CONSTRAINT reports_once UNIQUE (reporter_id, target_type, target_id)
) STRICT;
CREATE INDEX reports_status ON reports (status, id);
CREATE INDEX reports_target ON reports (target_type, target_id);

-- A report goes with its target (targets of several types: no foreign key, so triggers).
CREATE TRIGGER forum_posts_reports AFTER DELETE ON forum_posts
BEGIN DELETE FROM reports WHERE target_type = 'forum_post' AND target_id = OLD.id; END;
CREATE TRIGGER blog_posts_reports AFTER DELETE ON blog_posts
BEGIN DELETE FROM reports WHERE target_type = 'blog_post' AND target_id = OLD.id; END;
CREATE TRIGGER blog_comments_reports AFTER DELETE ON blog_comments
BEGIN DELETE FROM reports WHERE target_type = 'blog_comment' AND target_id = OLD.id; END;
CREATE TRIGGER courses_reports AFTER DELETE ON courses
BEGIN DELETE FROM reports WHERE target_type = 'course' AND target_id = OLD.id; END;
CREATE TRIGGER course_comments_reports AFTER DELETE ON course_comments
BEGIN DELETE FROM reports WHERE target_type = 'course_comment' AND target_id = OLD.id; END;
CREATE TRIGGER exercises_reports AFTER DELETE ON exercises
BEGIN DELETE FROM reports WHERE target_type = 'exercise' AND target_id = OLD.id; END;
CREATE TRIGGER exercise_comments_reports AFTER DELETE ON exercise_comments
BEGIN DELETE FROM reports WHERE target_type = 'exercise_comment' AND target_id = OLD.id; END;

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    message     TEXT NOT NULL,
    report_id   INTEGER REFERENCES reports (id) ON DELETE SET NULL,
    target_type TEXT,
    target_id   INTEGER,
    read_at     INTEGER,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX notifications_account ON notifications (account_id, id);
CREATE INDEX notifications_unread ON notifications (account_id, read_at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   INTEGER NOT NULL,
    detail      TEXT,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);

-- version 5
-- Avatar images live in the database, so that the one file is a whole backup (and what
-- Litestream replicates). This table is what the avatar folder was: `name` is an avatar's
-- `path`. An image goes with the avatar row that names it; images no row names yet (moved
-- in from the old folder) wait for an admin to register them by name.
CREATE TABLE avatar_images (
    name         TEXT PRIMARY KEY,
    bytes        BLOB NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    size         INTEGER NOT NULL CHECK (size = length(bytes)),
    -- Hex SHA-256 of `bytes`: the image's ETag.
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    created_at   INTEGER NOT NULL
) STRICT;
CREATE TRIGGER avatars_image_deleted AFTER DELETE ON avatars
BEGIN DELETE FROM avatar_images WHERE name = OLD.path; END;
-- The upload quota counts a member's avatars.
CREATE INDEX avatars_account ON avatars (account_id);
-- version 6
-- Accounts a school can run (issue 16): password links, the mail outbox, email changes that
-- wait for the new address, accounts that must choose their password, the account's
-- language, where each session was opened from, and the reset request counters.
ALTER TABLE accounts ADD COLUMN must_set_password INTEGER NOT NULL DEFAULT 0 CHECK (must_set_password IN (0, 1));
-- `fr` or `en`; NULL: the server's default (English) until the account or a request says.
ALTER TABLE accounts ADD COLUMN locale TEXT CHECK (locale IN ('fr', 'en'));
-- The address an email change waits to confirm; `email` stays in force until then.
ALTER TABLE accounts ADD COLUMN pending_email TEXT COLLATE NOCASE;

-- Single-use links to choose a password: `reset` (asked by the member, sent by email) or
-- `setup` (made by an admin, handed over). Stored as SHA-256 hashes; a used link keeps its
-- row (`used_at`) so that a second use is told apart from a forged one.
CREATE TABLE password_links (
    token_hash BLOB PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('reset', 'setup')),
    created_by INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;
CREATE INDEX password_links_account ON password_links (account_id, created_at);

CREATE TABLE email_changes (
    token_hash BLOB PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX email_changes_account ON email_changes (account_id);

-- Every email, written in the transaction of what caused it, sent by the outbox worker.
-- status: `pending` (next try at `next_attempt_at`), `sent`, `failed` (gave up). A worker
-- that takes a message moves `next_attempt_at` past its lease, so two servers on one file do
-- not send it twice, and a crash mid-send retries it after the lease.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    -- An admin's retry starts a new span of `mail_max_age` from here.
    retried_at      INTEGER,
    sent_at         INTEGER
) STRICT;
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_status ON mail_outbox (status, id);

-- Password reset requests per key (`ip:<address>`, `login:<name>`) in the current window.
CREATE TABLE reset_requests (
    key          TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    count        INTEGER NOT NULL
) STRICT;

-- Where a session (refresh family) was opened and last refreshed from.
ALTER TABLE refresh_tokens ADD COLUMN client_ip TEXT;
ALTER TABLE refresh_tokens ADD COLUMN user_agent TEXT;

-- version 7
-- Grading (SPEC 9): what an exercise runs, the queue of runs, proposed grades.

ALTER TABLE languages ADD COLUMN runner TEXT;
ALTER TABLE exercises ADD COLUMN runner TEXT;
-- JSON: [{"input", "expected_output", "weight", "hidden"}], checked by the exercise's rules.
ALTER TABLE exercises ADD COLUMN io_tests TEXT;
ALTER TABLE exercises ADD COLUMN auto_grade INTEGER NOT NULL DEFAULT 0 CHECK (auto_grade IN (0, 1));
ALTER TABLE exercises ADD COLUMN cpu_ms INTEGER CHECK (cpu_ms > 0);
ALTER TABLE exercises ADD COLUMN wall_ms INTEGER CHECK (wall_ms > 0);
ALTER TABLE exercises ADD COLUMN memory_mb INTEGER CHECK (memory_mb > 0);
-- The script row (the author's) that holds the logs of runs of an exercise without a script of
-- its own (I/O tests only): script_logs need a script. Never run.
ALTER TABLE exercises ADD COLUMN log_script_id INTEGER REFERENCES scripts (id) ON DELETE SET NULL;
-- 1: proposed by a run, waiting for the exercise's author or staff; 0: given or confirmed by one.
ALTER TABLE grades ADD COLUMN proposed INTEGER NOT NULL DEFAULT 0 CHECK (proposed IN (0, 1));

-- The queue: a row per run, kept until its attempt goes. `code` is the snapshot judged.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    attempt_id  INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    exercise_id INTEGER NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
    code_id     INTEGER REFERENCES attempt_codes (id) ON DELETE SET NULL,
    code        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done')),
    verdict     TEXT,
    score       INTEGER,
    grade_max   INTEGER,
    tests       TEXT,
    log_id      INTEGER REFERENCES script_logs (id) ON DELETE SET NULL,
    cpu_ms      INTEGER,
    wall_ms     INTEGER,
    max_rss_kb  INTEGER,
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER
) STRICT;
CREATE INDEX runs_status ON runs (status, id);
CREATE INDEX runs_attempt ON runs (attempt_id, id);
CREATE INDEX runs_account ON runs (account_id, status);

-- version 8
-- A report keeps what it reported as it was when reported (the evidence stays after the
-- author's edit) and where it was posted: a comment's post, course or exercise, a forum post's
-- subject (its thread).
ALTER TABLE reports ADD COLUMN evidence TEXT;
ALTER TABLE reports ADD COLUMN thread_type TEXT;
ALTER TABLE reports ADD COLUMN thread_id INTEGER;
-- The confirmation of a report keeps that text in the audit log too.
ALTER TABLE audit_log ADD COLUMN evidence TEXT;

-- version 9
-- Teaching (SPEC 10): a course meant for a group (a class), a teacher's comment on a grade,
-- who created an account (the class import), the author's check runs of a correction.
ALTER TABLE courses ADD COLUMN group_id INTEGER REFERENCES groups (id) ON DELETE SET NULL;
CREATE INDEX courses_group ON courses (group_id, id);
ALTER TABLE grades ADD COLUMN comment TEXT;
ALTER TABLE accounts ADD COLUMN created_by INTEGER REFERENCES accounts (id) ON DELETE SET NULL;
-- 1: the hidden attempt that holds the runs of the exercise's correction against its own tests
-- (POST /exercises/{id}/check): never graded, never listed as a submission.
ALTER TABLE attempts ADD COLUMN is_check INTEGER NOT NULL DEFAULT 0 CHECK (is_check IN (0, 1));

-- version 10
-- A member's grades, newest first (`GET /grades?account=`): without it SQLite read them through
-- the (account_id, exercise_id) unique index and sorted them all for every page (233 ms a page
-- with 20,000 grades; issue 18's scale run).
CREATE INDEX grades_account ON grades (account_id, id);
