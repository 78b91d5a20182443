//! Everything the CLI prints goes through [`Output`], which knows the mode (people, JSON or
//! quiet), whether colors are wanted, and which secrets must never be shown.

use std::borrow::Cow;
use std::fmt::Display;
use std::io::{IsTerminal, Write};

use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use crate::args::Global;
use crate::exit::Exit;

/// Secrets shorter than this are masked only where they appear as passwords.
const SHORTEST_SECRET: usize = 4;

/// What a command's failure looks like, for people and for machines.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub exit: Exit,
    /// The message for people (may span lines).
    pub message: String,
    /// Extra fields for `--json`.
    pub details: Value,
}

impl Failure {
    /// A failure with only a message.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
            details: json!({}),
        }
    }
}

/// How output is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Text for people.
    Human,
    /// JSON for machines.
    Json,
    /// Errors, and the results a command was asked for (see [`Output::artifact`]).
    Quiet,
}

/// The CLI's one way to print.
#[derive(Clone)]
pub struct Output {
    mode: Mode,
    secrets: Vec<String>,
    /// Whether progress bars may be drawn.
    pub interactive: bool,
}

impl Output {
    /// Output as the global flags and the terminal ask.
    pub fn new(global: &Global) -> Self {
        let mode = match (global.json, global.quiet) {
            (true, _) => Mode::Json,
            (false, true) => Mode::Quiet,
            _ => Mode::Human,
        };
        let interactive = mode == Mode::Human
            && std::io::stdout().is_terminal()
            && std::io::stderr().is_terminal();
        let color = !global.no_color
            && std::env::var_os("NO_COLOR").is_none()
            && std::io::stdout().is_terminal();
        console::set_colors_enabled(color);
        console::set_colors_enabled_stderr(color && std::io::stderr().is_terminal());
        Output {
            mode,
            secrets: Vec::new(),
            interactive,
        }
    }

    /// The output mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Never print `secrets` (the URL's password, as written and decoded). The URLs and
    /// `password=` settings in printed text are masked anyway; a password is also replaced
    /// wherever it appears only when it holds what ends such a scan (a space, a quote), since
    /// replacing every `postgres` or `1234` would garble the output.
    pub fn hide(&mut self, secrets: Vec<String>) {
        let unscannable = |s: &String| s.chars().any(|c| c.is_whitespace() || "\"'`<>".contains(c));
        self.secrets.extend(
            secrets
                .into_iter()
                .filter(|s| s.len() >= SHORTEST_SECRET && unscannable(s)),
        );
    }

    /// Masks the passwords of URLs and `password=` settings anywhere in `text`, then every
    /// known secret.
    fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut text = plover::secrets::redact(text);
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = Cow::Owned(text.replace(secret.as_str(), "***"));
            }
        }
        text
    }

    /// A line for people on stdout (not in JSON or quiet mode).
    pub fn line(&self, text: impl Display) {
        if self.mode == Mode::Human {
            let mut text = self.scrub(&text.to_string()).into_owned();
            text.push('\n');
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }

    /// The result the user asked for (a built script, a hash, a dump) on stdout, exactly as
    /// given. Quiet mode prints it too, since `--quiet` hides chatter, not results; JSON mode
    /// does not, since there the result is part of the command's JSON object.
    pub fn artifact(&self, text: &str) {
        if self.mode != Mode::Json {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }

    /// [`Output::artifact`] as one line, with secrets masked as [`Output::line`] masks them.
    pub fn artifact_line(&self, text: impl Display) {
        let mut text = self.scrub(&text.to_string()).into_owned();
        text.push('\n');
        self.artifact(&text);
    }

    /// A note for people on stderr (not in JSON or quiet mode).
    pub fn note(&self, text: impl Display) {
        if self.mode == Mode::Human {
            let _ = writeln!(std::io::stderr(), "{}", self.scrub(&text.to_string()));
        }
    }

    /// One JSON object on its own line on stdout (JSON mode only).
    pub fn json(&self, value: &Value) {
        if self.mode == Mode::Json {
            // Serialised whole first: written piece by piece, a large object would cost one
            // system call per kilobyte of stdout's line buffer.
            let scrubbed = Scrubbed {
                value,
                output: self,
            };
            let mut text = serde_json::to_vec(&scrubbed).expect("JSON values serialise");
            text.push(b'\n');
            let _ = std::io::stdout().lock().write_all(&text);
        }
    }

    /// Switches to JSON output, as `--json` would have (for `lint --format json`).
    pub fn use_json(&mut self) {
        self.mode = Mode::Json;
        self.interactive = false;
    }

    /// Reports `failure`: on stderr for people (even when quiet), and as a JSON object on
    /// stdout in JSON mode.
    pub fn failure(&self, failure: &Failure) {
        if self.mode == Mode::Json {
            let mut object = json!({
                "event": "error",
                "exit_code": failure.exit as i32,
                "kind": failure.exit.kind(),
                "message": failure.message,
            });
            if let (Some(object), Some(details)) =
                (object.as_object_mut(), failure.details.as_object())
            {
                object.extend(details.clone());
            }
            self.json(&object);
        }
        let label = console::style("error:").red().bold().for_stderr();
        let _ = writeln!(
            std::io::stderr(),
            "{label} {}",
            self.scrub(&failure.message)
        );
    }
}

/// `value` serialised with every string scrubbed on the way (its structure and numbers as
/// they are), without copying the rest.
struct Scrubbed<'a> {
    value: &'a Value,
    output: &'a Output,
}

impl Serialize for Scrubbed<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let inner = |value| Scrubbed {
            value,
            output: self.output,
        };
        match self.value {
            Value::String(text) => serializer.serialize_str(&self.output.scrub(text)),
            Value::Array(items) => serializer.collect_seq(items.iter().map(inner)),
            Value::Object(fields) => {
                serializer.collect_map(fields.iter().map(|(k, v)| (k, inner(v))))
            }
            other => other.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_scrubbed_and_the_rest_kept() {
        let output = Output {
            mode: Mode::Json,
            secrets: vec!["hunter2".to_owned()],
            interactive: false,
        };
        let value = json!({
            "message": "login failed for hunter2 twice: hunter2",
            "urls": [1, "postgres://u:pw@h/d", null, 2.5],
            "nested": {"dsn": "host=h password=secret user=u", "plain": "nothing here"},
        });
        let scrubbed = Scrubbed {
            value: &value,
            output: &output,
        };
        assert_eq!(
            serde_json::to_value(&scrubbed).unwrap(),
            json!({
                "message": "login failed for *** twice: ***",
                "urls": [1, "postgres://u:***@h/d", null, 2.5],
                "nested": {"dsn": "host=h password=*** user=u", "plain": "nothing here"},
            })
        );
    }
}
