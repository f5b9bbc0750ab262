//! The `rampart` command line.

mod args;
mod commands;
mod generate;
mod scan;
mod settings;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

// mimalloc (`rampart_alloc`): a scan allocates and frees millions of small
// nodes from every worker at once.
#[cfg(not(feature = "count-allocations"))]
#[global_allocator]
static ALLOCATOR: rampart_alloc::Allocator = rampart_alloc::Allocator;

// The same, counting what it holds, in a build made to measure memory.
#[cfg(feature = "count-allocations")]
#[global_allocator]
static ALLOCATOR: rampart_alloc::Counting = rampart_alloc::Counting;

/// How a run ended, as an exit code (see the architecture's exit codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing at or above the `--fail-on` threshold.
    Clean = 0,
    /// Findings at or above the threshold.
    Findings = 1,
}

/// Why a run stopped; every variant exits with 2.
#[derive(Debug)]
pub enum Failure {
    /// The command line asks for something impossible.
    Usage(String),
    /// The configuration is invalid (the message names file, line and key).
    Config(String),
    /// An input or output could not be read or written.
    Input(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Usage(message) => write!(f, "{message}"),
            Self::Config(message) => write!(f, "invalid configuration: {message}"),
            Self::Input(message) => write!(f, "{message}"),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Rules(args) => commands::rules(args),
        Command::Explain(args) => commands::explain(args),
        Command::Config(args) => commands::config(args),
        Command::Init(args) => generate::init(args),
        Command::Generate(args) => generate::run(args),
    };
    match result {
        Ok(status) => ExitCode::from(status as u8),
        Err(failure) => {
            anstream::eprintln!("rampart: error: {failure}");
            ExitCode::from(2)
        }
    }
}
