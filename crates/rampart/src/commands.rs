//! `rampart rules`, `rampart explain`, `rampart config`.

use std::io::Write;

use rampart_rules::{all_rules, explain as explain_rule, find_rule, rules_reference};
use serde_json::json;

use crate::args::{ConfigArgs, ExplainArgs, RulesArgs, RulesFormat};
use crate::settings::load_config;
use crate::{ExitStatus, Failure};

fn print(text: &str) -> Result<ExitStatus, Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::Input(format!(
            "cannot write to standard output: {e}"
        ))),
        _ => Ok(ExitStatus::Clean),
    }
}

pub fn rules(args: &RulesArgs) -> Result<ExitStatus, Failure> {
    let text = match args.format {
        RulesFormat::Markdown => rules_reference(),
        RulesFormat::Json => {
            let rules: Vec<_> = all_rules()
                .iter()
                .map(|rule| {
                    let meta = &rule.meta;
                    json!({
                        "id": meta.id,
                        "name": meta.name,
                        "severity": meta.severity.as_str(),
                        "summary": meta.summary,
                        "requirements": meta.requirements,
                        "iso27001": {"2013": meta.iso27001_2013(), "2022": meta.iso27001_2022()},
                    })
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&rules)
                .map_err(|e| Failure::Input(format!("cannot render the rules: {e}")))?;
            text.push('\n');
            text
        }
        RulesFormat::Table => {
            let name_width = all_rules()
                .iter()
                .map(|r| r.meta.name.len())
                .max()
                .unwrap_or(0);
            let mut text = String::new();
            for rule in all_rules() {
                let meta = &rule.meta;
                text.push_str(&format!(
                    "{:<9} {:<8} {:<name_width$}  {}\n",
                    meta.id,
                    meta.severity.as_str(),
                    meta.name,
                    meta.summary
                ));
            }
            text.push_str(&format!(
                "\n{} rules. `rampart explain <RULE>` documents one.\n",
                all_rules().len()
            ));
            text
        }
    };
    print(&text)
}

pub fn explain(args: &ExplainArgs) -> Result<ExitStatus, Failure> {
    match find_rule(&args.rule) {
        Some(rule) => print(&explain_rule(&rule.meta)),
        None => Err(Failure::Usage(format!(
            "`{}` is not a rule id or name; `rampart rules` lists them",
            args.rule
        ))),
    }
}

pub fn config(args: &ConfigArgs) -> Result<ExitStatus, Failure> {
    if args.config.config.is_none() && !args.path.exists() {
        return Err(Failure::Input(format!(
            "{}: no such file or directory",
            args.path.display()
        )));
    }
    let loaded = load_config(args.config.config.as_deref(), &args.path)?;
    print(&loaded.to_toml())
}
