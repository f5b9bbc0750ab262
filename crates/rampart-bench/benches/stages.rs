//! Micro-benchmarks, one group per stage of a scan:
//!
//! - `parse`: each parser on a realistic input, with its throughput;
//! - `model`: the model built from parsed files;
//! - `evaluate`: every rule over a project;
//! - `report`: each output format over the findings of a monorepo.
//!
//! `cargo bench -p rampart-bench` runs them all; `cargo bench -p rampart-bench
//! -- parse::` one group. The inputs come from `rampart_bench` (built in memory;
//! docs/benchmarks.md describes them).

// A benchmark's job is to panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use divan::counter::{BytesCount, ItemsCount};
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

/// Each parser, on the input it meets in a real project.
mod parse {
    use rampart_bench::{File, bytes, config, example_files, of_kind, project_files};
    use rampart_discover::FileKind;
    use rampart_model::ParsedFiles;
    use rampart_model::falco::RulesFile;
    use rampart_source::{FileId, SourceFile};
    use rampart_terraform::{TerraformInput, TfFile, VarsFile};
    use rampart_yaml::Limits;

    use super::*;

    fn project() -> Vec<File> {
        project_files(&config())
    }

    /// Every Kubernetes manifest of the project (the example's and the generated
    /// baseline's: namespaces, network policies, admission policies) as one
    /// stream, about 140 KB.
    #[divan::bench]
    fn kubernetes_yaml(bencher: Bencher) {
        let text = rampart_bench::kubernetes_stream(&project());
        bencher.counter(BytesCount::new(text.len())).bench(|| {
            rampart_yaml::parse_stream(black_box(&text), "stream.yaml", &Limits::default())
        });
    }

    /// The Terraform of the project (the example's root with its local module and
    /// tfvars, and the generated baseline's root), parsed: about 250 KB of HCL.
    #[divan::bench]
    fn terraform_hcl(bencher: Bencher) {
        let files = of_kind(&project(), &[FileKind::Terraform, FileKind::TerraformVars]);
        bencher.counter(BytesCount::new(bytes(&files))).bench(|| {
            for file in &files {
                black_box(rampart_terraform::parse_body(black_box(&file.text), &file.path).ok());
            }
        });
    }

    /// The Terraform evaluator over the same two roots, already parsed:
    /// variables, tfvars, locals, `for_each`, a local module, functions.
    #[divan::bench(sample_count = 50)]
    fn terraform_evaluate(bencher: Bencher) {
        let files = of_kind(&project(), &[FileKind::Terraform, FileKind::TerraformVars]);
        let sources: Vec<SourceFile> = files
            .iter()
            .map(|f| SourceFile::new(f.path.clone(), f.path.clone(), f.text.clone()))
            .collect();
        let bodies: Vec<_> = files
            .iter()
            .map(|f| rampart_terraform::parse_body(&f.text, &f.path).unwrap())
            .collect();
        let mut input = TerraformInput::default();
        for (i, ((file, source), body)) in files.iter().zip(&sources).zip(&bodies).enumerate() {
            let tf = TfFile {
                file: FileId(i as u32),
                source,
                body,
                offset: 0,
            };
            match file.kind {
                FileKind::TerraformVars => input.auto_tfvars.push(VarsFile::Hcl(tf)),
                _ => input.files.push(tf),
            }
        }
        let resources = rampart_terraform::evaluate(&input).resources.len();
        assert!(resources > 300, "{resources}");
        bencher
            .counter(ItemsCount::new(resources))
            .bench(|| rampart_terraform::evaluate(black_box(&input)));
    }

    /// A plan of 400 resources and 200 drift entries (the example's plan,
    /// multiplied): parsed and read.
    #[divan::bench]
    fn terraform_plan(bencher: Bencher) {
        let text = rampart_bench::plan(200);
        bencher.counter(BytesCount::new(text.len())).bench(|| {
            let stream =
                rampart_yaml::parse_stream(black_box(&text), "plan.json", &Limits::default());
            rampart_tfplan::read_plan(FileId(0), "plan.json", &stream.documents[0].root)
        });
    }

    /// A stack of 300 resources (the example's template, multiplied): parsed
    /// and evaluated (intrinsics, conditions, parameters).
    #[divan::bench]
    fn cloudformation(bencher: Bencher) {
        let text = rampart_bench::cloudformation(100);
        bencher.counter(BytesCount::new(text.len())).bench(|| {
            let stream =
                rampart_yaml::parse_stream(black_box(&text), "stack.yaml", &Limits::default());
            rampart_cloudformation::evaluate_template(
                FileId(0),
                &stream.documents[0].root,
                "stack.yaml",
            )
        });
    }

    /// The example's two Dockerfiles (multi-stage, heredocs, flags).
    #[divan::bench]
    fn dockerfile(bencher: Bencher) {
        let files = of_kind(&example_files(), &[FileKind::Dockerfile]);
        bencher.counter(BytesCount::new(bytes(&files))).bench(|| {
            for file in &files {
                black_box(rampart_dockerfile::parse(black_box(&file.text), &file.path));
            }
        });
    }

