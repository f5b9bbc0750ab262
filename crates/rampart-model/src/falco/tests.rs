#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_discover::FileKind;

use super::*;
use crate::Project;
use crate::testing::project;

fn rules(text: &str) -> Project {
    let project = project(&[("rules.yaml", FileKind::FalcoRules, text)]);
    assert!(project.diagnostics.is_empty(), "{:?}", project.diagnostics);
    project
}

/// `(line, message)` of every load error.
fn errors(project: &Project) -> Vec<(u32, String)> {
    project
        .falco
        .load_errors(&project.files)
        .into_iter()
        .map(|e| (e.span.start.line, e.problem.message()))
        .collect()
}

const GOOD: &str = r#"- required_engine_version: 26

- list: my_ports
  items: [8080, 8443]

- macro: my_inbound
  condition: (evt.type in (accept, accept4, listen) and fd.typechar = 4)

- rule: Unexpected port
  desc: A container accepted a connection on a port it does not serve.
  condition: >
    my_inbound and container
    and not fd.sport in (my_ports)
  output: Unexpected port (port=%fd.sport pod=%k8s.pod.name)
  priority: warning
  tags: [network]
"#;

#[test]
fn items_are_read_with_their_kind_mode_and_condition() {
    let project = rules(GOOD);
    let file = &project.falco.rules_files[0];
    let kinds: Vec<ItemKind> = file.items.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        vec![
            ItemKind::RequiredEngineVersion,
            ItemKind::List,
            ItemKind::Macro,
            ItemKind::Rule
        ]
    );
    let rule = &file.items[3];
    assert_eq!(rule.mode, Mode::Define);
    assert_eq!(rule.name.as_deref(), Some("Unexpected port"));
    assert_eq!(rule.name_span().start.line, 9);
    let condition = rule.condition.as_ref().unwrap();
    assert!(condition.parsed.is_ok());
    assert_eq!(rule.tags(), vec!["network"]);
    assert!(errors(&project).is_empty(), "{:?}", errors(&project));
    assert!(project.falco.silent_rules().is_empty());
}

#[test]
fn missing_keys_and_invalid_priorities_are_load_errors() {
    let project = rules(
        r#"- rule: No desc
  condition: spawned_process
  output: x
  priority: SEVERE

- rule: Appended
  append: true
  condition: and not proc.name = bash

- rule: Toggled off
  enabled: false

- rule: Toggle without enabled
  tags: [x]

- macro: empty
  condition: ""

- list: not_a_list
  items: a
"#,
    );
    assert_eq!(
        errors(&project),
        vec![
            (1, "rule `No desc` has no `desc`: Falco refuses to load the file (\"Item has no mapping for key 'desc'\")".to_owned()),
            (4, "rule `No desc` has priority `SEVERE`, which is not a Falco priority (EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, DEBUG): Falco refuses to load the file".to_owned()),
            (13, "rule `Toggle without enabled` has no `enabled`: Falco refuses to load the file (\"Item has no mapping for key 'enabled'\")".to_owned()),
            (16, "macro `empty` has no `condition`: Falco refuses to load the file (\"Item has no mapping for key 'condition'\")".to_owned()),
            (20, "list `not_a_list`: `items` is not a sequence; Falco refuses to load the file".to_owned()),
        ]
    );
}

#[test]
fn undefined_macros_and_lists_are_found_on_their_line() {
    let project = rules(
        r#"- rule: Detect unexpected network activity
  desc: seed
  condition: |-
    inbound_connection
    and not fd.sport in (expected_ports)
    and not proc.name in (allowed_binaries, docker_binaries)
  output: x
  priority: WARNING

- rule: Detect unauthorized process execution
  desc: seed
  condition: "spawned_process and not allowed_processes"
  output: x
  priority: ERROR
"#,
    );
    let found = errors(&project);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert_eq!(found[0].0, 4);
    assert!(found[0].1.contains("the macro `inbound_connection`"));
    assert_eq!(found[1].0, 5);
    assert!(
        found[1]
            .1
            .contains("compares `fd.sport` with `expected_ports`")
    );
    assert_eq!(found[2].0, 12);
    assert!(found[2].1.contains("the macro `allowed_processes`"));
    // Columns point at the name.
    let spans = project.falco.load_errors(&project.files);
    assert_eq!(spans[0].span.start.column, 5);
    assert_eq!(spans[2].span.start.column, 39);
}

#[test]
fn names_resolve_across_scanned_files_and_upstream() {
    let project = project(&[
        (
            "a.yaml",
            FileKind::FalcoRules,
            "- macro: shared_macro\n  condition: proc.name = x\n- list: shared_ports\n  items: [1]\n",
        ),
        (
            "b.yaml",
            FileKind::FalcoRules,
            "- rule: R\n  desc: d\n  condition: shared_macro and open_read and not fd.sport in (shared_ports, ssh_non_standard_ports)\n  output: o\n  priority: INFO\n",
        ),
    ]);
    assert!(errors(&project).is_empty(), "{:?}", errors(&project));
}

