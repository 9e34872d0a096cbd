//! Argon2id for human-chosen passwords, on threads of its own.
//!
//! One thread per core, each with its 19 MiB of Argon2 memory allocated once: more hashes at
//! once than cores only thrash the caches, and allocating (and page-faulting) 19 MiB per hash
//! costs as much as a tenth of the hash. Requests queue on a channel and await their answer, so
//! the async threads never block on a hash.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use argon2::Block;
use argon2::password_hash::{Output, PasswordHash as Phc};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use rand::Rng;
use roster_core::directory::PasswordHash;

/// OWASP's minimum for Argon2id (m = 19 MiB, t = 2, p = 1); DESIGN.md forbids going lower.
pub fn argon2() -> argon2::Argon2<'static> {
    let params = argon2::Params::new(19 * 1024, 2, 1, Some(32)).expect("valid argon2 parameters");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// Memory for one Argon2id computation at [`argon2`]'s parameters.
pub fn memory() -> Vec<Block> {
    vec![Block::default(); argon2().params().block_count()]
}

/// Hashes `password` with a fresh salt into a PHC string, using `memory`.
pub fn hash_with(memory: &mut [Block], password: &str) -> PasswordHash {
    let hasher = argon2();
    let salt: [u8; 16] = rand::rng().random();
    let mut output = [0u8; 32];
    hasher
        .hash_password_into_with_memory(password.as_bytes(), &salt, &mut output, &mut *memory)
        .expect("argon2 accepts any password with a 16-byte salt");
    let params = hasher.params();
    PasswordHash::Argon2id(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(output)
    ))
}

/// Checks `password` against a PHC string, with the parameters the string names.
pub fn verify_with(memory: &mut Vec<Block>, password: &str, phc: &str) -> bool {
    verify_marked(memory, password, phc).0
}

/// [`verify_with`], and a mark of what was computed: the first 16 bytes of a SHA-256 of the
/// Argon2id output, in hex. Two tries of one password against one hash have the same mark, and
/// a mark is no cheaper to reverse than the hash itself (each guess costs an Argon2id), so it
/// can be kept to recognise a wrong password tried again. `None` if `phc` cannot be read.
pub fn verify_marked(memory: &mut Vec<Block>, password: &str, phc: &str) -> (bool, Option<String>) {
    let Ok(parsed) = Phc::new(phc) else {
        return (false, None);
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return (false, None);
    };
    let Ok(params) = argon2::Params::try_from(&parsed) else {
        return (false, None);
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return (false, None);
    };
    let hasher = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    if memory.len() != hasher.params().block_count() {
        *memory = vec![Block::default(); hasher.params().block_count()];
    }
    let mut output = vec![0u8; expected.len()];
    if hasher
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut output, &mut memory[..])
        .is_err()
    {
        return (false, None);
    }
    let mark = {
        use sha2::Digest;
        let digest = sha2::Sha256::new()
            .chain_update(b"roster sign-in attempt mark\n")
            .chain_update(&output)
            .finalize();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    };
    // Output's equality is constant-time.
    let matches = Output::new(&output).is_ok_and(|computed| computed == expected);
    (matches, Some(mark))
}

enum Work {
    Hash(String),
    Verify { password: String, phc: String },
}

enum Answer {
    Hash(PasswordHash),
    Verified(bool, Option<String>),
}

struct Job {
    work: Work,
    reply: tokio::sync::oneshot::Sender<Answer>,
}

/// Password work that asks more of the hashing threads than they take: refused at once rather
/// than queued without limit (each waiting request would delay every sign-in behind it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// How many requests may wait for or hold a hashing thread, per thread: at about 30 ms a hash,
/// a sign-in waits at most a quarter of a second behind others; more are refused (429).
pub const QUEUE_PER_THREAD: usize = 8;

/// The hashing threads; dropping the last clone lets them finish.
#[derive(Clone)]
pub struct Hasher {
    jobs: mpsc::Sender<Job>,
    /// Requests waiting for or held by a thread, and how many may be.
    waiting: Arc<AtomicUsize>,
    capacity: usize,
    /// Verifications asked for (each costs one Argon2id computation).
    verifications: Arc<AtomicUsize>,
}

impl Hasher {
    pub fn start(threads: usize) -> Hasher {
        Hasher::with_capacity(threads, threads.max(1) * QUEUE_PER_THREAD)
    }

