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
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX groups_parent ON groups (parent_id);

CREATE TABLE avatars (
    id           INTEGER PRIMARY KEY,
    path         TEXT NOT NULL CONSTRAINT avatars_path_unique UNIQUE,
    content_type TEXT NOT NULL,
    created_at   INTEGER NOT NULL
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
