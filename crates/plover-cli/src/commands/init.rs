//! `plover init`

use plover::scaffold;
use serde_json::json;

use crate::args::Global;
use crate::exit::Exit;
use crate::output::{Failure, Output};

pub fn run(global: &Global, output: &Output) -> Result<Exit, Failure> {
    let created = scaffold::init(global.config.as_deref(), global.dir.as_deref())
        .map_err(|e| Failure::new(Exit::Usage, e.to_string()))?;
    let names: Vec<String> = created.iter().map(|p| p.display().to_string()).collect();
    for name in &names {
        output.line(format!("created {name}"));
    }
    output.line("next: `plover new create_something`, write the SQL, then `plover up`");
    output.json(&json!({ "created": names }));
    Ok(Exit::Success)
}
