//! Linting one migration script: squawk's rules and Plover's on one parse, positions,
//! `-- plover:allow` comments, and the migration's risk tier.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use plover_core::{Script, TransactionMode};
use serde::Serialize;
use squawk_syntax::ast::{self, AstNode};
use squawk_syntax::{Parse, SourceFile};

use crate::options::{LintOptions, UnknownRule};
use crate::position::LineIndex;
use crate::rules::{self, Context, Hit, node_range};
use crate::{Finding, RiskTier, catalog};

/// What the linter says about one script.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileLint {
    /// The file.
    pub path: String,
    /// Findings of the enabled rules that the file does not allow, in file order.
    pub findings: Vec<Finding>,
    /// Findings the file allows with `-- plover:allow RULE reason`.
    pub allowed: Vec<Allowed>,
    /// How risky the migration is.
    pub tier: RiskTier,
    /// The statement that decided the tier.
    pub decided_by: Option<Decision>,
}

/// A finding the file allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Allowed {
    /// The rule.
    pub rule: &'static str,
    /// Where the finding is.
    pub line: usize,
    /// The reason the file gives.
    pub reason: String,
}

/// The statement that decided a migration's tier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Its 1-based line.
    pub line: usize,
    /// Its first line, shortened.
    pub statement: String,
    /// The rule that raised it, when a rule did.
    pub rule: Option<&'static str>,
}

/// Findings of parse errors: squawk's parser could not read part of the file.
const UNPARSED: &str = "unparsed-sql";
/// Findings of `-- plover:allow` naming a rule that does not exist.
const UNKNOWN_ALLOW: &str = "unknown-allowed-rule";

/// Scripts at least this large are linted on several threads: the validation of the parse
/// tree and two halves of squawk's rules run side by side. Smaller ones are not worth a
/// thread.
const PARALLEL_FROM: usize = 256 * 1024;

/// The stack of the threads that parse and check a script. squawk's parser and the rules
/// recurse once per level of nesting (parentheses, a chain of operators), so a deep but
/// valid statement (`SELECT 1 + 1 + ...` 100,000 times) overflowed the main thread's 8 MiB
/// and aborted the process. Reserved, not used: only the pages a deep script needs are.
const STACK: usize = 1 << 30;

/// Lints `script` for PostgreSQL.
pub fn lint_script(script: &Script, options: &LintOptions) -> Result<FileLint, UnknownRule> {
    let split = script.sql.len() >= PARALLEL_FROM && cores() > 1;
    std::thread::scope(|scope| {
        joined(spawn_deep(scope, || lint_with(script, options, split)).join())
    })
}

/// Lints every script, several at a time on a machine with several cores; the results are
/// in the order of `scripts`.
pub fn lint_scripts(
    scripts: &[Script],
    options: &LintOptions,
) -> Result<Vec<FileLint>, UnknownRule> {
    let workers = cores().min(scripts.len());
    if workers < 2 {
        return scripts.iter().map(|s| lint_script(s, options)).collect();
    }
    options.enabled()?;
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(script) = scripts.get(i) else {
                return done;
            };
            done.push((i, lint_with(script, options, false)));
        }
    };
    let mut results: Vec<(usize, Result<FileLint, UnknownRule>)> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..workers).map(|_| spawn_deep(scope, work)).collect();
        let mut all = Vec::new();
        for thread in threads {
            all.extend(joined(thread.join()));
        }
        all
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, lint)| lint).collect()
}

/// Runs `work` on a thread of `scope` with a [`STACK`]-sized stack, or with the usual
/// stack on a host that will not reserve that much (strict overcommit, a small VM): linting
/// goes on there, and only a very deep statement could overflow.
fn spawn_deep<'scope, T, F>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    work: F,
) -> std::thread::ScopedJoinHandle<'scope, T>
where
    T: Send + 'scope,
    F: FnOnce() -> T + Send + 'scope,
{
    // The closure goes back to the caller when the big thread cannot start.
    let slot = Arc::new(Mutex::new(Some(work)));
    let take = |slot: &Mutex<Option<F>>| {
        slot.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .expect("the work runs once")
    };
    let deep = {
        let slot = Arc::clone(&slot);
        move || take(&slot)()
    };
    match std::thread::Builder::new()
        .stack_size(STACK)
        .spawn_scoped(scope, deep)
    {
        Ok(handle) => handle,
        Err(_) => scope.spawn(move || take(&slot)()),
    }
}

