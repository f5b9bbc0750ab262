//! AWS resources related to each other: the cross-resource model rules read
//! instead of following references themselves. Every view here works the same
//! for Terraform, plans and CloudFormation.

pub mod compute;
pub mod data;
pub mod edge;
pub mod logging;
pub mod network;
pub mod policy;
pub mod security_groups;