    /// [`Hasher::start`] with at most `capacity` requests waiting or being served.
    pub fn with_capacity(threads: usize, capacity: usize) -> Hasher {
        let (jobs, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let waiting = Arc::new(AtomicUsize::new(0));
        for index in 0..threads.max(1) {
            let receiver = receiver.clone();
            let waiting = waiting.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || {
                    let mut memory = memory();
                    loop {
                        let job = match receiver.lock() {
                            Ok(receiver) => receiver.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        let answer = match job.work {
                            Work::Hash(password) => Answer::Hash(hash_with(&mut memory, &password)),
                            Work::Verify { password, phc } => {
                                let (matches, mark) = verify_marked(&mut memory, &password, &phc);
                                Answer::Verified(matches, mark)
                            }
                        };
                        waiting.fetch_sub(1, Ordering::AcqRel);
                        let _ = job.reply.send(answer);
                    }
                })
                .expect("starting a hashing thread");
        }
        Hasher {
            jobs,
            waiting,
            capacity: capacity.max(1),
            verifications: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// A place among the requests that may wait for a thread, held until it is used or
    /// dropped: taking it before any other work refuses a request the threads cannot take
    /// before that work is done.
    pub fn reserve(&self) -> Result<Slot, Busy> {
        // Counted before it is queued, so that no burst can overshoot the bound.
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Busy);
        }
        Ok(Slot {
            hasher: self.clone(),
            used: false,
        })
    }

    /// An Argon2id hash of `password`; `Ok(None)` if the threads have stopped.
    pub async fn hash(&self, password: String) -> Result<Option<PasswordHash>, Busy> {
        Ok(match self.reserve()?.run(Work::Hash(password)).await {
            Some(Answer::Hash(hash)) => Some(hash),
            _ => None,
        })
    }

    /// Whether `password` matches the PHC string (false if the threads have stopped).
    pub async fn verify(&self, password: String, phc: String) -> Result<bool, Busy> {
        Ok(self.reserve()?.verify(password, phc).await.0)
    }

    /// How many verifications have been asked of the threads (and not refused as busy).
    pub fn verifications(&self) -> usize {
        self.verifications.load(Ordering::Acquire)
    }
}

/// A reserved place for one piece of work on the hashing threads ([`Hasher::reserve`]).
pub struct Slot {
    hasher: Hasher,
    used: bool,
}

impl Slot {
    async fn run(mut self, work: Work) -> Option<Answer> {
        self.used = true;
        let (reply, answer) = tokio::sync::oneshot::channel();
        if self.hasher.jobs.send(Job { work, reply }).is_err() {
            self.hasher.waiting.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        answer.await.ok()
    }

    /// Whether `password` matches the PHC string, and the mark of the computation
    /// ([`verify_marked`]); `(false, None)` if the threads have stopped.
    pub async fn verify(self, password: String, phc: String) -> (bool, Option<String>) {
        let verifications = self.hasher.verifications.clone();
        let answer = self.run(Work::Verify { password, phc }).await;
        verifications.fetch_add(1, Ordering::AcqRel);
        match answer {
            Some(Answer::Verified(matches, mark)) => (matches, mark),
            _ => (false, None),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if !self.used {
            self.hasher.waiting.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// Hashes a human-chosen password with Argon2id, allocating its memory; about 30 ms of one
/// core. For one-off use off the async threads (bootstrap); requests use [`crate::identity::hashing::Hasher`].
pub fn hash_human_password(password: &str) -> PasswordHash {
    crate::identity::hashing::hash_with(&mut crate::identity::hashing::memory(), password)
}

/// A password roster generates: 24 characters of 62 (142 bits), with each character class.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] =
        b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789ACEFHKMNPRTWXYZ";
    let mut rng = rand::rng();
    loop {
        let password: String = (0..24)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        let has = |test: fn(&char) -> bool| password.chars().any(|c| test(&c));
        if has(char::is_ascii_uppercase)
            && has(char::is_ascii_lowercase)
            && has(char::is_ascii_digit)
        {
            return password;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_interoperate_with_the_password_hash_crate() {
        let mut memory = memory();
        let PasswordHash::Argon2id(phc) = hash_with(&mut memory, "Corr3ct-Horse!") else {
            panic!("argon2")
        };
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_with(&mut memory, "Corr3ct-Horse!", &phc));
        assert!(!verify_with(&mut memory, "corr3ct-Horse!", &phc));
        assert!(!verify_with(
            &mut memory,
            "Corr3ct-Horse!",
            "$argon2id$garbage"
        ));
        // The reference implementation accepts what we write.
        use argon2::password_hash::PasswordVerifier;
        let parsed = Phc::new(&phc).unwrap();
        assert!(argon2().verify_password(b"Corr3ct-Horse!", &parsed).is_ok());
        // And we accept what it writes, with other parameters.
        use argon2::password_hash::{PasswordHasher, SaltString};
        let other = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(8 * 1024, 3, 1, None).unwrap(),
        );
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let foreign = other
            .hash_password(b"pw-Other1!", &salt)
            .unwrap()
            .to_string();
        assert!(verify_with(&mut memory, "pw-Other1!", &foreign));
    }

    #[tokio::test]
    async fn the_threads_answer() {
        let hasher = Hasher::start(2);
        let Ok(Some(PasswordHash::Argon2id(phc))) = hasher.hash("Tr0ub4dor&3".into()).await else {
            panic!("hash")
        };
        assert_eq!(
            hasher.verify("Tr0ub4dor&3".into(), phc.clone()).await,
            Ok(true)
        );
        assert_eq!(hasher.verify("wrong".into(), phc).await, Ok(false));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn more_than_the_queue_holds_is_refused_not_queued() {
        let hasher = Hasher::with_capacity(1, 3);
        let PasswordHash::Argon2id(phc) = hash_with(&mut memory(), "x") else {
            panic!("argon2")
        };
        let asks: Vec<_> = (0..12)
            .map(|_| {
                let (hasher, phc) = (hasher.clone(), phc.clone());
                tokio::spawn(async move { hasher.verify("y".into(), phc).await })
            })
            .collect();
        let mut answers = Vec::new();
        for ask in asks {
            answers.push(ask.await.unwrap());
        }
        let refused = answers.iter().filter(|a| **a == Err(Busy)).count();
        let served = answers.iter().filter(|a| **a == Ok(false)).count();
        assert!(served >= 3 && served + refused == 12, "{answers:?}");
        assert!(refused >= 1, "at most 3 wait at once: {answers:?}");
        // Once the queue has drained, requests are served again.
        assert_eq!(hasher.verify("x".into(), phc).await, Ok(true));
    }
}
