//! Showing the engine's events as they happen: a progress bar with per-migration lines on a
//! terminal, plain lines otherwise, JSON lines with `--json`.

use std::time::Duration;

use console::style;
use indicatif::{ProgressBar, ProgressStyle};
use plover::{Event, Observer};

use crate::output::{Mode, Output};

/// Renders events for one command.
pub struct Progress<'a> {
    output: &'a Output,
    bar: Option<ProgressBar>,
}

impl<'a> Progress<'a> {
    /// Progress printed through `output`.
    pub fn new(output: &'a Output) -> Self {
        Progress { output, bar: None }
    }

    fn say(&self, text: String) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => self.output.line(text),
        }
    }

    fn start_bar(&mut self, count: usize) {
        if !self.output.interactive || count < 2 {
            return;
        }
        self.bar = Some(bar(count, ""));
    }

    fn human(&mut self, event: &Event) {
        match event {
            Event::LockWaiting { holder } => {
                let holder = holder
                    .as_ref()
                    .map_or_else(|| "another runner".to_owned(), |h| h.to_string());
                self.output
                    .note(format!("waiting for the migration lock, held by {holder}"));
            }
            Event::LockAcquired { waited_ms } if *waited_ms >= 1000 => {
                self.output.note(format!(
                    "got the migration lock after {:.1}s",
                    *waited_ms as f64 / 1000.0
                ));
            }
            Event::Planned { count } => self.start_bar(*count),
            Event::LintFinding {
                path,
                line,
                rule,
                severity,
                message,
                ..
            } => {
                let label = if severity == "error" {
                    style(format!("{severity}[{rule}]")).red()
                } else {
                    style(format!("{severity}[{rule}]")).yellow()
                };
                self.output
                    .note(format!("{label} {path}:{line}: {message}"));
            }
            Event::MigrationStarted {
                version,
                name,
                resume_after,
                ..
            } => {
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("{version} {name}"));
                }
                if *resume_after > 0 {
                    self.say(format!(
                        "  resuming {version} {name} after statement {resume_after}"
                    ));
                }
            }
            Event::StatementApplied {
                version,
                statement,
                total,
                elapsed_ms,
            } => match &self.bar {
                Some(bar) => bar.set_message(format!("{version}: statement {statement}/{total}")),
                None => self.say(format!(
                    "    {version}: statement {statement}/{total} ({})",
                    millis(*elapsed_ms)
                )),
            },
            Event::InvalidIndexDropped { version, index } => {
                self.say(format!("  {version}: dropped invalid index {index} left by an interrupted run; building it again"));
            }
            Event::IndexAlreadyDropped { version, index } => {
                self.say(format!(
                    "  {version}: index {index} was already dropped before the interruption"
                ));
            }
            Event::IndexAlreadyBuilt { version, index } => {
                self.say(format!(
                    "  {version}: index {index} was already built before the interruption"
                ));
            }
            Event::MigrationApplied {
                version,
                name,
                elapsed_ms,
            } => {
                self.say(format!(
                    "  {} {version} {name} ({})",
                    style("applied").green(),
                    millis(*elapsed_ms)
                ));
                self.tick();
            }
            Event::RevertStarted { version, name, .. } => {
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("{version} {name}"));
                }
            }
            Event::MigrationReverted {
                version,
                name,
                elapsed_ms,
            } => {
                self.say(format!(
                    "  {} {version} {name} ({})",
                    style("reverted").yellow(),
                    millis(*elapsed_ms)
                ));
                self.tick();
            }
            _ => {}
        }
    }

    fn tick(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }
}

impl Drop for Progress<'_> {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Progress<'_> {
    fn on_event(&mut self, event: &Event) {
        match self.output.mode() {
            Mode::Human => self.human(event),
            Mode::Json => self
                .output
                .json(&serde_json::to_value(event).unwrap_or_default()),
            Mode::Quiet => {}
        }
    }
}

/// `12 ms`, `1.4 s`.
pub fn millis(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// A progress bar for `count` steps called `unit` (`tenants`), with the elapsed time and
/// an ETA, ticking on its own.
pub fn bar(count: usize, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(count as u64);
    let template = format!(
        "{{bar:30.cyan/blue}} {{pos}}/{{len}}{unit} {{wide_msg}} [{{elapsed}}, eta {{eta}}]"
    );
    bar.set_style(
        ProgressStyle::with_template(&template)
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
