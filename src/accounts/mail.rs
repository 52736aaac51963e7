//! Outgoing email: the links emails carry, and the transport. With `smtp_host` set, messages
//! go through that server (lettre); without it, they are written to the log, link included,
//! and an admin can confirm accounts or hand over setup links by hand. Messages are queued in
//! the outbox (`outbox.rs`), never sent from a request.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use crate::config::Config;
use crate::http::logging::log_info;

/// How long one SMTP conversation may take before it counts as a failed attempt.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Mailer {
    smtp: Option<SmtpTransport>,
    from: Mailbox,
    public_url: String,
}

/// A message as the outbox holds it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn tls_parameters(host: &str, config: &Config) -> Result<TlsParameters, String> {
    let mut builder = TlsParameters::builder(host.to_owned());
    if let Some(path) = &config.smtp_ca_file {
        let pem =
            std::fs::read(path).map_err(|e| format!("smtp_ca_file {}: {e}", path.display()))?;
        let cert = Certificate::from_pem(&pem)
            .map_err(|e| format!("smtp_ca_file {}: {e}", path.display()))?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build().map_err(|e| format!("smtp tls: {e}"))
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
                let tls = match config.smtp_security.as_str() {
                    "none" => Tls::None,
                    "tls" => Tls::Wrapper(tls_parameters(host, config)?),
                    _ => Tls::Required(tls_parameters(host, config)?),
                };
                let mut builder = SmtpTransport::builder_dangerous(host)
                    .port(config.smtp_port)
                    .tls(tls)
                    .timeout(Some(SMTP_TIMEOUT));
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

    /// The page where a member chooses a password (reset and setup links alike).
    pub fn password_link(&self, token: &str) -> String {
        format!("{}/reset?token={token}", self.public_url)
    }

    pub fn email_change_link(&self, token: &str) -> String {
        format!(
            "{}/api/v1/auth/email-change/confirm?token={token}",
            self.public_url
        )
    }

    /// Sends one message (blocking: the outbox worker's thread calls it). Without SMTP the
    /// message goes to the log, and that counts as sent.
    /// `Err((reason, permanent))`: a permanent failure (a 5xx answer, a bad address) is not
    /// tried again.
    pub fn deliver(&self, m: &Outgoing) -> Result<(), (String, bool)> {
        let Some(smtp) = &self.smtp else {
            log_info(&format!(
                "email {} to {} (no SMTP server configured): {}\n{}",
                m.id, m.recipient, m.subject, m.text
            ));
            return Ok(());
        };
        let to: Mailbox = m
            .recipient
            .parse()
            .map_err(|e| (format!("the recipient is not an address: {e}"), true))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                m.text.clone(),
                m.html.clone(),
            ))
            .map_err(|e| (format!("cannot build the message: {e}"), true))?;
        smtp.send(&message)
            .map(|_| ())
            .map_err(|e| (e.to_string(), e.is_permanent()))
    }
}
