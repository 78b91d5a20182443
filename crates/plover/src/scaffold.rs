//! `plover init` and `plover new`: writing a config file and new migration files.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use plover_core::source::name::{classify_file, parse_stem};
use plover_core::source::{Layout, layout_of};
use plover_core::time::UtcDateTime;

use crate::config::CONFIG_FILE;
use crate::directory::read_directory;

/// The `plover.toml` that `init` writes.
pub const CONFIG_TEMPLATE: &str = include_str!("../templates/plover.toml");

/// A file that could not be written, or a name that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ScaffoldError(String);

fn write_new(path: &Path, contents: &str) -> Result<(), ScaffoldError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                ScaffoldError(format!(
                    "{} already exists; nothing was written",
                    path.display()
                ))
            } else {
                ScaffoldError(format!("cannot write {}: {e}", path.display()))
            }
        })?;
    file.write_all(contents.as_bytes())
        .map_err(|e| ScaffoldError(format!("cannot write {}: {e}", path.display())))
}

/// Writes the config file `config` (`plover.toml` when `None`) and creates the migrations
/// directory: `migrations` (or `dir`, relative to the current directory as on the command
/// line) next to it; the file then names that directory. Returns what it created.
pub fn init(config: Option<&Path>, dir: Option<&Path>) -> Result<Vec<PathBuf>, ScaffoldError> {
    let config = config.map_or_else(|| PathBuf::from(CONFIG_FILE), Path::to_owned);
    let base = config.parent().unwrap_or(Path::new(""));
    let (migrations, template) = match dir {
        None => (base.join("migrations"), CONFIG_TEMPLATE.to_owned()),
        Some(dir) => (dir.to_owned(), with_dir(&config, dir)?),
    };
    if !base.as_os_str().is_empty() {
        std::fs::create_dir_all(base)
            .map_err(|e| ScaffoldError(format!("cannot create {}: {e}", base.display())))?;
    }
    write_new(&config, &template)?;
    let mut created = vec![config];
    if !migrations.exists() {
        std::fs::create_dir_all(&migrations)
            .map_err(|e| ScaffoldError(format!("cannot create {}: {e}", migrations.display())))?;
        created.push(migrations);
    }
    Ok(created)
}

/// The config template naming `dir` as the migrations directory, relative to the config
/// file's directory (where Plover reads it from).
fn with_dir(config: &Path, dir: &Path) -> Result<String, ScaffoldError> {
    let absolute = |p: &Path| {
        std::path::absolute(p)
            .map(|p| lexically_normal(&p))
            .map_err(|e| ScaffoldError(e.to_string()))
    };
    let base = absolute(config)?
        .parent()
        .map(Path::to_owned)
        .unwrap_or_default();
    let dir = absolute(dir)?;
    let relative = relative_to(&dir, &base);
    let written = relative
        .display()
        .to_string()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    Ok(CONFIG_TEMPLATE.replacen("dir = \"migrations\"", &format!("dir = \"{written}\""), 1))
}

/// `path` with `.` left out and each `..` taking away the name before it, without asking
/// the file system (the directories may not exist yet).
fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(normal.components().next_back(), Some(Component::Normal(_))) =>
            {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

/// `path` written from `base` (both absolute): `../db/migrations` for `/p/db/migrations`
/// seen from `/p/deploy`.
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let (path, base): (Vec<_>, Vec<_>) = (path.components().collect(), base.components().collect());
    let shared = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let up = std::iter::repeat_n(std::path::Component::ParentDir, base.len() - shared);
    let relative: PathBuf = up.chain(path[shared..].iter().copied()).collect();
    if relative.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        relative
    }
}

/// How `new` numbers a migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionStyle {
    /// Follow the directory: timestamps if it uses them, otherwise the next number.
    Auto,
    /// A UTC timestamp, `20261121093000`.
    Timestamp,
    /// The highest version plus one, zero-padded like the others.
    Sequential,
}

/// Timestamp versions have 14 digits; anything that large is taken for one.
const TIMESTAMP_FLOOR: i64 = 10_000_000_000_000;

