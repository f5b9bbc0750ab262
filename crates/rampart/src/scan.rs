//! `rampart scan`: discover → parse → model → evaluate → filter → report.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use rampart_alloc::{Collect, Heap, PurgeDelay};
use rampart_config::{ByteSize, LoadedConfig};
use rampart_discover::{
    DiscoverOptions, Discovery, FileKind, InputFile, LeaveUnread, discover, read_stdin,
};
use rampart_filter::{Baseline, RuleSets, apply_suppressions, parse_suppressions};
use rampart_model::rampart_iac::UnknownValue;
use rampart_model::{
    LEAVE_UNREAD, ManifestTrees, ParsedFiles, Project, TerraformOptions, read_in_parts,
};
use rampart_report::{Format, RenderOptions, ScanReport, Summary, write_report};
use rampart_rules::{
    Check, EvalOptions, Finding, Phase, Redactions, Rule, all_rules, evaluate_infrastructure_parts,
    evaluate_manifests, evaluate_phase, quoted_lines, scrub_credentials, sort_findings,
};
use rampart_source::{Diagnostic, DiagnosticLevel};

use crate::args::{ColorChoice, OutputFormat, ScanArgs, Stage};
use crate::settings::{discovery_start, load_config, selected_rules, severity_overrides};
use crate::{ExitStatus, Failure};

/// How many Kubernetes files a streamed scan reads at a time: enough to keep
/// both cores busy on a part, few enough that a part's trees are a few MiB.
/// A scan with fewer reads them all at once: a part costs a pass of the
/// rules, and the memory of so few trees does not matter.
const MANIFEST_PART_FILES: usize = 2048;

/// How many bytes of texts of the files a scan reads in parts the walk
/// keeps before it leaves the others unread (`LEAVE_UNREAD`), to be read
/// again with their part: the first texts it finds. Each file read again
/// costs its reading again, about 3.9 µs of CPU (mostly the kernel's) for
/// the benchmarks' files of 700 bytes, some 2 ms of a scan's wall time for
/// each MiB of texts left; each MiB left is about a MiB off the peak. With
/// 32 MiB, a scan of 100,000 files of the benchmarks (67 MiB of such texts)
/// peaks about 35 MiB lower for 1–6% of its time, and one of 10,000 files
/// or of 37,000 of Terraform and CloudFormation (29 MiB) leaves none; with
/// 8 MiB, 55 MiB lower for 3–12% (docs/benchmarks-history.md, the twenty-second
/// round).
const TEXT_KEPT_BYTES: usize = 32 << 20;

/// About how many files of Terraform and CloudFormation a scan evaluates and
/// checks at a time, of those that rules about other units do not read
/// (`Infrastructure::split`): whole module sets and templates, enough to
/// keep both cores busy.
const INFRASTRUCTURE_PART_FILES: usize = 2048;

/// The stack of each worker thread: the size Linux gives a process's main thread.
const WORKER_STACK_BYTES: usize = 8 << 20;

/// From how many bytes of text a scan keeps the short purge delay it starts
/// with ([`PurgeDelay::Short`]: the allocator gives memory freed whole back
/// to the operating system after 10 ms rather than a second). A large scan's
/// peak falls by about 16 MiB for it (218 to 202 MiB at 100,000 files), for
/// up to 7% of its time in some sets of runs and nothing in others; a
/// smaller scan's memory is small anyway, and there the short delay
/// throughout cost 7% of the time at 1,000 files. The walk runs with it
/// whatever the size, since the size is known only once the files are read:
/// it costs nothing there, and set only after the walk it took 7 MiB less
/// off the peak (docs/benchmarks-history.md, the twelfth round). 32 MiB is about
/// 45,000 files of the benchmarks' trees.
const SHORT_PURGE_DELAY_BYTES: usize = 32 << 20;

