//! A Dockerfile parser that keeps source lines.
//!
//! It follows BuildKit's reading of a Dockerfile: parser directives (`# escape=`),
//! line continuations (with comment and blank lines inside them dropped), heredocs
//! (`RUN <<EOF`), flags (`COPY --from=build`), the JSON (exec) form, and stages,
//! whose base image is resolved through `ARG` defaults declared before the first
//! `FROM`.

mod parse;
mod stage;

pub use parse::{Flag, Heredoc, Instruction, parse};
pub use stage::{BaseImage, Stage};

use rampart_source::Diagnostic;

/// A parsed Dockerfile.
#[derive(Debug, Default)]
pub struct Dockerfile {
    pub instructions: Vec<Instruction>,
    pub stages: Vec<Stage>,
    /// Problems met while reading; the instructions that could be read are kept.
    pub diagnostics: Vec<Diagnostic>,
}

impl Dockerfile {
    /// The instructions of a stage, its `FROM` included.
    pub fn stage_instructions(&self, stage: &Stage) -> &[Instruction] {
        self.instructions
            .get(stage.instructions.clone())
            .unwrap_or_default()
    }

    /// The stage that produces the image (the last one).
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// `ARG`s declared before the first `FROM` (only these can be used in `FROM`).
    pub fn global_args(&self) -> impl Iterator<Item = &Instruction> {
        self.instructions
            .iter()
            .take_while(|i| i.keyword != "FROM")
            .filter(|i| i.keyword == "ARG")
    }
}