/// A thread's result; a panic in it (a bug) goes on in the caller.
fn joined<T>(result: std::thread::Result<T>) -> T {
    result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn lint_with(script: &Script, options: &LintOptions, split: bool) -> Result<FileLint, UnknownRule> {
    let enabled = options.enabled()?;
    let text = script.sql.as_str();
    let parse = SourceFile::parse(text);
    // Every default rule runs, enabled or not: a migration's tier must not depend on what
    // its author chose to silence.
    let run: BTreeSet<&str> = catalog::all()
        .filter(|r| r.default_on)
        .map(|r| r.id)
        .chain(enabled.iter().copied())
        .collect();
    let squawk_rules = squawk_rules(&run);
    let own = || own_hits(&parse, options, &run);
    let (mut hits, errors) = if split {
        let (first, second) = squawk_rules.split_at(squawk_rules.len() / 2);
        std::thread::scope(|scope| {
            let validation = spawn_deep(scope, || parse.errors());
            let other = spawn_deep(scope, || squawk_hits(&parse, script, options, second));
            let mut hits = squawk_hits(&parse, script, options, first);
            hits.extend(own());
            hits.extend(joined(other.join()));
            (hits, joined(validation.join()))
        })
    } else {
        let mut hits = squawk_hits(&parse, script, options, &squawk_rules);
        hits.extend(own());
        (hits, parse.errors())
    };
    hits.extend(errors.iter().map(|e| Hit {
        rule: UNPARSED,
        range: usize::from(e.range().start())..usize::from(e.range().end()),
        message: format!(
            "squawk's PostgreSQL parser could not read this ({}); its checks of it are incomplete",
            e.message()
        ),
    }));
    hits.extend(unknown_allows(script));
    let index = LineIndex::new(text);
    let (tier, decided_by) = tier(&parse, &hits, &index);
    let (findings, allowed) = sort_out(script, hits, &enabled, &index);
    Ok(FileLint {
        path: script.path.clone(),
        findings,
        allowed,
        tier,
        decided_by,
    })
}

/// Plover's own rules among `run`.
fn own_hits(parse: &Parse<SourceFile>, options: &LintOptions, run: &BTreeSet<&str>) -> Vec<Hit> {
    let context = Context {
        parse,
        postgres_version: options.postgres_version,
    };
    rules::CHECKS
        .iter()
        .filter(|(id, _)| run.contains(id))
        .flat_map(|(_, check)| check(&context))
        .collect()
}

/// squawk's rules among `run`.
fn squawk_rules(run: &BTreeSet<&str>) -> Vec<squawk_linter::Rule> {
    run.iter()
        .filter(|id| catalog::find(id).is_some_and(|r| r.origin == catalog::Origin::Squawk))
        .filter_map(|id| id.parse().ok())
        .collect()
}

fn squawk_hits(
    parse: &Parse<SourceFile>,
    script: &Script,
    options: &LintOptions,
    rules: &[squawk_linter::Rule],
) -> Vec<Hit> {
    let mut linter = squawk_linter::Linter::from(rules.to_vec());
    let version = options.postgres_version;
    if let Ok(parsed) = format!("{}.{}", version / 10_000, version % 10_000).parse() {
        linter.settings.pg_version = parsed;
    }
    // Plover runs a migration in one transaction unless it says otherwise.
    linter.settings.assume_in_transaction = script.transaction == TransactionMode::Single;
    linter
        .lint(parse, &script.sql)
        .into_iter()
        .filter_map(|violation| {
            let rule = catalog::find(&violation.code.to_string())?.id;
            let range =
                usize::from(violation.text_range.start())..usize::from(violation.text_range.end());
            Some(Hit {
                rule,
                range,
                message: violation.message,
            })
        })
        .collect()
}

fn unknown_allows(script: &Script) -> Vec<Hit> {
    script
        .allow
        .iter()
        .filter(|allow| catalog::find(&allow.rule).is_none())
        .map(|allow| {
            let start = line_start(&script.sql, allow.line);
            Hit {
                rule: UNKNOWN_ALLOW,
                range: start..start,
                message: format!(
                    "`-- plover:allow {}` names no rule; `plover lint --list-rules` lists them",
                    allow.rule
                ),
            }
        })
        .collect()
}

fn line_start(text: &str, line: usize) -> usize {
    text.split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum()
}

/// Splits hits into findings to report and findings the file allows.
fn sort_out(
    script: &Script,
    hits: Vec<Hit>,
    enabled: &BTreeSet<&str>,
    index: &LineIndex<'_>,
) -> (Vec<Finding>, Vec<Allowed>) {
    let always = [UNPARSED, UNKNOWN_ALLOW];
    let mut findings = Vec::new();
    let mut allowed = Vec::new();
    for hit in hits {
        if !enabled.contains(hit.rule) && !always.contains(&hit.rule) {
            continue;
        }
        let (line, column) = index.position(hit.range.start);
        if let Some(allow) = script.allow.iter().find(|a| a.rule == hit.rule) {
            allowed.push(Allowed {
                rule: hit.rule,
                line,
                reason: allow.reason.clone(),
            });
            continue;
        }
        let info = catalog::find(hit.rule);
        findings.push(Finding {
            rule: hit.rule,
            severity: info.map_or(crate::Severity::Warning, |r| r.severity),
            path: script.path.clone(),
            line,
            column,
            start: hit.range.start,
            end: hit.range.end,
            message: hit.message,
            recipe: info.map_or_else(String::new, |r| r.recipe.to_owned()),
        });
    }
    findings.sort_by(|a, b| (a.start, a.rule).cmp(&(b.start, b.rule)));
    findings.dedup_by(|a, b| a.start == b.start && a.rule == b.rule);
    (findings, allowed)
}

/// The riskiest statement: by what it is, or by the rules it breaks.
fn tier(
    parse: &Parse<SourceFile>,
    hits: &[Hit],
    index: &LineIndex<'_>,
) -> (RiskTier, Option<Decision>) {
    // Statements come in file order; walking the hits sorted by where they start alongside
    // them keeps this linear in the file's size.
    let mut starts: Vec<(usize, &'static str)> =
        hits.iter().map(|h| (h.range.start, h.rule)).collect();
    starts.sort_unstable();
    let mut next = 0;
    let mut best = (RiskTier::Additive, None);
    let mut best_is_setting = false;
    for stmt in parse.tree().stmts() {
        let range = node_range(stmt.syntax());
        while next < starts.len() && starts[next].0 < range.start {
            next += 1;
        }
        let inside = starts[next..]
            .iter()
            .take_while(|(start, _)| range.contains(start));
        let by_rule = inside
            .filter_map(|(_, rule)| catalog::find(rule).map(|r| (r.tier, Some(r.id))))
            .max();
        let (tier, rule) = by_rule
            .into_iter()
            .chain([(base_tier(&stmt), None)])
            .max()
            .unwrap_or((RiskTier::Additive, None));
        // On a tie, a change is named rather than the `SET lock_timeout` in front of it.
        let setting = is_setting(&stmt);
        if best.1.is_none() || tier > best.0 || (tier == best.0 && best_is_setting && !setting) {
            best = (tier, Some(decision(&range, rule, index)));
            best_is_setting = setting;
        }
    }
    best
}

fn decision(range: &Range<usize>, rule: Option<&'static str>, index: &LineIndex<'_>) -> Decision {
    let (line, _) = index.position(range.start);
    let first_line = index.line_text(line).trim();
    let statement: String = first_line.chars().take(80).collect();
    Decision {
        line,
        statement,
        rule,
    }
}

/// Whether `stmt` only sets up the session or the transaction (`SET`, `RESET`, `BEGIN`,
/// `COMMIT`, ...), changing no object.
fn is_setting(stmt: &ast::Stmt) -> bool {
    use ast::Stmt::*;
    matches!(
        stmt,
        Set(_)
            | Reset(_)
            | SetRole(_)
            | ResetRole(_)
            | SetSessionAuth(_)
            | ResetSessionAuth(_)
            | SetTransaction(_)
            | SetConstraints(_)
            | Begin(_)
            | Commit(_)
            | Rollback(_)
            | SavepointCreate(_)
            | ReleaseSavepoint(_)
    )
}

/// What a statement is, before any rule looks at it.
fn base_tier(stmt: &ast::Stmt) -> RiskTier {
    if let ast::Stmt::AlterTable(alter) = stmt {
        let only_adds = alter
            .actions()
            .all(|a| matches!(a, ast::AlterTableAction::AddColumn(_)));
        return if only_adds {
            RiskTier::Additive
        } else {
            RiskTier::Reversible
        };
    }
    if is_setting(stmt) {
        return RiskTier::Additive;
    }
    // Statement kinds are many; their names say enough.
    let kind = format!("{:?}", stmt.syntax().kind());
    match kind.as_str() {
        "DROP_TABLE" | "DROP_DATABASE" | "DROP_SCHEMA" | "TRUNCATE" | "DELETE" => {
            RiskTier::Irreversible
        }
        k if k.starts_with("DROP_") => RiskTier::Destructive,
        k if k.starts_with("CREATE_") => RiskTier::Additive,
        "INSERT" | "SELECT" | "COMMENT_ON" | "VALUES" => RiskTier::Additive,
        _ => RiskTier::Reversible,
    }
}
