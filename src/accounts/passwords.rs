//! Passwords: the policy (seed 002's four character classes, 8 to 128 characters, not a
//! common password, not the username) and argon2id hashing at OWASP's minimum (m=19 MiB, t=2,
//! p=1) on a bounded set of blocking threads, so a login storm cannot take every core.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rocket::tokio::sync::Semaphore;

use crate::http::error::ApiError;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// Base words of the passwords people pick most often (English and French). A password whose
/// letters, once common substitutions are undone, are one of these (`P@ssw0rd1!`) is refused.
const COMMON_WORDS: &[&str] = &[
    "password",
    "passwort",
    "motdepasse",
    "qwerty",
    "azerty",
    "qwertz",
    "admin",
    "administrator",
    "welcome",
    "bienvenue",
    "letmein",
    "iloveyou",
    "jetaime",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "soccer",
    "sunshine",
    "princess",
    "master",
    "shadow",
    "superman",
    "batman",
    "trustno",
    "abc",
    "abcd",
    "abcde",
    "abcdef",
    "soleil",
    "bonjour",
    "salut",
    "changeme",
    "secret",
    "login",
    "hello",
    "freedom",
    "whatever",
    "starwars",
    "pokemon",
    "michael",
    "jennifer",
    "charlie",
    "qazwsx",
    "zaqwsx",
    "asdf",
    "asdfgh",
    "asdfghjkl",
    "zxcvbn",
    "zxcvbnm",
    "loveme",
    "flower",
    "computer",
    "internet",
    "samsung",
    "google",
    "summer",
    "winter",
    "autumn",
    "spring",
    "chocolate",
    "marseille",
    "paris",
    "france",
    "nicolas",
    "doudou",
    "loulou",
    "chouchou",
    "coucou",
    "camille",
    "marine",
    "preau",
    "student",
    "etudiant",
    "teacher",
    "professeur",
    "school",
    "ecole",
    "user",
    "utilisateur",
    "root",
    "guest",
    "default",
    "access",
    "ninja",
    "mustang",
    "hunter",
    "ranger",
    "buster",
    "thomas",
    "robert",
    "jordan",
    "harley",
    "andrew",
    "daniel",
    "hockey",
    "killer",
    "pepper",
    "ginger",
    "cookie",
    "matrix",
    "passpass",
    "azertyuiop",
    "qwertyuiop",
    "aaaaaa",
    "azertyui",
    "motdepass",
];

/// Whole passwords seen at the top of every breach list that pass the character-class rule.
const COMMON_PASSWORDS: &[&str] = &[
    "p@ssw0rd",
    "p@ssword1",
    "passw0rd!",
    "password1!",
    "password123!",
    "password@123",
    "admin@123",
    "admin123!",
    "welcome1!",
    "welcome@123",
    "qwerty123!",
    "qwerty@123",
    "azerty123!",
    "azerty@123",
    "abc@1234",
    "abcd@1234",
    "abc123!@#",
    "1qaz@wsx",
    "1qaz!qaz",
    "!qaz2wsx",
    "zaq1@wsx",
    "p@55w0rd",
    "p@$$w0rd",
    "test@123",
    "test123!",
    "india@123",
    "summer2024!",
    "winter2024!",
    "spring2024!",
    "autumn2024!",
    "summer2025!",
    "winter2025!",
    "1q2w3e4r!",
    "1q2w3e4r5t!",
    "q1w2e3r4!",
    "aa123456!",
    "a1b2c3d4!",
    "abcd1234!",
];

/// Why `password` is refused, or `None` when it is acceptable.
pub fn weakness(password: &str, username: &str) -> Option<String> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Some(format!("must be at least {MIN_LEN} characters long"));
    }
    if len > MAX_LEN {
        return Some(format!("must be at most {MAX_LEN} characters long"));
    }
    let lower = password.chars().any(char::is_lowercase);
    let upper = password.chars().any(char::is_uppercase);
    let digit = password.chars().any(|c| c.is_ascii_digit());
    let special = password.chars().any(|c| !c.is_alphanumeric());
    if !(lower && upper && digit && special) {
        return Some("must contain a lower-case letter, an upper-case letter, a digit and a special character (such as !@=)".into());
    }
    let folded = password.to_lowercase();
    if COMMON_PASSWORDS.contains(&folded.as_str())
        || COMMON_WORDS.contains(&base_word(&folded).as_str())
    {
        return Some("is one of the most common passwords: choose one that is not a dictionary word with digits and symbols around it".into());
    }
    let name = username.trim().to_lowercase();
    if name.chars().count() >= 3
        && (folded.contains(&name) || base_word(&folded) == base_word(&name))
    {
        return Some("must not contain the username".into());
    }
    None
}

