//! Passwords: the policy (seed 002's four character classes, 8 to 128 characters, not a
//! common password, not the username) and argon2id hashing at OWASP's minimum (m=19 MiB, t=2,
//! p=1) on a bounded set of dedicated threads, so a login storm cannot take every core.
//!
//! Hashing uses RustCrypto's `argon2` rather than `rust-argon2`: for the same parameters and
//! the same PHC strings it is about 2.6 times faster on x86-64 (AVX2), and it hashes into
//! memory the caller owns, which each hashing thread keeps for a burst of logins.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use rocket::tokio::sync::Semaphore;

use crate::http::error::ApiError;
use crate::workers::{self, Job};

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

/// OWASP's minimum for argon2id: m = 19 MiB, t = 2, p = 1, and a 32-byte hash.
const M_COST_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
const OUTPUT_LEN: usize = 32;
/// The most memory a stored hash may ask for when it is checked: 1 GiB.
const MAX_M_COST_KIB: u32 = 1024 * 1024;

/// Above the highest threshold glibc's malloc ever adopts (32 MiB on 64-bit), so that it
/// always maps hashing memory on its own and gives it back to the system when dropped.
/// Below it, glibc raises its threshold after the first free and later buffers stay in its
/// arenas: a login burst left the server 200 MiB larger. Only the pages argon2 writes are
/// resident; the rest of the capacity is address space.
const MAPPED_CAPACITY_BLOCKS: usize = 32 * 1024 + 1;

/// How long a hashing thread waits for the job of a login that was waiting when its last hash
/// ended, memory kept, before giving it back anyway (the login was refused, or another thread
/// took its job). The unit tests wait longer: on a machine busy with the whole test suite, the
/// next job of a burst was seen to come more than a second after the last answer.
const KEEP_MEMORY: Duration = if cfg!(test) {
    Duration::from_secs(30)
} else {
    Duration::from_secs(1)
};

/// The working memory of argon2 (19 MiB at the default cost), kept by a hashing thread
/// between the hashes of a burst instead of being mapped and faulted in again for each one,
/// and given back as soon as no login waits for a hash (see [`hashing_thread`]).
#[derive(Default)]
pub struct Memory(Vec<Block>);

impl Memory {
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.0.len() != count {
            self.release();
            let mut blocks = Vec::with_capacity(count.max(MAPPED_CAPACITY_BLOCKS));
            blocks.resize(count, Block::default());
            self.0 = blocks;
        }
        &mut self.0
    }

    fn release(&mut self) {
        self.0 = Vec::new();
    }

    fn is_held(&self) -> bool {
        self.0.capacity() > 0
    }
}

/// Counts of what the hashing threads do with their [`Memory`].
#[derive(Default)]
struct MemoryUse {
    /// Threads holding their memory now.
    holding: AtomicUsize,
    /// Times a thread mapped its memory (each faults 19 MiB in).
    mappings: AtomicUsize,
}

/// Argon2id hashing and checking with bounded concurrency.
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// The hashing threads' queue. Hashes run on these few threads only, each with its own
    /// [`Memory`].
    jobs: std::sync::mpsc::Sender<Job<Memory>>,
    /// Logins waiting for a hashing permit; the hashing threads read it to know whether to
    /// keep their memory.
    waiting: Arc<AtomicUsize>,
    /// What the hashing threads do with their memory.
    memory: Arc<MemoryUse>,
    max_waiting: usize,
    /// Checked against when the account does not exist, so both answers take the same time.
    dummy_hash: String,
}

impl Passwords {
    pub fn new(concurrency: usize, max_waiting: usize) -> Result<Passwords, String> {
        let dummy_hash = unmatchable_hash().map_err(|e| format!("argon2: {e}"))?;
        let (jobs, queue) = std::sync::mpsc::channel::<Job<Memory>>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        let waiting = Arc::new(AtomicUsize::new(0));
        let memory = Arc::new(MemoryUse::default());
        for n in 0..concurrency {
            let queue = queue.clone();
            let waiting = waiting.clone();
            let memory = memory.clone();
            std::thread::Builder::new()
                .name(format!("preau-hash-{n}"))
                .spawn(move || hashing_thread(&queue, &waiting, &memory))
                .map_err(|e| format!("cannot start a hashing thread: {e}"))?;
        }
        Ok(Passwords {
            jobs,
            permits: Arc::new(Semaphore::new(concurrency)),
            waiting,
            memory,
            max_waiting,
            dummy_hash,
        })
    }

