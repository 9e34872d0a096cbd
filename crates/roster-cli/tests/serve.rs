//! `roster serve` as an operator starts it: what it prints, and the files it leaves.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const SUPPLIED_PASSWORD: &str = "Supplied-Adm1n-Passw0rd!";
const SUPPLIED_SECRET: &str = "supplied-client-secret-0123456789";

/// A started server, killed when dropped.
struct Server {
    child: Child,
    /// Everything it printed up to and including its credentials.
    banner: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(data_dir: &Path, supplied: bool) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env("ROSTER_LOG", "warn")
        .env_remove("ROSTER_BOOTSTRAP_PASSWORD")
        .env_remove("ROSTER_BOOTSTRAP_CLIENT_SECRET");
    if supplied {
        command
            .env("ROSTER_BOOTSTRAP_PASSWORD", SUPPLIED_PASSWORD)
            .env("ROSTER_BOOTSTRAP_CLIENT_SECRET", SUPPLIED_SECRET);
    }
    command
}

/// Starts the server and reads what it prints until it is listening (and, on a first start,
/// its credentials).
fn start(data_dir: &Path, supplied: bool) -> Server {
    let mut child = command(data_dir, supplied)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the roster binary starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut banner = String::new();
    let first_start = !data_dir.join("roster.db").exists();
    loop {
        let line = lines
            .next()
            .expect("the server prints until it is ready")
            .expect("readable stdout");
        banner.push_str(&line);
        banner.push('\n');
        let done = if first_start {
            line.starts_with("  app client secret:")
        } else {
            line.starts_with("roster is listening on ")
        };
        if done {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Server { child, banner }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("exists").mode() & 0o777
}

#[test]
fn the_banner_shows_only_what_roster_generated() {
    let supplied = tempfile::tempdir().unwrap();
    let server = start(&supplied.path().join("data"), true);
    assert!(
        !server.banner.contains(SUPPLIED_PASSWORD),
        "{}",
        server.banner
    );
    assert!(
        !server.banner.contains(SUPPLIED_SECRET),
        "{}",
        server.banner
    );
    assert!(
        server
            .banner
            .contains("password:         (as supplied in the environment)"),
        "{}",
        server.banner
    );

    let generated = tempfile::tempdir().unwrap();
    let server = start(&generated.path().join("data"), false);
    let password = server
        .banner
        .lines()
        .find_map(|line| line.strip_prefix("  password:"))
        .expect("a password line")
        .trim();
    assert_eq!(
        password.len(),
        24,
        "a generated password is shown once: {password}"
    );
}

#[test]
fn the_data_directory_and_its_files_are_the_owners_alone() {
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data");
    {
        let _server = start(&data, true);
        assert_eq!(mode(&data), 0o700);
        for file in ["roster.db", "roster.db-wal", "roster.db-shm"] {
            assert_eq!(mode(&data.join(file)), 0o600, "{file}");
        }
    }

    // An installation from before the rule: opened to everyone, tightened at start-up, and
    // the log says so.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    for file in ["roster.db", "roster.db-wal", "roster.db-shm"] {
        let path = data.join(file);
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    let mut child = command(&data, true)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.starts_with("roster is listening on "), "{line}");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("roster.db")), 0o600);
    child.kill().unwrap();
    child.wait().unwrap();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(
        log.contains("restricted a file of the data directory"),
        "{log}"
    );

    // A directory others may write to is refused: the server does not start.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o777)).unwrap();
    let refused = command(&data, true).output().unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("may be written by other users"), "{said}");
    assert!(!String::from_utf8_lossy(&refused.stdout).contains("listening"));
}
