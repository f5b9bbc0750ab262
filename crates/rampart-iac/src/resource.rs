use rampart_source::{FileId, Span};

use compact_str::CompactString;

use crate::value::{Node, Origin, Unknown};

/// Which language a resource was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    Terraform,
    TerraformPlan,
    CloudFormation,
}

/// What kind of block a resource is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockKind {
    /// A managed resource (`resource`, a CloudFormation resource).
    Resource,
    /// A data source (`data`).
    Data,
    /// A provider configuration (`provider "aws"`).
    Provider,
    /// A variable declaration (`variable`, a CloudFormation parameter).
    Variable,
}

/// A resource (or provider, data source, variable) after evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    pub language: Language,
    pub kind: BlockKind,
    pub file: FileId,
    /// The block's header (`resource "aws_subnet" "private"`) or logical id.
    pub span: Span,
    /// `aws_subnet`, `AWS::EC2::Subnet`, `aws` for a provider. Most fit in
    /// the 24 bytes of a `CompactString` without an allocation.
    pub resource_type: CompactString,
    /// `module.vpc.aws_subnet.private[0]`, a CloudFormation logical id,
    /// `provider.aws.east`, `var.db_password`.
    pub address: String,
    /// The module the resource belongs to (`module.vpc`), empty for the root.
    pub module: CompactString,
    /// The evaluated attributes and nested blocks.
    pub attributes: Node,
}

/// A copy of a resource, values and all, in an allocation of its own.
///
/// An evaluation builds its resources' values among its own short-lived
/// allocations (syntax or document trees, scopes, intermediate values). Once
/// those are freed, the values are left scattered over memory pages that are
/// mostly empty and that the allocator can neither reuse whole nor give back.
/// A copy made once the evaluation is over packs them together, and the
/// original's pages are freed whole. Boxed, a resource is also moved into the
/// project's list, and that list sorted, as a pointer: the list of every
/// resource is not a second copy of them made while the evaluations' lists
/// are alive (docs/benchmarks-history.md, tenth round).
pub fn compacted(resource: &Resource) -> Box<Resource> {
    Box::new(resource.clone())
}

impl Resource {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.attributes.get(key)
    }

    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        self.attributes.path(keys)
    }

    /// An attribute by its Terraform name (also for plans) or its
    /// CloudFormation name, depending on the resource's language:
    /// `resource.attr("publicly_accessible", "PubliclyAccessible")`.
    pub fn attr(&self, terraform: &str, cloudformation: &str) -> Option<&Node> {
        match self.language {
            Language::CloudFormation => self.attributes.get(cloudformation),
            Language::Terraform | Language::TerraformPlan => self.attributes.get(terraform),
        }
    }

    pub fn is_cloudformation(&self) -> bool {
        self.language == Language::CloudFormation
    }

    /// Where to report about an attribute: where its value was written, or the
    /// resource's header when it was not written (a missing attribute).
    pub fn span_of(&self, node: Option<&Node>) -> (FileId, Span) {
        match node.and_then(|n| n.origin) {
            Some(Origin { file, span }) => (file, span),
            None => (self.file, self.span),
        }
    }
}

/// A value rampart could not evaluate, for `--show-unknown`.
#[derive(Clone, Debug, PartialEq)]
pub struct UnknownValue {
    pub origin: Origin,
    /// `aws_security_group.lb.ingress[0].cidr_blocks`.
    pub address: String,
    pub unknown: Unknown,
}