/// Creates the files of a new migration named `name` in `dir` (created when missing), in the
/// directory's layout, and returns their paths. `now_unix` is the current time.
pub fn new_migration(
    dir: &Path,
    name: &str,
    style: VersionStyle,
    now_unix: i64,
    with_down: bool,
) -> Result<Vec<PathBuf>, ScaffoldError> {
    let name = name.trim().replace(char::is_whitespace, "_");
    parse_stem(&format!("1_{name}"))
        .map_err(|reason| ScaffoldError(format!("cannot name a migration `{name}`: {reason}")))?;
    std::fs::create_dir_all(dir)
        .map_err(|e| ScaffoldError(format!("cannot create {}: {e}", dir.display())))?;
    let files = read_directory(dir).map_err(|e| ScaffoldError(e.to_string()))?;
    let (highest, width) = highest_version(&files);
    let timestamps = match style {
        VersionStyle::Auto => highest.is_some_and(|v| v >= TIMESTAMP_FLOOR),
        VersionStyle::Timestamp => true,
        VersionStyle::Sequential => false,
    };
    let version = if timestamps {
        let now: i64 = UtcDateTime::from_unix(now_unix)
            .compact()
            .parse()
            .expect("digits");
        format!(
            "{}",
            highest
                .map_or(Some(now), |h| h.checked_add(1).map(|next| now.max(next)))
                .ok_or_else(exhausted)?
        )
    } else {
        format!(
            "{:0width$}",
            highest
                .map_or(Some(1), |h| h.checked_add(1))
                .ok_or_else(exhausted)?,
            width = if highest.is_some() { width } else { 3 }
        )
    };
    let stem = format!("{version}_{name}");
    let (up, down) = match layout_of(&files).unwrap_or(Layout::Native) {
        Layout::Native => (
            dir.join(format!("{stem}.sql")),
            dir.join(format!("{stem}.down.sql")),
        ),
        Layout::UpDown => (
            dir.join(format!("{stem}.up.sql")),
            dir.join(format!("{stem}.down.sql")),
        ),
        Layout::Folder => {
            let folder = dir.join(&stem);
            std::fs::create_dir_all(&folder)
                .map_err(|e| ScaffoldError(format!("cannot create {}: {e}", folder.display())))?;
            (folder.join("up.sql"), folder.join("down.sql"))
        }
    };
    write_new(
        &up,
        &format!("-- {stem}: write the change here. Each migration runs in one transaction.\n\n"),
    )?;
    let mut created = vec![up];
    if with_down {
        write_new(&down, &format!("-- {stem}: undo the change here.\n\n"))?;
        created.push(down);
    }
    Ok(created)
}

fn exhausted() -> ScaffoldError {
    ScaffoldError(
        "the highest version is already the largest Plover can store; renumber the migrations"
            .to_owned(),
    )
}