    /// How many hashing threads hold argon2's memory right now (none once no login waits).
    pub fn threads_holding_memory(&self) -> usize {
        self.memory.holding.load(Ordering::SeqCst)
    }

    /// How many times the hashing threads have mapped argon2's memory.
    pub fn memory_mappings(&self) -> usize {
        self.memory.mappings.load(Ordering::SeqCst)
    }

    /// Whether a new hash would be refused right now (every thread busy, the queue full):
    /// callers check it before any other work so that a storm's surplus costs next to nothing.
    pub fn saturated(&self) -> bool {
        self.full(self.waiting.load(Ordering::SeqCst))
    }

    /// Whether `waiting` hashes already fill every free thread and the queue.
    fn full(&self, waiting: usize) -> bool {
        waiting >= self.max_waiting + self.permits.available_permits()
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        if self.full(self.waiting.fetch_add(1, Ordering::SeqCst)) {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(ApiError::busy());
        }
        // Counted as waiting until its job is in the queue (or the login gives up): a hashing
        // thread that ends a hash then sees either the count or the job, and keeps its memory
        // for it. Uncounted once the permit was taken, the next login's job could come just
        // after a thread had looked at a count of 0 and given its memory back (seen once
        // the hashing threads ran under SCHED_IDLE, which lets any thread run before they
        // look).
        let counted = Waiting(&self.waiting);
        let _permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ApiError::internal(format!("hash pool closed: {e}")))?;
        let answer = workers::send(&self.jobs, "hashing", work)?;
        drop(counted);
        workers::answer(answer, "hashing").await
    }

    pub async fn hash(&self, password: &str) -> Result<String, ApiError> {
        let password = password.to_owned();
        self.run(move |memory| hash_with(memory, &password))
            .await?
            .map_err(|e| ApiError::internal(format!("argon2: {e}")))
    }

    /// Checks `password` against `hash`, or against a dummy hash when there is no account.
    pub async fn verify(&self, hash: Option<String>, password: &str) -> Result<bool, ApiError> {
        let exists = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.clone());
        let password = password.to_owned();
        let ok = self
            .run(move |memory| verify_with(memory, &hash, &password))
            .await?;
        Ok(exists && ok)
    }
}