pub fn run(args: &ScanArgs) -> Result<ExitStatus, Failure> {
    // While the process has one thread, or it is not set (see
    // `SHORT_PURGE_DELAY_BYTES`).
    rampart_alloc::set_purge_delay(PurgeDelay::Short);
    // The rules' credential patterns take about a millisecond to compile: on
    // a thread of their own while the main thread walks the tree, rather than
    // in the evaluation. Not when the scan stops before evaluating: it does
    // not need them, and the parse floor `--stop-after parse` measures must
    // not include them. (Nothing in it can panic: a pattern that does not
    // compile leaves its set unbuilt, which the tests catch.)
    let evaluates = args.stop_after.is_none_or(|stage| stage >= Stage::Evaluate);
    let compiling =
        evaluates.then(|| std::thread::spawn(rampart_rules::compile_credential_patterns));
    let mut timings = Timings::new(args.timings || args.stop_after.is_some());
    let loaded = load_config(args.config.config.as_deref(), &discovery_start(&args.paths))?;
    let config = &loaded.config;
    let rules = selected_rules(&loaded, &args.select, &args.ignore)?;
    timings.lap("configure");

    // A scan that evaluates reads the files it reads a part at a time with
    // their part (`LEAVE_UNREAD`): the walk lists them without their text.
    // Not the infrastructure's files when `--var-file` or `--var` is given:
    // its evaluation then reads them all at once (see
    // `Infrastructure::split`).
    let leave_unread = if evaluates {
        let whole = !(args.var_file.is_empty() && args.var.is_empty());
        LeaveUnread {
            kept: TEXT_KEPT_BYTES,
            infrastructure: LEAVE_UNREAD.infrastructure.filter(|_| !whole),
            ..LEAVE_UNREAD
        }
    } else {
        LeaveUnread::default()
    };
    let discovery = discover_inputs(args, &loaded, leave_unread)?;
    let files_scanned = discovery.files.len();
    let bytes: usize = discovery.files.iter().map(InputFile::len).sum();
    if bytes < SHORT_PURGE_DELAY_BYTES {
        // Set only while the process has one thread: the walk's threads have
        // been joined, the patterns' is waited for (a millisecond's work,
        // most often done), and the workers are not started yet.
        if let Some(compiling) = compiling {
            let _ = compiling.join();
        }
        rampart_alloc::set_purge_delay(PurgeDelay::Allocator);
    }
    // Parsers and evaluators recurse on the workers up to their depth limits
    // (nested expressions, modules calling modules): give the workers the main
    // thread's stack rather than rayon's 2 MiB default. Building the pool
    // only fails when a global pool already exists, which nothing before
    // this point makes (the walk runs on threads of its own).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .stack_size(WORKER_STACK_BYTES)
        .build_global();
    debug_assert!(pool.is_ok(), "a thread pool was started before the scan's");
    timings.lap("discover");
    if args.stop_after == Some(Stage::Discover) {
        return Ok(timings.stop("discover", files_scanned, bytes));
    }
    let terraform = TerraformOptions {
        var_files: var_file_paths(args),
        vars: args.var.clone(),
    };
    let parsed = parse_inputs(discovery.files, evaluates);
    timings.lap("parse");
    if args.stop_after == Some(Stage::Parse) {
        exit_without_freeing(parsed);
        return Ok(timings.stop("parse", files_scanned, bytes));
    }
    let large = bytes >= SHORT_PURGE_DELAY_BYTES;
    // All of it, not only what is due: memory left to its purge delay
    // stayed resident through the first files' model, which did not reuse
    // it (see `give_back_freed_memory`). A small scan too: since the walk's
    // threads send what they read a few hundred files at a time, the pages
    // they leave were still resident at the end of a 10,000-file scan (4.5
    // MiB higher without this, which costs nothing measurable at 1,000).
    give_back_freed_memory(Collect::All);
    let overrides = severity_overrides(&loaded);
    let options = EvalOptions {
        severity_overrides: overrides.clone(),
    };
    // Every rule runs, selected or not, so that every secret in the scanned files
    // is known and redacted wherever a report prints their text; selection then
    // decides which findings are reported.
    //
    // In two phases (see `Phase`): the rules about manifests run before the
    // infrastructure is evaluated, and what they read is freed as they
    // finish, so that the manifests' trees and the infrastructure's model
    // are never in memory together. The Kubernetes files that may declare
    // what every object of a namespace inherits (namespaces, limits, quotas)
    // are modelled and checked first; in a streamed scan the others and the
    // Dockerfiles were left unparsed above and are read a part at a time,
    // each part parsed, modelled, checked and released before the next
    // (`evaluate_manifests`), so that the manifests' trees are never all in
    // memory either (nor their texts: the walk left most of them unread,
    // `LEAVE_UNREAD`, and each part reads its own); the findings that
    // depend on service accounts and bindings, which any part may declare,
    // wait until every part is read.
    // `--stop-after model` builds the whole model at once, without the
    // rules.
    let deferred = parsed.deferred();
    let (mut project, infrastructure) = Project::manifests_from_parsed(parsed, config);
    timings.lap("model");
    let mut evaluated = Vec::new();
    if evaluates {
        evaluated = evaluate_manifests(
            &mut project,
            &deferred,
            config,
            all_rules(),
            &options,
            MANIFEST_PART_FILES,
            |stage| timings.lap(stage),
        );
    }
    // The manifests' texts go with their trees, but for the lines the
    // report quotes.
    if evaluates {
        let quoted = quoted_lines(&evaluated);
        project.release_manifest_texts(&quoted);
    }
    // All that Terraform's evaluation freed (its syntax trees, a module set
    // at a time), before its resources are added and linked: left to the
    // purge delay while both cores allocate, some of it was still resident
    // as those steps touched new pages, and about one run in a hundred
    // went above 200 MiB there; none in 534 since (docs/benchmarks-history.md, the
    // twentieth round).
    let terraform_evaluated = || {
        if large {
            give_back_freed_memory(Collect::All);
        }
    };
    // The infrastructure a part at a time too: what rules about other units
    // read is evaluated first and kept to the end, the rest in parts, each
    // evaluated, checked and released before the next (below).
    let infrastructure_parts = if evaluates {
        project.add_infrastructure_in_parts(
            infrastructure,
            config,
            &terraform,
            INFRASTRUCTURE_PART_FILES,
            &terraform_evaluated,
        )
    } else {
        project.add_infrastructure_with(
            infrastructure,
            config,
            &terraform,
            ManifestTrees::Release,
            &terraform_evaluated,
        );
        Vec::new()
    };
    if large {
        give_back_freed_memory(Collect::Due);
    }
    timings.lap("model");
    if !evaluates {
        exit_without_freeing(project);
        return Ok(timings.stop("model", files_scanned, bytes));
    }
    // What `--show-unknown` lists is worked out while each part's resources
    // are there.
    let mut unknowns = Vec::new();
    if args.show_unknown {
        unknowns.extend(project.unknowns().into_iter().cloned());
    }
    project.release_unknowns();
    evaluated.extend(evaluate_phase(
        &project,
        config,
        all_rules(),
        &options,
        Phase::Infrastructure,
    ));
    timings.lap("evaluate");
    evaluated.extend(evaluate_infrastructure_parts(
        &mut project,
        infrastructure_parts,
        config,
        &terraform,
        all_rules(),
        &options,
        |project| {
            if args.show_unknown {
                unknowns.extend(project.unknowns().into_iter().cloned());
            }
        },
        |stage| timings.lap(stage),
    ));
    // Only now that the command line is known to be usable, and only for rules
    // that had something to look at.
    explain_inactive_rules(&rules, &loaded, &project);
    if args.show_unknown {
        show_unknowns(&project, unknowns);
    }
    sort_findings(&mut evaluated, &project);
    // Each part of the infrastructure kept the lines its findings quote;
    // any other is read again.
    let quoted = quoted_lines(&evaluated);
    project.read_again_for_lines(&quoted);
    // Not the files left to be read later that could not be, as the walk
    // does not count those it cannot read.
    let skipped = project.files.iter().filter(|f| f.skipped());
    let (files_scanned, bytes) = skipped.fold((files_scanned, bytes), |(files, bytes), f| {
        (files.saturating_sub(1), bytes.saturating_sub(f.len()))
    });
    timings.lap("evaluate");
    if args.stop_after == Some(Stage::Evaluate) {
        drop(evaluated);
        exit_without_freeing(project);
        return Ok(timings.stop("evaluate", files_scanned, bytes));
    }
    let mut redactions = Redactions::from_findings(&evaluated);
    for (file, secret) in &project.sensitive {
        redactions.add(*file, secret.expose());
    }
    let severity_of = |rule: &'static Rule| {
        overrides
            .get(rule.meta.id)
            .copied()
            .unwrap_or(rule.meta.severity)
    };
    // Suppressions apply to every evaluated finding, so that whether a
    // suppression is used does not depend on which rules are selected.
    let mut findings = evaluated;
    let suppressions = parse_suppressions(&project);
    let rule_sets = RuleSets {
        evaluated: all_rules(),
        selected: &rules,
    };
    let is_selected = |f: &Finding| rules.iter().any(|r| r.meta.id == f.rule.id);
    let suppressed = apply_suppressions(
        &mut findings,
        &suppressions,
        rule_sets,
        severity_of,
        &project,
    )
    .iter()
    .filter(|f| is_selected(f))
    .count();
    findings.retain(is_selected);

    let baselined = if let Some(path) = &args.write_baseline {
        Baseline::write(path, &findings, &project, &redactions)
            .map_err(|e| Failure::Input(e.to_string()))?;
        eprintln!(
            "rampart: wrote {} finding{} to the baseline {}",
            findings.len(),
            if findings.len() == 1 { "" } else { "s" },
            path.display()
        );
        let baselined = findings.len();
        findings.clear();
        baselined
    } else if let Some(path) = &args.baseline {
        let baseline = Baseline::load(path).map_err(|e| Failure::Input(e.to_string()))?;
        baseline.apply(&mut findings)
    } else {
        0
    };

    let mut diagnostics: Vec<Diagnostic> = discovery.diagnostics;
    diagnostics.extend(project.diagnostics.iter().cloned());
    // Diagnostics quote input (an unknown Dockerfile instruction's first word).
    for diagnostic in &mut diagnostics {
        let scrubbed = scrub_credentials(std::borrow::Cow::Borrowed(&diagnostic.message));
        if let std::borrow::Cow::Owned(text) = scrubbed {
            diagnostic.message = text;
        }
    }
    diagnostics.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.code).cmp(&(&b.file, b.line, b.column, b.code))
    });

    timings.lap("filter");

    let report = ScanReport {
        project: &project,
        findings: &findings,
        diagnostics: &diagnostics,
        rules: &rules,
        summary: Summary {
            files_scanned,
            rules_run: rules.len(),
            suppressed,
            baselined,
        },
        redactions: &redactions,
    };
    write_output(args, &report)?;
    timings.lap("report");
    timings.print(files_scanned, bytes);
    exit_without_freeing(project);

    if args.strict
        && diagnostics
            .iter()
            .any(|d| d.level == DiagnosticLevel::Error)
    {
        let problems = diagnostics
            .iter()
            .filter(|d| d.level == DiagnosticLevel::Error)
            .count();
        return Err(Failure::Input(format!(
            "{problems} file{} could not be read or parsed (the report lists them); --strict makes that an error",
            if problems == 1 { "" } else { "s" }
        )));
    }
    let failing = args
        .fail_on
        .threshold()
        .is_some_and(|threshold| findings.iter().any(|f| f.severity >= threshold));
    Ok(if failing {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

/// Reads `files` as the scan's stages need them. A scan that `evaluates`
/// parses the infrastructure (Terraform, templates, plans) only when it models
/// it, after the manifests' rules, a module set or a file at a time: their
/// syntax trees are never all in memory, which in a tree of Terraform and
/// CloudFormation alone (37,000 files) took 39 MiB off the peak
/// (docs/benchmarks-history.md, the twentieth round). When it has more Kubernetes
/// files than fit in a part, it also leaves most of them and every Dockerfile
/// to be read a part at a time (see `MANIFEST_PART_FILES`); otherwise it
/// reads here those the walk left unread. `--stop-after parse` and `model`
/// parse every file here (the walk left none unread).
fn parse_inputs(files: Vec<InputFile>, evaluates: bool) -> ParsedFiles {
    if !evaluates {
        return ParsedFiles::parse(files);
    }
    let manifests = (files.iter())
        .filter(|file| file.kind == FileKind::Kubernetes)
        .count();
    let streams = manifests > MANIFEST_PART_FILES;
    ParsedFiles::parse_deferring(files, |kind, text| streams && read_in_parts(kind, text))
}

/// Leaves the parsed tree or the model to the operating system, which takes
/// the process's memory back at exit at once: freeing millions of nodes one
/// by one took a tenth of the scan of 100,000 files. Only for what the scan
/// holds until the process ends (`rampart scan` returns to `main`, which exits).
fn exit_without_freeing<T>(value: T) {
    std::mem::forget(value);
}

/// Has every thread give back to the operating system what the allocator
/// holds of it freed, before each of a large scan's peaks: the first files'
/// model, once the parse has freed the texts the walk's threads read; the
/// infrastructure's resources added and linked, once Terraform's syntax trees
/// are freed; and the infrastructure's rules. Left to the purge delay, that
/// memory is counted in the peak until the thread that holds it next
/// allocates. At 100,000 files (docs/benchmarks-history.md, the nineteenth and
/// twentieth rounds):
/// - what is due, before the first files' model and the rules: the median
///   peak about 1 MiB lower (193.5–193.7 → 192.4–192.9 MiB);
/// - all of it before the first files' model: 3–5 MiB lower again (192.0 →
///   188.9 and 192.1 → 187.6 in two alternating sets), in the same time or
///   1% more;
/// - all of it once Terraform is evaluated: no run above 195.9 MiB in 534,
///   where about one in a hundred went above 200 before, in the same time;
/// - all of it before the rules: nothing more off.
///
/// A small scan keeps what it frees for reuse (see `SHORT_PURGE_DELAY_BYTES`)
/// but for what is given back before the first files' model.
fn give_back_freed_memory(what: Collect) {
    rayon::broadcast(|_| rampart_alloc::collect(what));
    // After the workers, and not beside them: the allocator purges the
    // arenas under a guard that a thread finding it taken skips, so
    // this call is the one sure to give back every page `Collect::All`
    // names.
    rampart_alloc::collect(what);
}

/// `--timings` and `--stop-after`: the wall time of each stage, on standard
/// error, and in a build that counts allocations (`count-allocations`) what
/// the program holds at the end of each stage and at most within it.
/// Disabled, it reads no clock.
struct Timings {
    enabled: bool,
    start: Option<Instant>,
    last: Option<Instant>,
    laps: Vec<Lap>,
}

/// A stage's time, and what the program held, over its parts.
struct Lap {
    name: &'static str,
    duration: Duration,
    heap: Option<Heap>,
}

impl Timings {
    fn new(enabled: bool) -> Self {
        let now = enabled.then(Instant::now);
        if enabled {
            // The most held from here on, not since the process started.
            let _ = rampart_alloc::heap_since_last();
        }
        Self {
            enabled,
            start: now,
            last: now,
            laps: Vec::new(),
        }
    }

    /// Ends (a part of) the stage `name`: a scan models and evaluates in
    /// two phases, and each stage's parts add up to one line.
    fn lap(&mut self, name: &'static str) {
        if let Some(last) = self.last {
            let now = Instant::now();
            let heap = rampart_alloc::heap_since_last();
            match self.laps.iter_mut().find(|lap| lap.name == name) {
                Some(lap) => {
                    lap.duration += now - last;
                    lap.heap = another_part(lap.heap, heap);
                }
                None => self.laps.push(Lap {
                    name,
                    duration: now - last,
                    heap,
                }),
            }
            self.last = Some(now);
        }
    }

    fn print(&self, files: usize, bytes: usize) {
        if !self.enabled {
            return;
        }
        let mut stderr = std::io::stderr().lock();
        for lap in &self.laps {
            let _ = writeln!(stderr, "{}", lap_line(lap));
        }
        let total = self.start.map(|s| s.elapsed()).unwrap_or_default();
        let _ = writeln!(
            stderr,
            "rampart: timing: {:<9} {:>10.3} ms ({files} files, {:.2} MiB)",
            "total",
            total.as_secs_f64() * 1e3,
            bytes as f64 / f64::from(1u32 << 20)
        );
    }

    /// `--stop-after`: prints the timings and ends the scan with nothing reported.
    fn stop(&self, stage: &str, files: usize, bytes: usize) -> ExitStatus {
        self.print(files, bytes);
        eprintln!("rampart: stopped after {stage} (--stop-after): nothing was reported");
        ExitStatus::Clean
    }
}

/// What the program held in a stage of several parts (`before`) and
/// another (`part`): what it held at the end of the last, and the most it
/// held in any.
fn another_part(before: Option<Heap>, part: Option<Heap>) -> Option<Heap> {
    part.map(|part| Heap {
        live: part.live,
        highest: before.map_or(0, |before| before.highest).max(part.highest),
    })
}

/// A stage's line of `--timings`.
fn lap_line(lap: &Lap) -> String {
    let mut line = format!(
        "rampart: timing: {:<9} {:>10.3} ms",
        lap.name,
        lap.duration.as_secs_f64() * 1e3
    );
    if let Some(heap) = lap.heap {
        let mib = |bytes: usize| bytes as f64 / f64::from(1u32 << 20);
        line += &format!(
            "  heap {:>8.1} MiB at the end, {:>8.1} MiB at most",
            mib(heap.live),
            mib(heap.highest)
        );
    }
    line
}

/// Tells the user about rules that were selected but can check nothing under
/// this configuration, instead of letting them pass silently: those that had
/// something to look at (objects and images read, though most or all are
/// released by now).
fn explain_inactive_rules(rules: &[&'static Rule], loaded: &LoadedConfig, project: &Project) {
    let has_subjects = |rule: &Rule| match rule.check {
        Check::Image(_) => project.read_images(),
        Check::Resource(..) => project.read_resources(),
        Check::Project(_) | Check::Manifests(_) => {
            project.read_resources() || project.read_objects()
        }
        _ => true,
    };
    for rule in rules.iter().filter(|rule| has_subjects(rule)) {
        if let Some(reason) = rule
            .inactive_when
            .and_then(|inactive| inactive(&loaded.config))
        {
            eprintln!(
                "rampart: note: {} `{}` checks nothing: {reason}",
                rule.meta.id, rule.meta.name
            );
        }
    }
}

fn discover_inputs(
    args: &ScanArgs,
    loaded: &LoadedConfig,
    leave_unread: LeaveUnread,
) -> Result<Discovery, Failure> {
    let scan = &loaded.config.scan;
    let max_file_size = match &args.max_file_size {
        Some(text) => {
            ByteSize::parse(text)
                .map_err(|e| Failure::Usage(format!("--max-file-size: {e}")))?
                .0
        }
        None => scan.max_file_size.0,
    };
    let mut exclude: Vec<String> = scan.exclude.iter().map(|g| g.0.clone()).collect();
    exclude.extend(args.exclude.iter().cloned());
    let options = DiscoverOptions {
        exclude,
        respect_gitignore: scan.respect_gitignore && !args.no_ignore,
        max_file_size,
        threads: args.threads,
        leave_unread,
    };

    let (stdin, paths): (Vec<_>, Vec<_>) = args
        .paths
        .iter()
        .cloned()
        .partition(|p| p.as_os_str() == "-");
    if stdin.len() > 1 {
        return Err(Failure::Usage(
            "`-` (standard input) can be given only once".to_owned(),
        ));
    }
    let mut discovery = if paths.is_empty() {
        Discovery::default()
    } else {
        discover(&paths, &options).map_err(|e| match e {
            rampart_discover::DiscoverError::MissingPath(_) => Failure::Input(e.to_string()),
            rampart_discover::DiscoverError::InvalidExclude(..) => Failure::Usage(e.to_string()),
        })?
    };
    // `--var-file` files are read like the scanned files; the model applies them.
    for path in &args.var_file {
        if !path.is_file() {
            return Err(Failure::Input(format!(
                "--var-file {}: no such file",
                path.display()
            )));
        }
        let mut one = discover(std::slice::from_ref(path), &options)
            .map_err(|e| Failure::Input(e.to_string()))?;
        for file in &mut one.files {
            file.kind = rampart_discover::FileKind::TerraformVars;
        }
        discovery.files.append(&mut one.files);
        discovery.diagnostics.append(&mut one.diagnostics);
    }
    // A `--var-file` inside the scanned tree was found twice.
    discovery.files.sort_by(|a, b| {
        a.display_path
            .cmp(&b.display_path)
            .then(b.kind.cmp(&a.kind))
    });
    discovery
        .files
        .dedup_by(|a, b| a.display_path == b.display_path);
    if !stdin.is_empty() {
        let mut from_stdin = read_stdin(std::io::stdin().lock(), max_file_size);
        // An empty stream is what `helm template … | rampart scan -` sends when
        // helm fails without `pipefail`: passing it would hide the failure.
        if from_stdin.files.iter().all(|f| f.text.trim().is_empty())
            && from_stdin.diagnostics.is_empty()
        {
            return Err(Failure::Input(
                "standard input is empty: nothing to scan (did the command before `|` fail?)"
                    .to_owned(),
            ));
        }
        discovery.files.append(&mut from_stdin.files);
        discovery.diagnostics.append(&mut from_stdin.diagnostics);
    }
    Ok(discovery)
}

/// The display paths `--var-file` files get (as discovery shows them).
fn var_file_paths(args: &ScanArgs) -> Vec<String> {
    let cwd = std::env::current_dir().ok();
    args.var_file
        .iter()
        .map(|path| {
            let relative = cwd
                .as_deref()
                .and_then(|cwd| path.strip_prefix(cwd).ok())
                .filter(|_| path.is_absolute())
                .unwrap_or(path);
            let text = relative.to_string_lossy().replace('\\', "/");
            text.strip_prefix("./").unwrap_or(&text).to_owned()
        })
        .collect()
}

/// `--show-unknown`: what could not be evaluated, on standard error.
fn show_unknowns(project: &Project, mut unknowns: Vec<UnknownValue>) {
    if unknowns.is_empty() {
        eprintln!("rampart: every value was evaluated");
        return;
    }
    eprintln!(
        "rampart: {} value(s) could not be evaluated; rules that need them reported nothing:",
        unknowns.len()
    );
    unknowns.sort_by(|a, b| {
        (a.origin.file, a.origin.span.start, &a.address).cmp(&(
            b.origin.file,
            b.origin.span.start,
            &b.address,
        ))
    });
    for unknown in unknowns {
        let file = &project.file(unknown.origin.file).display_path;
        let start = unknown.origin.span.start;
        eprintln!(
            "  {file}:{}:{}: {}: {}",
            start.line, start.column, unknown.address, unknown.unknown
        );
    }
}

fn write_output(args: &ScanArgs, report: &ScanReport<'_>) -> Result<(), Failure> {
    let format = match args.format {
        OutputFormat::Pretty => Format::Pretty,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Junit => Format::Junit,
    };
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = !no_color_env
        && match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => to_terminal,
        };
    let options = RenderOptions { color };
    // The report is written as it is rendered, through a buffer of a few
    // kilobytes, not rendered whole into memory first.
    let render = |out: &mut dyn Write| {
        let mut out = std::io::BufWriter::new(out);
        write_report(format, report, &options, &mut out)?;
        out.flush()
    };
    match &args.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|mut file| render(&mut file))
            .map_err(|e| {
                Failure::Input(format!("{}: cannot write the report: {e}", path.display()))
            }),
        None => match render(&mut std::io::stdout().lock()) {
            // A closed pipe (`rampart scan | head`) is not an error worth reporting.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.map_err(|e| Failure::Input(format!("cannot write the report: {e}"))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stage_line_gives_the_heap_only_when_it_is_counted() {
        let mut lap = Lap {
            name: "model",
            duration: Duration::from_micros(1_474_268),
            heap: None,
        };
        assert_eq!(lap_line(&lap), "rampart: timing: model       1474.268 ms");
        lap.heap = Some(Heap {
            live: 62 << 20,
            highest: (76 << 20) + (1 << 19),
        });
        assert_eq!(
            lap_line(&lap),
            "rampart: timing: model       1474.268 ms  heap     62.0 MiB at the end,     76.5 MiB at most"
        );
    }

    #[test]
    fn a_stage_of_several_parts_keeps_the_most_any_part_held() {
        let heap = |live, highest| Some(Heap { live, highest });
        let first = another_part(None, heap(10, 30));
        assert_eq!(first, heap(10, 30));
        assert_eq!(another_part(first, heap(11, 20)), heap(11, 30));
        assert_eq!(another_part(first, heap(5, 40)), heap(5, 40));
        assert_eq!(another_part(first, None), None, "not counted");
    }

    /// A Terraform file and a template that do not parse, a Dockerfile, and
    /// `manifests` Kubernetes files that declare nothing others are judged by.
    fn inputs(manifests: usize) -> Vec<InputFile> {
        let mut files = vec![
            InputFile::new(
                FileKind::Terraform,
                "infra/broken.tf",
                "resource \"aws_s3_bucket\" {\n  bucket = \n",
            ),
            InputFile::new(
                FileKind::CloudFormation,
                "cfn/broken.yaml",
                "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties: [unclosed\n",
            ),
            InputFile::new(FileKind::Dockerfile, "app/Dockerfile", "FROM alpine:3.20\n"),
        ];
        files.extend((0..manifests).map(|n| {
            InputFile::new(
                FileKind::Kubernetes,
                &format!("k8s/{n}.yaml"),
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n",
            )
        }));
        files
    }

    #[test]
    fn a_scan_that_evaluates_parses_the_infrastructure_when_it_models_it() {
        // Nothing read yet: the broken files have no diagnostic.
        let few = parse_inputs(inputs(3), true);
        assert_eq!(few.diagnostics(), 0);
        // Few Kubernetes files: read with the first, as are Dockerfiles.
        assert!(few.deferred().is_empty());
        let many = parse_inputs(inputs(MANIFEST_PART_FILES + 1), true);
        assert_eq!(many.diagnostics(), 0);
        // More than a part: those and the Dockerfile are read in parts.
        assert_eq!(many.deferred().len(), MANIFEST_PART_FILES + 2);
    }

    #[test]
    fn a_scan_that_stops_before_evaluating_parses_every_file_at_once() {
        // `--stop-after parse` and `model`: the parse floor parses everything.
        for manifests in [3, MANIFEST_PART_FILES + 1] {
            let parsed = parse_inputs(inputs(manifests), false);
            assert_eq!(parsed.diagnostics(), 2);
            assert!(parsed.deferred().is_empty());
        }
    }
}