/// The highest version among the directory's file and folder names, and the widest version
/// prefix seen (to keep zero-padding).
fn highest_version(files: &[plover_core::SourceFile]) -> (Option<i64>, usize) {
    let mut highest = None;
    let mut width = 0;
    for file in files {
        let first = file.path.split('/').next().unwrap_or_default();
        let stem = classify_file(first).map_or(first, |(_, stem)| stem);
        if let Ok((version, _)) = parse_stem(stem) {
            highest = highest.max(Some(version.0));
            width = width.max(stem.find('_').unwrap_or(0));
        }
    }
    (highest, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(paths: &[PathBuf], dir: &Path) -> Vec<String> {
        paths
            .iter()
            .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
            .collect()
    }

    const NOW: i64 = 1_795_299_543; // 2026-11-21 22:19:03 UTC

    #[test]
    fn sequential_follows_the_padding() {
        let dir = tempfile::tempdir().unwrap();
        let created =
            new_migration(dir.path(), "add users", VersionStyle::Auto, NOW, false).unwrap();
        assert_eq!(names(&created, dir.path()), ["001_add_users.sql"]);
        std::fs::write(dir.path().join("0009_x.sql"), "").unwrap();
        let created = new_migration(dir.path(), "more", VersionStyle::Auto, NOW, true).unwrap();
        assert_eq!(
            names(&created, dir.path()),
            ["0010_more.sql", "0010_more.down.sql"]
        );
        let unpadded = tempfile::tempdir().unwrap();
        std::fs::write(unpadded.path().join("1_a.sql"), "").unwrap();
        std::fs::write(unpadded.path().join("2_b.sql"), "").unwrap();
        let created = new_migration(unpadded.path(), "c", VersionStyle::Auto, NOW, false).unwrap();
        assert_eq!(names(&created, unpadded.path()), ["3_c.sql"]);
    }

    #[test]
    fn timestamps_when_asked_or_when_the_directory_uses_them() {
        let dir = tempfile::tempdir().unwrap();
        let created = new_migration(dir.path(), "a", VersionStyle::Timestamp, NOW, false).unwrap();
        assert_eq!(names(&created, dir.path()), ["20261121221903_a.sql"]);
        let created = new_migration(dir.path(), "b", VersionStyle::Auto, NOW, false).unwrap();
        assert_eq!(names(&created, dir.path()), ["20261121221904_b.sql"]);
    }

    #[test]
    fn follows_the_layout() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("001_a")).unwrap();
        std::fs::write(dir.path().join("001_a/up.sql"), "").unwrap();
        let created = new_migration(dir.path(), "b", VersionStyle::Auto, NOW, true).unwrap();
        assert_eq!(
            names(&created, dir.path()),
            ["002_b/up.sql", "002_b/down.sql"]
        );
    }

    #[test]
    fn refuses_bad_names_and_existing_files() {
        let dir = tempfile::tempdir().unwrap();
        let error =
            new_migration(dir.path(), "add/users", VersionStyle::Auto, NOW, false).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot name a migration `add/users`: the name may hold letters, digits, `_` and `-`, not '/'"
        );
        let config = dir.path().join(CONFIG_FILE);
        init(Some(&config), None).unwrap();
        let error = init(Some(&config), None).unwrap_err().to_string();
        assert!(
            error.ends_with("plover.toml already exists; nothing was written"),
            "{error}"
        );
    }

    #[test]
    fn relative_paths_climb_only_out_of_real_directories() {
        let base = lexically_normal(Path::new("/p/q/../x"));
        assert_eq!(base, Path::new("/p/x"));
        assert_eq!(
            relative_to(Path::new("/p/q/migrations"), &base),
            Path::new("../q/migrations")
        );
        assert_eq!(relative_to(Path::new("/p/x"), &base), Path::new("."));
    }

    #[test]
    fn init_writes_the_config_and_the_directory_it_is_told() {
        let root = tempfile::tempdir().unwrap();
        let config = root.path().join("deploy/app.toml");
        let dir = root.path().join("db/migrations");
        let created = init(Some(&config), Some(&dir)).unwrap();
        assert_eq!(created, [config.clone(), dir.clone()]);
        let text = std::fs::read_to_string(&config).unwrap();
        let file: crate::config::ConfigFile = toml::from_str(&text).unwrap();
        assert_eq!(file.migrations.dir.as_deref(), Some("../db/migrations"));
        let loaded = crate::config::LoadedConfig::load(&config).unwrap();
        let settings =
            crate::config::resolve(Some(&loaded), crate::config::Overrides::default(), &|_| {
                None
            })
            .unwrap();
        assert_eq!(
            std::path::absolute(settings.migrations_dir).unwrap(),
            std::path::absolute(root.path().join("deploy/../db/migrations")).unwrap()
        );
    }

    #[test]
    fn the_config_template_parses_with_every_key_uncommented() {
        let parse = |text: &str| toml::from_str::<crate::config::ConfigFile>(text);
        parse(CONFIG_TEMPLATE).expect("the template as written");
        let uncommented: String = CONFIG_TEMPLATE
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest) if rest.contains(" = ") && !rest.starts_with(' ') => rest,
                _ => line,
            })
            .flat_map(|line| [line, "\n"])
            .collect();
        assert!(uncommented.contains("\nschema_template = "));
        parse(&uncommented).expect("every key the template names is a real key");
    }
}
