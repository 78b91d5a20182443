//! A private PostgreSQL server started from the local binaries, for machines where no server
//! answers (DESIGN.md: "or a throwaway cluster started from the local PostgreSQL binaries").
//!
//! The server lives exactly as long as the test process, even one killed with SIGKILL: it runs
//! under a small watchdog shell that waits on a pipe whose other end only this process holds;
//! when the process ends, the pipe closes, and the watchdog stops the server and removes its
//! data directory.

use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

/// Keeps the watchdog's stdin open for the life of the process.
static WATCHDOG: Mutex<Option<(Child, ChildStdin)>> = Mutex::new(None);

/// Starts a throwaway server and returns its admin URL, or `None` (after saying why) when the
/// local binaries are missing or it does not come up.
pub async fn start() -> Option<String> {
    match try_start().await {
        Ok(url) => Some(url),
        Err(reason) => {
            eprintln!("no throwaway PostgreSQL either: {reason}");
            None
        }
    }
}

async fn try_start() -> Result<String, String> {
    let bin =
        bin_dir().ok_or("no PostgreSQL binaries found (pg_config, /usr/lib/postgresql/*/bin)")?;
    let data = std::env::temp_dir().join(format!("plover-pg-{}", std::process::id()));
    let port = free_port()?;
    let as_root = is_root();
    std::fs::create_dir_all(&data).map_err(|e| format!("create {}: {e}", data.display()))?;
    if as_root {
        // initdb and postgres refuse to run as root: the server runs as the postgres user.
        let status = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&data)
            .status();
        status.map_err(|e| format!("chown: {e}"))?;
    }
    let initdb = as_user(as_root, &bin.join("initdb"))
        .args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
            "-D",
        ])
        .arg(&data)
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !initdb.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&initdb.stderr)
        ));
    }
    spawn_watchdog(&bin, &data, port, as_root)?;
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres?sslmode=disable");
    for _ in 0..100 {
        if plover_postgres::connect(&url).await.is_ok() {
            eprintln!(
                "started a throwaway PostgreSQL on 127.0.0.1:{port} (data in {})",
                data.display()
            );
            return Ok(url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("the throwaway server did not accept connections within 10 s".to_owned())
}

fn spawn_watchdog(bin: &Path, data: &Path, port: u16, as_root: bool) -> Result<(), String> {
    let postgres = format!(
        "{prefix}{bin}/postgres -D {data} -p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
        prefix = if as_root {
            "setpriv --reuid=postgres --regid=postgres --init-groups "
        } else {
            ""
        },
        bin = bin.display(),
        data = data.display(),
    );
    let script = format!(
        "{postgres} >{data}.log 2>&1 & pid=$!; read _; kill -INT $pid; wait $pid; rm -rf {data} {data}.log",
        data = data.display()
    );
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start the watchdog: {e}"))?;
    let stdin = child.stdin.take().ok_or("no watchdog stdin")?;
    *WATCHDOG.lock().unwrap_or_else(|e| e.into_inner()) = Some((child, stdin));
    Ok(())
}

fn as_user(as_root: bool, program: &Path) -> Command {
    if as_root {
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=postgres", "--regid=postgres", "--init-groups"])
            .arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn bin_dir() -> Option<PathBuf> {
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let candidates = from_pg_config.into_iter().chain(debian_bin_dirs());
    candidates
        .into_iter()
        .find(|dir| dir.join("initdb").exists() && dir.join("postgres").exists())
}

/// `/usr/lib/postgresql/<version>/bin`, newest first.
fn debian_bin_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs.reverse();
    dirs
}

fn free_port() -> Result<u16, String> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("find a free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
