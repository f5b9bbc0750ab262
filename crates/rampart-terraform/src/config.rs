//! A module's declarations, gathered from all of its files: what Terraform
//! calls the configuration, before any value is known.

use std::collections::BTreeMap;

use foldhash::HashMap;

use crate::syntax::{Block, Body, ExprKind, Expression, Structure};
use rampart_iac::Origin;
use rampart_source::{Diagnostic, FileId, SourceFile, Span};

/// One parsed `.tf` (or `.tfvars`) file.
#[derive(Clone, Copy)]
pub struct TfFile<'a> {
    pub file: FileId,
    pub source: &'a SourceFile,
    pub body: &'a Body,
    /// Bytes stripped before parsing (a byte-order mark), added back to spans.
    pub offset: usize,
}

impl TfFile<'_> {
    /// The span of a byte range of the parsed text.
    pub fn span(&self, range: Option<std::ops::Range<usize>>) -> Span {
        match range {
            Some(range) => self
                .source
                .span_of(range.start + self.offset..range.end + self.offset),
            None => Span::default(),
        }
    }

    pub fn origin(&self, range: Option<std::ops::Range<usize>>) -> Origin {
        Origin {
            file: self.file,
            span: self.span(range),
        }
    }

    /// The span of a block's header: its type and labels.
    pub fn header(&self, block: &Block) -> Span {
        self.span(block.header())
    }
}

/// Something declared in a file of the module.
#[derive(Clone, Copy)]
pub struct Declared<'a, T> {
    pub file: TfFile<'a>,
    pub item: &'a T,
}

/// `variable "name" { … }`.
#[derive(Clone, Copy)]
pub struct VariableDecl<'a> {
    pub file: TfFile<'a>,
    pub block: &'a Block,
}

/// A `resource` or `data` block.
#[derive(Clone, Copy)]
pub struct ResourceDecl<'a> {
    pub file: TfFile<'a>,
    pub block: &'a Block,
    pub data: bool,
    pub resource_type: &'a str,
    pub name: &'a str,
}

/// `module "name" { source = … }`.
#[derive(Clone, Copy)]
pub struct ModuleCall<'a> {
    pub file: TfFile<'a>,
    pub block: &'a Block,
    pub name: &'a str,
}

/// Everything a module declares.
#[derive(Default)]
pub struct ModuleConfig<'a> {
    /// The module's directory as shown to users (`infra/modules/vpc`, `.` for the
    /// working directory).
    pub dir: String,
    pub variables: BTreeMap<&'a str, VariableDecl<'a>>,
    pub locals: BTreeMap<&'a str, Declared<'a, Expression>>,
    pub resources: Vec<ResourceDecl<'a>>,
    /// Where the first declaration of each `type.name` (and `data.type.name`)
    /// is in `resources`: every reference to a resource looks its
    /// declaration up, and a root of thousands of resources referring to one
    /// another was quadratic with a search of the list
    /// (docs/benchmarks-history.md, the twenty-fourth round).
    resource_index: HashMap<(bool, &'a str, &'a str), usize>,
    pub providers: Vec<Declared<'a, Block>>,
    pub module_calls: BTreeMap<&'a str, ModuleCall<'a>>,
    pub outputs: BTreeMap<&'a str, Declared<'a, Expression>>,
}

impl<'a> ModuleConfig<'a> {
    /// Gathers the declarations of `files`, reporting duplicates as Terraform does.
    pub fn collect(dir: String, files: &[TfFile<'a>], diagnostics: &mut Vec<Diagnostic>) -> Self {
        let mut config = ModuleConfig {
            dir,
            ..Self::default()
        };
        for file in files {
            for structure in file.body.iter() {
                let Structure::Block(block) = structure else {
                    continue;
                };
                config.add_block(*file, block, diagnostics);
            }
        }
        config
    }

    fn add_block(&mut self, file: TfFile<'a>, block: &'a Block, diagnostics: &mut Vec<Diagnostic>) {
        let labels: Vec<&str> = block.labels.iter().map(|l| &**l).collect();
        let duplicate = |kind: &str, name: &str| {
            let header = file.header(block);
            Diagnostic::warning(
                "terraform-duplicate",
                file.source.display_path.clone(),
                format!(
                    "{kind} `{name}` is declared more than once; the first declaration is used"
                ),
            )
            .at(header.start.line, header.start.column)
        };
        match (&*block.ident, labels.as_slice()) {
            ("variable", [name]) => {
                if self.variables.contains_key(name) {
                    diagnostics.push(duplicate("variable", name));
                } else {
                    self.variables.insert(name, VariableDecl { file, block });
                }
            }
            ("locals", []) => {
                for attribute in block.body.attributes() {
                    let name = &*attribute.key;
                    if self.locals.contains_key(name) {
                        diagnostics.push(duplicate("local", name));
                        continue;
                    }
                    self.locals.insert(
                        name,
                        Declared {
                            file,
                            item: &attribute.value,
                        },
                    );
                }
            }
            (kind @ ("resource" | "data"), [resource_type, name]) => {
                let data = kind == "data";
                (self.resource_index)
                    .entry((data, resource_type, name))
                    .or_insert(self.resources.len());
                self.resources.push(ResourceDecl {
                    file,
                    block,
                    data,
                    resource_type,
                    name,
                });
            }
            ("provider", [_]) => self.providers.push(Declared { file, item: block }),
            ("module", [name]) => {
                if self.module_calls.contains_key(name) {
                    diagnostics.push(duplicate("module", name));
                } else {
                    self.module_calls
                        .insert(name, ModuleCall { file, block, name });
                }
            }
            ("output", [name]) => {
                if let Some(attribute) = block.body.get_attribute("value") {
                    self.outputs.insert(
                        name,
                        Declared {
                            file,
                            item: &attribute.value,
                        },
                    );
                }
            }
            _ => {}
        }
    }

    /// The resource or data block `type.name`.
    pub fn resource(
        &self,
        data: bool,
        resource_type: &str,
        name: &str,
    ) -> Option<&ResourceDecl<'a>> {
        let index = self.resource_index.get(&(data, resource_type, name))?;
        self.resources.get(*index)
    }
}

/// The text of a module call's `source`, when it is a literal string.
pub fn literal_string(expression: &Expression) -> Option<&str> {
    match &expression.kind {
        ExprKind::String(text) => Some(text),
        _ => None,
    }
}