#[test]
fn syntax_errors_are_reported_where_they_are() {
    let project = rules(
        r#"- macro: rampart_user_or_group_change
  condition: (evt.type in (setuid, setresuid, setgid, setresgid)

- rule: Trailing
  desc: d
  condition: >
    spawned_process and
    container proc.name = x
  output: o
  priority: INFO

- rule: Appended fragment
  append: true
  condition: or (unbalanced
"#,
    );
    let found = errors(&project);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].0, 2);
    assert!(
        found[0].1.contains("this `(` is never closed"),
        "{}",
        found[0].1
    );
    assert_eq!(found[1].0, 8);
    assert!(found[1].1.contains("unexpected text"), "{}", found[1].1);
}

#[test]
fn plugin_rules_are_not_resolved_against_syscall_macros() {
    let project = rules(
        "- rule: K8s exec\n  desc: d\n  condition: kevt and pod_subresource and kcreate\n  output: o\n  priority: NOTICE\n  source: k8s_audit\n",
    );
    assert!(errors(&project).is_empty());
}

#[test]
fn exec_and_setuid_at_once_never_match() {
    let seed = r#"- macro: setuid_or_setgid
  condition: evt.type in (setuid, setgid)

- rule: Detect privilege escalation
  desc: seed
  condition: spawned_process and proc_name_exists and setuid_or_setgid
  output: x
  priority: CRITICAL
"#;
    let project = rules(seed);
    let silent = project.falco.silent_rules();
    assert_eq!(silent.len(), 1);
    assert_eq!(silent[0].span.start.line, 6);
    assert_eq!(
        silent[0].reason,
        Silence::Unsatisfiable {
            first: "`spawned_process`".into(),
            first_types: vec!["execve".into(), "execveat".into()],
            second: "`setuid_or_setgid`".into(),
            second_types: vec!["setgid".into(), "setuid".into()],
        }
    );
    // Satisfiable: setuid alone, or exec or setuid.
    for condition in [
        "setuid_or_setgid and proc_name_exists",
        "(spawned_process or setuid_or_setgid) and container",
        "spawned_process and not setuid_or_setgid",
        "evt.type in (execve, setuid) and setuid_or_setgid",
    ] {
        let project = rules(&seed.replace(
            "spawned_process and proc_name_exists and setuid_or_setgid",
            condition,
        ));
        assert!(project.falco.silent_rules().is_empty(), "{condition}");
    }
    // A macro redefined elsewhere, or a rule appended to, is not judged.
    let appended = format!(
        "{seed}\n- rule: Detect privilege escalation\n  append: true\n  condition: or evt.type = execve\n"
    );
    assert!(rules(&appended).falco.silent_rules().is_empty());
}

#[test]
fn required_rules_switched_off_are_silent() {
    let project = rules(
        r#"- rule: Detect shell spawning in container (critical-agents)
  desc: d
  condition: spawned_process and container and shell_procs
  output: o
  priority: ERROR
  enabled: false
  tags: [rampart, S-FALCO-01]

- rule: Terminal shell in container
  enabled: false

- rule: Some other rule
  desc: d
  condition: spawned_process
  output: o
  priority: INFO
  enabled: false
"#,
    );
    let silent: Vec<(u32, Silence)> = project
        .falco
        .silent_rules()
        .into_iter()
        .map(|s| (s.span.start.line, s.reason))
        .collect();
    assert_eq!(
        silent,
        vec![
            (
                6,
                Silence::DisabledRequired {
                    requirement: "S-FALCO-01"
                }
            ),
            (
                10,
                Silence::DisabledRequired {
                    requirement: "P-IIIA1-b"
                }
            ),
        ]
    );
    // Switched back on by another item: not reported.
    let project = rules(
        "- rule: Terminal shell in container\n  enabled: false\n- rule: Terminal shell in container\n  override:\n    enabled: replace\n  enabled: true\n",
    );
    assert!(project.falco.silent_rules().is_empty());
}

#[test]
fn configuration_is_the_first_mapping() {
    let project = project(&[(
        "falco.yaml",
        FileKind::FalcoConfig,
        "json_output: true\nhttp_output:\n  enabled: false\n",
    )]);
    let config = &project.falco.configs[0];
    assert_eq!(
        config
            .get(&["http_output", "enabled"])
            .and_then(Node::as_bool),
        Some(false)
    );
    assert_eq!(
        config
            .get(&["http_output", "enabled"])
            .unwrap()
            .span
            .start
            .line,
        3
    );
}