/// The word inside a password once the digits and symbols around it are dropped and the
/// usual substitutions inside it undone: `P@ssw0rd123!` → `password`.
fn base_word(folded: &str) -> String {
    let chars: Vec<char> = folded.chars().collect();
    let (Some(start), Some(end)) = (
        chars.iter().position(|c| c.is_alphabetic()),
        chars.iter().rposition(|c| c.is_alphabetic()),
    ) else {
        return String::new();
    };
    chars[start..=end]
        .iter()
        .map(|c| match c {
            '@' | '4' => 'a',
            '0' => 'o',
            '1' | '!' | '|' => 'i',
            '3' => 'e',
            '$' | '5' => 's',
            '7' => 't',
            other => *other,
        })
        .filter(|c| c.is_alphabetic())
        .collect()
}

fn argon2_config() -> argon2::Config<'static> {
    argon2::Config::owasp2()
}

type Job = Box<dyn FnOnce() + Send>;

/// Argon2id hashing and checking with bounded concurrency.
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// The hashing threads' queue. Hashes run on these few threads only: argon2's 19 MiB
    /// buffers then stay in their few malloc arenas instead of in one per blocking thread of
    /// the runtime (which grew the server to a gigabyte after a login storm).
    jobs: std::sync::mpsc::Sender<Job>,
    waiting: AtomicUsize,
    max_waiting: usize,
    /// Checked against when the account does not exist, so both answers take the same time.
    dummy_hash: String,
}

impl Passwords {
    pub fn new(concurrency: usize, max_waiting: usize) -> Result<Passwords, String> {
        let dummy_hash = hash_now(&random_text(24)).map_err(|e| format!("argon2: {e}"))?;
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for n in 0..concurrency {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("preau-hash-{n}"))
                .spawn(move || {
                    // Ends when the Passwords (the sender) is dropped.
                    while let Some(job) = queue.lock().ok().and_then(|q| q.recv().ok()) {
                        // A panicking job drops its answer (a 500), not the thread.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                })
                .map_err(|e| format!("cannot start a hashing thread: {e}"))?;
        }
        Ok(Passwords {
            jobs,
            permits: Arc::new(Semaphore::new(concurrency)),
            waiting: AtomicUsize::new(0),
            max_waiting,
            dummy_hash,
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        if self.waiting.fetch_add(1, Ordering::SeqCst)
            >= self.max_waiting + self.permits.available_permits()
        {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(ApiError::busy());
        }
        let permit = self.permits.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let _permit = permit.map_err(|e| ApiError::internal(format!("hash pool closed: {e}")))?;
        let (done, result) = rocket::tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(work());
            }))
            .map_err(|_| ApiError::internal("the hashing threads are gone"))?;
        result
            .await
            .map_err(|_| ApiError::internal("a hashing job was dropped"))
    }

    pub async fn hash(&self, password: &str) -> Result<String, ApiError> {
        let password = password.to_owned();
        self.run(move || hash_now(&password))
            .await?
            .map_err(|e| ApiError::internal(format!("argon2: {e}")))
    }

    /// Checks `password` against `hash`, or against a dummy hash when there is no account.
    pub async fn verify(&self, hash: Option<String>, password: &str) -> Result<bool, ApiError> {
        let exists = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.clone());
        let password = password.to_owned();
        let ok = self
            .run(move || argon2::verify_encoded(&hash, password.as_bytes()).unwrap_or(false))
            .await?;
        Ok(exists && ok)
    }
}

/// Hashes on the current thread (the CLI, and the blocking pool).
pub fn hash_now(password: &str) -> Result<String, argon2::Error> {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    argon2::hash_encoded(password.as_bytes(), &salt, &argon2_config())
}

/// Random URL-safe text for secrets and opaque tokens: `bytes` random bytes, base64url.
pub fn random_text(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_002_character_classes_are_required() {
        assert!(weakness("abcdefgh", "x").is_some());
        assert!(weakness("Abcdefg1", "x").is_some());
        assert!(weakness("Tr1cky-Kettle", "x").is_none());
    }

    #[test]
    fn length_limits_hold() {
        assert!(weakness("Ab1!", "x").is_some());
        let long = format!("Aa1!{}", "x".repeat(MAX_LEN));
        assert!(weakness(&long, "x").is_some());
        let max = format!("Aa1!{}", "k".repeat(MAX_LEN - 4));
        assert!(weakness(&max, "x").is_none());
    }

    #[test]
    fn common_passwords_are_refused_even_dressed_up() {
        for p in [
            "P@ssw0rd",
            "Password123!",
            "Azerty123!",
            "Welcome1!",
            "Qwerty!2024",
            "P@ssword1",
            "MotDePasse1!",
        ] {
            assert!(weakness(p, "someone").is_some(), "{p} should be refused");
        }
    }

    #[test]
    fn the_username_may_not_be_the_password() {
        assert!(weakness("Alice2024!", "alice").is_some());
        assert!(weakness("Blue-Kettle-42", "alice").is_none());
    }

    #[test]
    fn base_word_strips_decorations() {
        assert_eq!(base_word("p@ssw0rd123!"), "password");
        assert_eq!(base_word("!!azerty2024"), "azerty");
    }
}
