//! The data directory and the files in it: owner-only, always.
//!
//! The embedded database holds the token-signing key and the password HMAC key
//! (`server_secrets`); anyone who can read it can sign a Global Administrator's token. So the
//! directory is created 0700 and every file in it 0600 (the database, its WAL and shared-memory
//! files, the TLS key and certificate). An installation made before this rule is tightened at
//! start-up, and the log says so; a directory that another user owns, or that others may write
//! to, is refused: whoever could write there could have replaced the database.

use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, bail};

/// Creates the data directory owner-only, or checks and tightens an existing one and
/// everything in it.
pub fn secure_data_dir(directory: &Path) -> anyhow::Result<()> {
    if !directory.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(directory)
            .with_context(|| format!("creating the data directory {}", directory.display()))?;
    }
    let metadata = fs::metadata(directory)
        .with_context(|| format!("reading the data directory {}", directory.display()))?;
    if !metadata.is_dir() {
        bail!(
            "the data directory {} is not a directory",
            directory.display()
        );
    }
    let me = rustix::process::geteuid().as_raw();
    if metadata.uid() != me {
        bail!(
            "the data directory {} belongs to user {}, but roster runs as user {me}: refusing to start \
             (its files hold the server's keys; give roster a directory of its own)",
            directory.display(),
            metadata.uid()
        );
    }
    if metadata.mode() & 0o022 != 0 {
        bail!(
            "the data directory {} may be written by other users (mode {:o}): refusing to start \
             (anyone who could write there could have replaced the database); check its contents, \
             then `chmod 700` it",
            directory.display(),
            metadata.mode() & 0o777
        );
    }
    tighten(directory, 0o700)?;
    tighten_contents(directory)
}

/// Creates `path` empty and owner-only unless it exists, so that SQLite, which gives a
/// database's WAL and shared-memory files the mode of the database file, makes them so too.
pub fn create_private(path: &Path) -> anyhow::Result<()> {
    if fs::symlink_metadata(path).is_ok_and(|metadata| metadata.file_type().is_symlink()) {
        bail!(
            "{} is a symbolic link: refusing to start (its target's owner and mode are not the data directory's)",
            path.display()
        );
    }
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error).with_context(|| format!("creating {}", path.display())),
    }
}

/// Writes a file that only its owner may read (replacing any earlier one).
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // A file that existed keeps its mode through open: set it.
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    file.write_all(contents)
}

fn tighten_contents(directory: &Path) -> anyhow::Result<()> {
    for entry in fs::read_dir(directory)? {
        let entry = entry?;
        // Not followed: a link's target is not roster's to change.
        let kind = entry.file_type()?;
        if kind.is_dir() {
            tighten(&entry.path(), 0o700)?;
            tighten_contents(&entry.path())?;
        } else if kind.is_file() {
            tighten(&entry.path(), 0o600)?;
        }
    }
    Ok(())
}

/// Takes every permission beyond `mode` away from `path`, saying so in the log.
fn tighten(path: &Path, mode: u32) -> anyhow::Result<()> {
    let current = fs::symlink_metadata(path)?.mode() & 0o777;
    if current & !mode != 0 {
        fs::set_permissions(path, fs::Permissions::from_mode(current & mode))
            .with_context(|| format!("restricting {} to its owner", path.display()))?;
        tracing::warn!(
            path = %path.display(),
            was = format!("{current:o}"),
            now = format!("{:o}", current & mode),
            "restricted a file of the data directory to its owner: it was readable by others"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().mode() & 0o777
    }

    #[test]
    fn a_new_directory_and_its_files_are_owner_only() {
        let parent = tempfile::tempdir().unwrap();
        let directory = parent.path().join("a/b");
        secure_data_dir(&directory).unwrap();
        assert_eq!(mode(&directory), 0o700);
        assert_eq!(mode(&parent.path().join("a")), 0o700);
        create_private(&directory.join("roster.db")).unwrap();
        assert_eq!(mode(&directory.join("roster.db")), 0o600);
        fs::write(directory.join("key.pem"), "old").unwrap();
        fs::set_permissions(directory.join("key.pem"), fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&directory.join("key.pem"), b"new").unwrap();
        assert_eq!(mode(&directory.join("key.pem")), 0o600);
        // A database that is a link elsewhere is refused.
        std::os::unix::fs::symlink(directory.join("key.pem"), directory.join("linked.db")).unwrap();
        let error = create_private(&directory.join("linked.db"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("symbolic link"), "{error}");
    }

    #[test]
    fn an_old_installation_is_tightened() {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path();
        fs::set_permissions(root, fs::Permissions::from_mode(0o755)).unwrap();
        fs::create_dir(root.join("tls")).unwrap();
        fs::set_permissions(root.join("tls"), fs::Permissions::from_mode(0o755)).unwrap();
        for file in ["roster.db", "roster.db-wal", "tls/key.pem"] {
            fs::write(root.join(file), "x").unwrap();
            fs::set_permissions(root.join(file), fs::Permissions::from_mode(0o644)).unwrap();
        }
        secure_data_dir(root).unwrap();
        assert_eq!(mode(root), 0o700);
        assert_eq!(mode(&root.join("tls")), 0o700);
        for file in ["roster.db", "roster.db-wal", "tls/key.pem"] {
            assert_eq!(mode(&root.join(file)), 0o600, "{file}");
        }
    }

    #[test]
    fn a_directory_others_may_write_is_refused() {
        let directory = tempfile::tempdir().unwrap();
        fs::set_permissions(directory.path(), fs::Permissions::from_mode(0o777)).unwrap();
        let error = secure_data_dir(directory.path()).unwrap_err().to_string();
        assert!(error.contains("may be written by other users"), "{error}");
        assert_eq!(mode(directory.path()), 0o777, "left as it was");
    }

    #[test]
    fn a_directory_of_another_user_is_refused() {
        // Root can give a directory away; anyone else finds one that is not theirs.
        let directory = tempfile::tempdir().unwrap();
        let theirs = if rustix::process::geteuid().is_root() {
            std::os::unix::fs::chown(directory.path(), Some(65534), Some(65534)).unwrap();
            fs::set_permissions(directory.path(), fs::Permissions::from_mode(0o700)).unwrap();
            directory.path().to_path_buf()
        } else {
            Path::new("/").to_path_buf()
        };
        let error = secure_data_dir(&theirs).unwrap_err().to_string();
        assert!(error.contains("belongs to user"), "{error}");
    }
}
