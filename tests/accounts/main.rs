//! Foundation, accounts and safe login: every rule of SPEC 4.1–4.4, 5.1, 5.2 and 5.4, through
//! HTTP, one test per rule. One test binary (one link, all tests in parallel); each test has
//! its own app and database.

#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod cli;
mod kept_callers;
mod mail_outbox;
mod mail_smtp;
mod openapi_accounts;
mod password_reset;
mod probe;
mod registration;
mod rest;
mod seed_auth;
mod seed_login_path;
mod seed_users;
mod sessions_export;
mod smtp;
mod tokens;
