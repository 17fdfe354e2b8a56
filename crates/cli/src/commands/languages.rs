//! `bridgex languages`: the languages the tool knows, with their codes, prompt names and
//! families.

use serde::{Deserialize, Serialize};

use crate::app::AppEnv;
use crate::args::OutputFormat;
use crate::output::print_outcome;
use crate::table;

/// `bridgex languages`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// What to print
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

pub fn run(args: Args, _env: &AppEnv) -> anyhow::Result<()> {
    let rows = languages();
    print_outcome(args.format, &rows, |r| render_languages(r))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageRow {
    pub code: String,
    pub flores: String,
    pub english_name: String,
    pub native_name: String,
    pub family: String,
    pub script: String,
    pub tier: String,
    /// One of the 15 languages of the paper.
    pub paper: bool,
    /// A default candidate bridge (en de fr it pt es).
    pub default_candidate: bool,
    /// The tasks whose data covers the language (`bli` from English, `mt`, `xcopa`, `sib`,
    /// `belebele`).
    pub tasks: Vec<String>,
}

/// Every language of the registry, in registry order.
pub fn languages() -> Vec<LanguageRow> {
    let paper: Vec<&str> = langs::paper_languages().iter().map(|l| l.code).collect();
    langs::all()
        .iter()
        .map(|l| LanguageRow {
            code: l.code.to_string(),
            flores: l.flores.to_string(),
            english_name: l.english_name.to_string(),
            native_name: l.native_name.to_string(),
            family: l.family.to_string(),
            script: l.script.to_string(),
            tier: l.tier.to_string(),
            paper: paper.contains(&l.code),
            default_candidate: overlap::DEFAULT_CANDIDATES.contains(&l.code),
            tasks: super::eval::language_tasks(l.code)
                .into_iter()
                .map(str::to_string)
                .collect(),
        })
        .collect()
}

pub fn render_languages(rows: &[LanguageRow]) -> String {
    let mut t = table::table(
        &[
            "code",
            "FLORES-200",
            "English name",
            "prompt name",
            "family",
            "script",
            "tier",
            "paper",
            "default bridge",
            "tasks with data",
        ],
        usize::MAX,
    );
    for r in rows {
        t.add_row(vec![
            r.code.clone(),
            r.flores.clone(),
            r.english_name.clone(),
            r.native_name.clone(),
            r.family.clone(),
            r.script.clone(),
            r.tier.clone(),
            if r.paper { "yes" } else { "" }.to_string(),
            if r.default_candidate { "yes" } else { "" }.to_string(),
            r.tasks.join(" "),
        ]);
    }
    let paper = rows.iter().filter(|r| r.paper).count();
    format!(
        "{t}\n{} languages; {paper} are the paper's (docs/METHOD.md §7). Codes are accepted as ISO 639-1 or FLORES-200.\n",
        rows.len()
    )
}