    /// The generated Falco rules: YAML, then every rule's and macro's condition.
    #[divan::bench]
    fn falco_rules(bencher: Bencher) {
        let files = of_kind(&project(), &[FileKind::FalcoRules]);
        bencher.counter(BytesCount::new(bytes(&files))).bench(|| {
            for file in &files {
                let stream = rampart_yaml::parse_stream(
                    black_box(&file.text),
                    &file.path,
                    &Limits::default(),
                );
                let roots = stream.documents.into_iter().map(|d| d.root).collect();
                black_box(RulesFile::new(FileId(0), roots));
            }
        });
    }

    /// Every file of the project parsed, in parallel, as the floor
    /// `rampart scan --stop-after parse` parses a tree (a scan that evaluates
    /// leaves the infrastructure, and in a large tree most manifests, to its
    /// later stages).
    #[divan::bench(sample_count = 50)]
    fn whole_project(bencher: Bencher) {
        let files = project();
        bencher
            .counter(BytesCount::new(bytes(&files)))
            .with_inputs(|| rampart_bench::inputs(&files))
            .bench_local_values(ParsedFiles::parse);
    }
}

/// The model: Terraform and CloudFormation evaluated, objects, images, tiers,
/// links, from files already parsed.
mod model {
    use rampart_bench::{config, example_copies, inputs, project_files};
    use rampart_model::{ParsedFiles, Project, TerraformOptions};

    use super::*;

    /// The example and the baseline generated for its agents.
    #[divan::bench(sample_count = 30)]
    fn project(bencher: Bencher) {
        let config = config();
        let files = project_files(&config);
        let options = TerraformOptions::default();
        bencher
            .with_inputs(|| ParsedFiles::parse(inputs(&files)))
            .bench_local_values(|parsed| Project::from_parsed(parsed, &config, &options));
    }

    /// A monorepo of renamed copies of the example: time per copy must not grow
    /// with the number of copies.
    #[divan::bench(args = [10, 40], sample_count = 20)]
    fn monorepo(bencher: Bencher, copies: usize) {
        let config = config();
        let files = example_copies(copies);
        let options = TerraformOptions::default();
        bencher
            .counter(ItemsCount::new(files.len()))
            .with_inputs(|| ParsedFiles::parse(inputs(&files)))
            .bench_local_values(|parsed| Project::from_parsed(parsed, &config, &options));
    }
}

/// Every rule, over a model built once.
mod evaluate {
    use rampart_bench::{config, example_copies, inputs, project_files};
    use rampart_model::Project;
    use rampart_rules::{EvalOptions, all_rules, evaluate};

    use super::*;

    /// The example and the baseline generated for its agents.
    #[divan::bench(sample_count = 30)]
    fn project(bencher: Bencher) {
        let config = config();
        let project = Project::build(inputs(&project_files(&config)), &config);
        let options = EvalOptions::default();
        bencher.bench(|| evaluate(black_box(&project), &config, all_rules(), &options));
    }

    /// A monorepo of renamed copies of the example: time per copy must not grow
    /// with the number of copies (project-wide rules stay linear).
    #[divan::bench(args = [10, 40], sample_count = 20)]
    fn monorepo(bencher: Bencher, copies: usize) {
        let config = config();
        let files = example_copies(copies);
        let project = Project::build(inputs(&files), &config);
        let options = EvalOptions::default();
        bencher
            .counter(ItemsCount::new(files.len()))
            .bench(|| evaluate(black_box(&project), &config, all_rules(), &options));
    }
}

/// Each output format over the findings of 20 renamed copies of the example
/// (380 files, 700 findings), rendered into memory (`rampart scan` streams the same
/// bytes to its output through a buffer).
mod report {
    use std::sync::LazyLock;

    use rampart_bench::{Scanned, config, example_copies};
    use rampart_report::{Format, RenderOptions, write_report};

    use super::*;

    static SCANNED: LazyLock<Scanned> =
        LazyLock::new(|| Scanned::new(&example_copies(20), &config()));

    fn render(bencher: Bencher, format: Format) {
        let report = SCANNED.report();
        let mut probe = Vec::new();
        write_report(format, &report, &RenderOptions::default(), &mut probe).unwrap();
        bencher
            .counter(ItemsCount::new(report.findings.len()))
            .bench(|| {
                let mut out = Vec::with_capacity(probe.len());
                write_report(
                    format,
                    black_box(&report),
                    &RenderOptions::default(),
                    &mut out,
                )
                .unwrap();
                out
            });
    }

    #[divan::bench]
    fn pretty(bencher: Bencher) {
        render(bencher, Format::Pretty);
    }

    #[divan::bench]
    fn json(bencher: Bencher) {
        render(bencher, Format::Json);
    }

    #[divan::bench]
    fn sarif(bencher: Bencher) {
        render(bencher, Format::Sarif);
    }

    #[divan::bench]
    fn junit(bencher: Bencher) {
        render(bencher, Format::Junit);
    }
}
