//! docs/lint.md documents every rule; its rules section is rendered from the catalog, and
//! this test keeps it current (`PLOVER_UPDATE_DOCS=1 cargo test -p plover-lint` rewrites it).

use plover_lint::catalog::rules_markdown;

const START: &str = "<!-- rules:start (rendered from the catalog; do not edit by hand) -->\n";
const END: &str = "<!-- rules:end -->";

#[test]
fn docs_lint_md_lists_every_rule_as_the_catalog_says() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/lint.md");
    let text = std::fs::read_to_string(path).expect("docs/lint.md exists");
    let (before, rest) = text
        .split_once(START)
        .expect("docs/lint.md has the rules:start marker");
    let (_, after) = rest
        .split_once(END)
        .expect("docs/lint.md has the rules:end marker");
    let current = format!("{before}{START}{}{END}{after}", rules_markdown());
    if std::env::var_os("PLOVER_UPDATE_DOCS").is_some() {
        std::fs::write(path, &current).expect("write docs/lint.md");
        return;
    }
    assert!(
        current == text,
        "docs/lint.md is out of date: rerun with PLOVER_UPDATE_DOCS=1"
    );
}
