//! The token signing keys, shared by every server on one database, and their rotation: each
//! key signs from its `active_from` until the next key's, and is kept (published) until
//! [`RETAINED_AFTER_RETIRING`] after that; the next key is made [`PUBLISHED_BEFORE_SIGNING`]
//! before it starts, so that relying parties that cache the published keys know it first.
//! The private keys are kept sealed by the caller (the server's key), never in the clear.

use chrono::{DateTime, Duration, Utc};

use crate::{Result, Store, params};

/// How long a key signs before the next one takes over.
pub const SIGNING_PERIOD: Duration = Duration::days(30);
/// How long before it starts signing a key is published.
pub const PUBLISHED_BEFORE_SIGNING: Duration = Duration::days(2);
/// How long after it stops signing a key is still published: past the end of every token it
/// signed (an hour), with room for clocks and caches.
pub const RETAINED_AFTER_RETIRING: Duration = Duration::days(1);

/// A signing key as kept: its id, its sealed private key, and when it starts signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    pub kid: String,
    pub sealed: String,
    pub active_from: DateTime<Utc>,
}

impl Store {
    /// The signing keys to publish at `now` (oldest first), after making the next one
    /// (`make`: its id and sealed private key) when the newest's period ends within
    /// [`PUBLISHED_BEFORE_SIGNING`], and forgetting those retired more than
    /// [`RETAINED_AFTER_RETIRING`] ago. With no keys yet, `first` (the one key kept before keys
    /// rotated) signs on until its successor, published now, takes over; else a new key signs
    /// from now.
    pub fn rotate_signing_keys(
        &self,
        now: DateTime<Utc>,
        first: Option<(String, String)>,
        make: impl Fn() -> (String, String),
    ) -> Result<Vec<SigningKey>> {
        self.pool.write(|tx| {
            let read = |tx: &mut dyn crate::db::Tx| -> Result<Vec<SigningKey>> {
                tx.query(
                    "SELECT kid, private_key, active_from FROM signing_keys ORDER BY active_from, kid",
                    &[],
                )?
                .iter()
                .map(|row| {
                    Ok(SigningKey {
                        kid: row.text(0)?,
                        sealed: row.text(1)?,
                        active_from: row.timestamp(2)?,
                    })
                })
                .collect()
            };
            let insert = |tx: &mut dyn crate::db::Tx, (kid, sealed): (String, String), from| {
                tx.execute(
                    "INSERT INTO signing_keys (kid, private_key, active_from, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (kid) DO NOTHING",
                    &params![kid, sealed, from, now],
                )
            };
            let mut keys = read(tx)?;
            if keys.is_empty() {
                match first.clone() {
                    Some(first) => {
                        insert(tx, first, now - SIGNING_PERIOD + PUBLISHED_BEFORE_SIGNING)?
                    }
                    None => insert(tx, make(), now)?,
                };
                keys = read(tx)?;
            }
            if let Some(newest) = keys.last() {
                let ends = newest.active_from + SIGNING_PERIOD;
                if ends - PUBLISHED_BEFORE_SIGNING <= now {
                    // Down past the end: the next key signs from now.
                    insert(tx, make(), ends.max(now))?;
                    keys = read(tx)?;
                }
            }
            // A key whose successor started signing long enough ago is not needed any more.
            let mut forgotten = false;
            for pair in keys.windows(2) {
                if pair[1].active_from + RETAINED_AFTER_RETIRING < now {
                    tx.execute(
                        "DELETE FROM signing_keys WHERE kid = $1",
                        &params![pair[0].kid.clone()],
                    )?;
                    forgotten = true;
                }
            }
            if forgotten {
                keys = read(tx)?;
            }
            Ok(keys)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_ahead_and_forgotten_after_their_tokens() {
        let (_directory, store, _) = crate::test_store();
        let counter = std::sync::atomic::AtomicUsize::new(0);
        let make = || {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            (format!("k{n}"), format!("sealed{n}"))
        };
        // To the microsecond, as the store keeps times.
        let start = DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap();
        let kids = |keys: &[SigningKey]| keys.iter().map(|k| k.kid.clone()).collect::<Vec<_>>();
        // The key kept before rotation signs on, its successor published two days ahead.
        let keys = store
            .rotate_signing_keys(start, Some(("old".into(), "sealed-old".into())), make)
            .unwrap();
        assert_eq!(kids(&keys), ["old", "k0"]);
        assert_eq!(keys[1].active_from, start + PUBLISHED_BEFORE_SIGNING);
        let later = start + PUBLISHED_BEFORE_SIGNING;
        let kept = later + RETAINED_AFTER_RETIRING - Duration::minutes(1);
        assert_eq!(
            kids(&store.rotate_signing_keys(kept, None, make).unwrap()),
            ["old", "k0"]
        );
        // Nothing new until two days before k0's period ends; then k1, to start at its end.
        let quiet = later + SIGNING_PERIOD - PUBLISHED_BEFORE_SIGNING - Duration::hours(1);
        assert_eq!(
            kids(&store.rotate_signing_keys(quiet, None, make).unwrap()),
            ["k0"]
        );
        let ahead = quiet + Duration::hours(2);
        let keys = store.rotate_signing_keys(ahead, None, make).unwrap();
        assert_eq!(kids(&keys), ["k0", "k1"]);
        assert_eq!(keys[1].active_from, later + SIGNING_PERIOD);
        // k0 is kept until a day after k1 took over.
        let after = later + SIGNING_PERIOD + RETAINED_AFTER_RETIRING - Duration::minutes(1);
        assert_eq!(
            kids(&store.rotate_signing_keys(after, None, make).unwrap()),
            ["k0", "k1"]
        );
        let gone = after + Duration::minutes(2);
        assert_eq!(
            kids(&store.rotate_signing_keys(gone, None, make).unwrap()),
            ["k1"]
        );
        // Down past k1's end: the next key signs from now.
        let down = gone + Duration::days(100);
        let keys = store.rotate_signing_keys(down, None, make).unwrap();
        assert_eq!(kids(&keys), ["k1", "k2"]);
        assert_eq!(keys[1].active_from, down);
    }
}
