//! PLACEHOLDER — being written.

use crate::{Context, GeneratedFile, Target};

pub(crate) fn render(context: &Context<'_>, _targets: &[Target]) -> GeneratedFile {
    GeneratedFile {
        path: "README.md".to_owned(),
        contents: context.header("<!--"),
    }
}
