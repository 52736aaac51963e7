//! Outgoing email. With `smtp_host` set, messages go through that server (lettre); without
//! it, the confirmation link is written to the log, and an admin can confirm accounts by hand.

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};

use crate::config::Config;
use crate::http::logging::{log_error, log_info};

pub struct Mailer {
    smtp: Option<SmtpTransport>,
    from: Mailbox,
    public_url: String,
}

impl Mailer {
    pub fn new(config: &Config) -> Result<Mailer, String> {
        let from: Mailbox = config
            .smtp_from
            .parse()
            .map_err(|e| format!("smtp_from is not a mailbox: {e}"))?;
        let smtp = match &config.smtp_host {
            None => None,
            Some(host) => {
                let builder = match config.smtp_security.as_str() {
                    "tls" => SmtpTransport::relay(host).map_err(|e| format!("smtp: {e}"))?,
                    "none" => SmtpTransport::builder_dangerous(host),
                    _ => SmtpTransport::starttls_relay(host).map_err(|e| format!("smtp: {e}"))?,
                };
                let mut builder = builder.port(config.smtp_port);
                if let (Some(user), Some(pass)) = (&config.smtp_username, &config.smtp_password) {
                    builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
                }
                Some(builder.build())
            }
        };
        Ok(Mailer {
            smtp,
            from,
            public_url: config.public_url.trim_end_matches('/').to_owned(),
        })
    }

    pub fn confirmation_link(&self, token: &str) -> String {
        format!("{}/api/v1/auth/confirm?token={token}", self.public_url)
    }

    /// Sends (or logs) the confirmation link of a new account, off the request's path.
    pub fn send_confirmation(&self, account_id: i64, username: &str, email: &str, token: &str) {
        let link = self.confirmation_link(token);
        let Some(smtp) = self.smtp.clone() else {
            log_info(&format!(
                "email confirmation for account {account_id} ({username}): {link}"
            ));
            return;
        };
        let to: Mailbox = match email.parse() {
            Ok(to) => to,
            Err(e) => return log_error(&format!("cannot email account {account_id}: {e}")),
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject("Confirm your Préau account")
            .body(format!(
                "Hello {username},\n\nConfirm your email address by opening this link:\n\n{link}\n\nIf you did not create this account, ignore this message.\n"
            ));
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                return log_error(&format!("cannot build email for account {account_id}: {e}"));
            }
        };
        rocket::tokio::task::spawn_blocking(move || {
            if let Err(e) = smtp.send(&message) {
                log_error(&format!(
                    "sending the confirmation email of account {account_id} failed: {e}"
                ));
            }
        });
    }
}
