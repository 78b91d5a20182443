//! A fleet run as it happens: a bar with done / failed / remaining and an ETA on a
//! terminal, a line per tenant that did something otherwise, JSON lines with `--json`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use console::style;
use indicatif::ProgressBar;
use plover::tenants::{FleetHooks, Outcome, TenantResult};
use serde_json::json;

use crate::output::{Mode, Output};
use crate::progress::millis;

/// Fleet hooks that show progress through a copy of the command's [`Output`].
pub struct FleetProgress {
    output: Output,
    /// What the tenants did: `applied`, `seeded`.
    verb: &'static str,
    bar: Mutex<Option<ProgressBar>>,
    failed: AtomicUsize,
}

impl FleetProgress {
    pub fn new(output: &Output, verb: &'static str) -> Arc<Self> {
        Arc::new(FleetProgress {
            output: output.clone(),
            verb,
            bar: Mutex::new(None),
            failed: AtomicUsize::new(0),
        })
    }

    /// Starts the bar for `count` tenants (on a terminal only).
    pub fn start(&self, count: usize) {
        *self.bar.lock().expect("bar lock") = self.new_bar(count, " tenants");
    }

    /// A bar for `count` things called `unit`, on a terminal.
    fn new_bar(&self, count: usize, unit: &str) -> Option<ProgressBar> {
        (self.output.interactive && count >= 2).then(|| crate::progress::bar(count, unit))
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = self.bar.lock().expect("bar lock").take() {
            bar.finish_and_clear();
        }
    }

    fn say(&self, text: String) {
        match &*self.bar.lock().expect("bar lock") {
            Some(bar) => bar.println(text),
            None => self.output.line(text),
        }
    }

    fn human(&self, result: &TenantResult) {
        let id = &result.tenant.id;
        let line = match result.outcome {
            Outcome::Succeeded if result.applied.is_empty() && result.planned.is_empty() => None,
            Outcome::Succeeded if !result.planned.is_empty() => Some(format!(
                "  {id}: would apply {}",
                result
                    .planned
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Outcome::Succeeded => Some(format!(
                "  {} {id}: {} {} ({})",
                style("ok").green(),
                self.verb,
                result.applied.len(),
                millis(result.duration_ms)
            )),
            Outcome::Failed => Some(format!(
                "  {} {id}: {}",
                style("FAILED").red().bold(),
                result.error.as_deref().unwrap_or("unknown error")
            )),
            Outcome::Skipped => None,
        };
        if let Some(line) = line {
            self.say(line);
        }
        if let Some(bar) = &*self.bar.lock().expect("bar lock") {
            bar.inc(1);
            let failed = self.failed.load(Ordering::SeqCst);
            if failed > 0 {
                bar.set_message(format!("({failed} failed)"));
            }
        }
    }
}

impl FleetHooks for FleetProgress {
    fn selected(&self, total: usize, _with_work: usize) {
        self.start(total);
    }

    fn schemas_read(&self, read: usize, total: usize) {
        let mut bar = self.bar.lock().expect("bar lock");
        if bar.is_none() {
            *bar = self.new_bar(total, " schemas read");
        }
        // Passes end in any order; the count only goes up.
        if let Some(bar) = bar.as_ref().filter(|b| b.position() < read as u64) {
            bar.set_position(read as u64);
        }
    }

    fn after_tenant(&self, result: &TenantResult) {
        if result.outcome == Outcome::Failed {
            self.failed.fetch_add(1, Ordering::SeqCst);
        }
        match self.output.mode() {
            Mode::Human => self.human(result),
            Mode::Json if !(result.applied.is_empty() && result.outcome == Outcome::Succeeded) => {
                let mut value = json!({ "event": "tenant" });
                if let (Some(object), Ok(serde_json::Value::Object(fields))) =
                    (value.as_object_mut(), serde_json::to_value(result))
                {
                    object.extend(fields);
                }
                self.output.json(&value);
            }
            Mode::Json | Mode::Quiet => {}
        }
    }
}