/// A login counted in [`Passwords::waiting`] until this is dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A hashing thread: runs jobs with its memory, and ends when the [`Passwords`] (the sender) is
/// dropped. After a hash it keeps the memory only while a login waits for a hashing permit
/// (`waiting`) or has its job in the queue already: the next hash of a burst then starts
/// within a millisecond on memory already mapped, and the last one gives the memory back at
/// once. A sparse login maps it anew: one every 0.5 s took 40 ms instead of 32 (issue 18), for
/// a server that holds none of argon2's 19 MiB when no login is being checked. A waiting login
/// whose job does not come within [`KEEP_MEMORY`] (it was refused, or another thread took it)
/// gets fresh memory.
fn hashing_thread(
    queue: &std::sync::Mutex<std::sync::mpsc::Receiver<Job<Memory>>>,
    waiting: &AtomicUsize,
    counts: &MemoryUse,
) {
    // A login storm slows logins down rather than the rest of the server.
    workers::idle_priority("the hashing threads");
    let mut memory = Memory::default();
    let give_back = |memory: &mut Memory| {
        if memory.is_held() {
            memory.release();
            counts.holding.fetch_sub(1, Ordering::SeqCst);
        }
    };
    // A job already queued when a hash ends: its login no longer counts as waiting.
    let mut queued: Option<Job<Memory>> = None;
    loop {
        let held = memory.is_held();
        let next = match queued.take() {
            Some(job) => Ok(job),
            None => match queue.lock() {
                Ok(queue) if held => queue.recv_timeout(KEEP_MEMORY),
                Ok(queue) => queue.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Err(_) => return,
            },
        };
        match next {
            Ok(job) => {
                let panicked = workers::run(job, &mut memory);
                if !held && memory.is_held() {
                    counts.holding.fetch_add(1, Ordering::SeqCst);
                    counts.mappings.fetch_add(1, Ordering::SeqCst);
                }
                if panicked {
                    give_back(&mut memory);
                } else if waiting.load(Ordering::SeqCst) == 0 {
                    // Not `lock`: an idle thread holds the queue while it waits, and takes
                    // what comes itself.
                    queued = queue
                        .try_lock()
                        .ok()
                        .and_then(|queue| queue.try_recv().ok());
                    if queued.is_none() {
                        give_back(&mut memory);
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => give_back(&mut memory),
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Hashes on the current thread with fresh memory (the CLI, the dummy hash).
pub fn hash_now(password: &str) -> Result<String, HashError> {
    hash_with(&mut Memory::default(), password)
}

/// Why a hash could not be computed (never a wrong password: that is `false`).
#[derive(Debug)]
pub struct HashError(String);

impl std::fmt::Display for HashError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn hash_error(e: impl std::fmt::Display) -> HashError {
    HashError(e.to_string())
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) for `password` with a fresh
/// random salt, the format every argon2 implementation reads.
pub fn hash_with(memory: &mut Memory, password: &str) -> Result<String, HashError> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, Some(OUTPUT_LEN)).map_err(hash_error)?;
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    let mut out = [0u8; OUTPUT_LEN];
    let count = params.block_count();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, memory.blocks(count))
        .map_err(hash_error)?;
    phc_string(&params, &salt, &out)
}

/// A PHC string with today's costs whose output is random bytes instead of a hash: no known
/// password matches it, and checking one against it costs a whole argon2id hash, as against a
/// real one. The dummy of [`Passwords::verify`]: made without hashing, so that the server
/// starts without spending a hash's CPU time and 19 MiB of memory on it.
pub fn unmatchable_hash() -> Result<String, HashError> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, Some(OUTPUT_LEN)).map_err(hash_error)?;
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    let mut out = [0u8; OUTPUT_LEN];
    rand::fill(&mut out);
    phc_string(&params, &salt, &out)
}

fn phc_string(params: &Params, salt: &[u8], out: &[u8]) -> Result<String, HashError> {
    let salt = SaltString::encode_b64(salt).map_err(hash_error)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(hash_error)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(out).map_err(hash_error)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `encoded`, whatever argon2 variant and costs it
/// names (hashes made with stronger settings keep working); compared in constant time.
/// A string that is not an argon2 hash matches nothing.
pub fn verify_with(memory: &mut Memory, encoded: &str, password: &str) -> bool {
    let Ok(phc) = PasswordHash::new(encoded) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(phc.algorithm),
        Params::try_from(&phc),
        phc.salt,
        phc.hash,
    ) else {
        return false;
    };
    // A stored hash cannot make a login allocate without bound.
    if params.m_cost() > MAX_M_COST_KIB {
        return false;
    }
    let version = match phc.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let count = params.block_count();
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory.blocks(count))
        .is_ok()
        && Output::new(&out).is_ok_and(|got| got == expected)
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
    fn the_dummy_hash_has_todays_costs_and_matches_no_password() {
        let dummy = unmatchable_hash().expect("a step of the test itself");
        let real = hash_now("Blue-Kettle-42").expect("a step of the test itself");
        // Same algorithm, version and costs: checking against it takes a real hash's time.
        let head = |s: &str| {
            s.rsplitn(3, '$')
                .nth(2)
                .expect("a step of the test itself")
                .to_owned()
        };
        assert_eq!(head(&dummy), head(&real));
        assert!(
            dummy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{dummy}"
        );
        assert_ne!(
            dummy,
            unmatchable_hash().expect("a step of the test itself")
        );
        let mut memory = Memory::default();
        for password in ["", "Blue-Kettle-42", "password"] {
            assert!(!verify_with(&mut memory, &dummy, password));
        }
        assert!(verify_with(&mut memory, &real, "Blue-Kettle-42"));
    }

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

    /// Made by rust-argon2 (the hasher of earlier versions) from "Blue-Kettle-42": databases
    /// written before the switch keep working.
    const EARLIER_HASHES: [&str; 3] = [
        "$argon2id$v=19$m=19456,t=2,p=1$cHJlYXUta25vd24tc2FsdA$jemTVJ/i2iycMUkn6tmlydUEaWdjXS2F81VVxNxY4ho",
        "$argon2id$v=19$m=32768,t=3,p=1$cHJlYXUta25vd24tc2FsdA$dEy+jvhEggA818UgmwovLwntgAqDeRcRbkrrIIYTkbg",
        "$argon2i$v=19$m=4096,t=2,p=1$cHJlYXUta25vd24tc2FsdA$0GVG10UYanUIXA46OCd99oYdBjyLhNkHChVyGxEKv2o",
    ];

    #[test]
    fn hashes_of_earlier_versions_and_other_costs_still_verify() {
        let mut memory = Memory::default();
        for hash in EARLIER_HASHES {
            assert!(verify_with(&mut memory, hash, "Blue-Kettle-42"), "{hash}");
            assert!(!verify_with(&mut memory, hash, "Blue-Kettle-43"), "{hash}");
        }
    }

    #[test]
    fn a_new_hash_is_owasp_argon2id_with_a_random_salt_and_verifies() {
        let mut memory = Memory::default();
        let first = hash_with(&mut memory, "Blue-Kettle-42").expect("hash");
        let second = hash_now("Blue-Kettle-42").expect("hash");
        assert!(
            first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{first}"
        );
        assert_ne!(first, second, "each hash has its own salt");
        assert!(verify_with(&mut memory, &first, "Blue-Kettle-42"));
        assert!(verify_with(&mut memory, &second, "Blue-Kettle-42"));
        assert!(!verify_with(&mut memory, &first, "blue-Kettle-42"));
        assert!(!verify_with(&mut memory, &first, ""));
    }

    #[test]
    fn what_is_not_an_argon2_hash_matches_nothing() {
        let mut memory = Memory::default();
        for hash in [
            "",
            "Blue-Kettle-42",
            "$argon2id$v=19$m=19456,t=2,p=1$cHJlYXUta25vd24tc2FsdA",
            "$argon2id$v=19$m=19456,t=2,p=1$$jemTVJ/i2iycMUkn6tmlydUEaWdjXS2F81VVxNxY4ho",
            "$argon2id$v=99$m=19456,t=2,p=1$cHJlYXUta25vd24tc2FsdA$jemTVJ/i2iycMUkn6tmlydUEaWdjXS2F81VVxNxY4ho",
            "$argon2id$v=19$m=1,t=2,p=1$cHJlYXUta25vd24tc2FsdA$jemTVJ/i2iycMUkn6tmlydUEaWdjXS2F81VVxNxY4ho",
            "$argon2id$v=19$m=4194304,t=2,p=1$cHJlYXUta25vd24tc2FsdA$jemTVJ/i2iycMUkn6tmlydUEaWdjXS2F81VVxNxY4ho",
            "$bcrypt$v=19$m=19456,t=2,p=1$cHJlYXUta25vd24tc2FsdA$jemTVJ/i2iycMUkn6tmlydUEaWdjXS2F81VVxNxY4ho",
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        ] {
            assert!(!verify_with(&mut memory, hash, "Blue-Kettle-42"), "{hash}");
        }
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn hashing_threads_run_on_idle_cpu_time_only() {
        let passwords = Passwords::new(1, 8).expect("passwords");
        // The policies of the hashing threads (this test's and its neighbours'), seen in the
        // process's list of threads.
        let policies = || {
            std::fs::read_dir("/proc/self/task")
                .expect("/proc/self/task")
                .filter_map(|task| {
                    let dir = task.ok()?.path();
                    let name = std::fs::read_to_string(dir.join("comm")).ok()?;
                    let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
                    (name.trim() == "preau-hash-0").then_some(stat)
                })
                // After the command in parentheses: field 3 (the state) onwards; field 41 is
                // the scheduling policy (5: SCHED_IDLE).
                .map(|stat| {
                    stat.rsplit_once(')').map_or(String::new(), |(_, rest)| {
                        rest.split_whitespace().nth(41 - 3).unwrap_or("").to_owned()
                    })
                })
                .collect::<Vec<_>>()
        };
        // A thread that has just started has not set its policy yet.
        wait_until("the hashing threads run under SCHED_IDLE", || {
            policies().iter().any(|p| p == "5")
        });
        drop(passwords);
    }

    fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_millis(500);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "{what}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn a_hash_with_no_login_waiting_gives_its_memory_back_at_once() {
        let passwords = Passwords::new(1, 8).expect("passwords");
        let runtime = rocket::tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let hash = runtime
            .block_on(passwords.hash("Blue-Kettle-42"))
            .expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        // Well before KEEP_MEMORY, which would give it back too.
        wait_until("the memory is given back", || {
            passwords.threads_holding_memory() == 0
        });
    }

    #[test]
    fn a_job_queued_when_a_hash_ends_finds_the_memory_kept() {
        // No login counts as waiting: the second job is in the queue before the first ends.
        let passwords = Passwords::new(1, 8).expect("passwords");
        let (go, first_may_end) = std::sync::mpsc::channel::<()>();
        let (done, ended) = std::sync::mpsc::channel::<bool>();
        let first_done = done.clone();
        let jobs: [Job<Memory>; 2] = [
            Box::new(move |memory: &mut Memory| {
                let hashed = hash_with(memory, "Blue-Kettle-42").is_ok();
                let _ = first_may_end.recv();
                let _ = first_done.send(hashed);
            }),
            Box::new(move |memory: &mut Memory| {
                let _ = done.send(hash_with(memory, "Blue-Kettle-42").is_ok());
            }),
        ];
        for job in jobs {
            passwords.jobs.send(job).expect("the hashing thread");
        }
        go.send(()).expect("the first job");
        for _ in 0..2 {
            assert_eq!(ended.recv_timeout(Duration::from_secs(30)), Ok(true));
        }
        assert_eq!(passwords.memory_mappings(), 1);
        wait_until("the memory is given back after the second job", || {
            passwords.threads_holding_memory() == 0
        });
    }

    #[test]
    fn a_burst_of_logins_maps_the_hashing_memory_once() {
        let passwords = Arc::new(Passwords::new(1, 8).expect("passwords"));
        let runtime = rocket::tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("runtime");
        // The only hashing permit is held while the burst lines up: all four logins wait.
        let permit = runtime
            .block_on(passwords.permits.clone().acquire_owned())
            .expect("permit");
        let burst: Vec<_> = (0..4)
            .map(|_| {
                let passwords = passwords.clone();
                runtime.spawn(async move { passwords.hash("Blue-Kettle-42").await })
            })
            .collect();
        wait_until("the burst waits", || {
            passwords.waiting.load(Ordering::SeqCst) == 4
        });
        drop(permit);
        for hash in burst {
            runtime
                .block_on(hash)
                .expect("task")
                .expect("hash of the burst");
        }
        assert_eq!(passwords.memory_mappings(), 1);
        wait_until("the memory is given back after the burst", || {
            passwords.threads_holding_memory() == 0
        });
        runtime
            .block_on(passwords.hash("Blue-Kettle-42"))
            .expect("a hash after the burst");
        // Counted by the thread once the job has answered.
        wait_until("a lone login maps it anew", || {
            passwords.memory_mappings() == 2
        });
    }

    #[test]
    fn base_word_strips_decorations() {
        assert_eq!(base_word("p@ssw0rd123!"), "password");
        assert_eq!(base_word("!!azerty2024"), "azerty");
    }
}
