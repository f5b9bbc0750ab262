//! The names upstream `falco_rules.yaml` defines, which every Falco loads
//! before custom rules (the default `rules_files`, and the Helm chart's).
//!
//! Only the default (stable) file counts: macros of the incubating and sandbox
//! files (`inbound`, `outbound_corp`, …) are not loaded unless configured, so a
//! rule naming them without defining them fails to load.

/// Where [`UPSTREAM_MACROS`] and [`UPSTREAM_LISTS`] come from.
pub const UPSTREAM_RULES_VERSION: &str = "falcosecurity/rules rules/falco_rules.yaml at commit f69f43392fbf (rules 3.x, required_engine_version 26)";

/// Every macro upstream `falco_rules.yaml` defines.
pub const UPSTREAM_MACROS: &[&str] = &[
    "access_log_files",
    "allowed_clear_log_files",
    "ansible_running_python",
    "check_process_status",
    "cmp_cp_by_passwd",
    "consul_running_alert_checks",
    "consul_running_net_scripts",
    "container",
    "container_entrypoint",
    "create_hardlink",
    "create_symlink",
    "directory_traversal",
    "dup",
    "etc_dir",
    "grep_commands",
    "grep_more",
    "interactive",
    "k8s_api_server",
    "k8s_containers",
    "kernel_module_load",
    "known_memfd_execution_processes",
    "known_ptrace_procs",
    "linux_bench_reading_etc_shadow",
    "mandb_postinst",
    "never_true",
    "nginx_running_aws_s3_cp",
    "nginx_starting_nginx",
    "open_file_failed",
    "open_read",
    "open_write",
    "outbound",
    "parent_java_running_activemq",
    "parent_java_running_cassandra",
    "parent_java_running_datastax",
    "parent_java_running_elasticsearch",
    "parent_java_running_glassfish",
    "parent_java_running_hadoop",
    "parent_java_running_jboss_wildfly",
    "parent_java_running_kafka",
    "parent_java_running_zookeeper",
    "perl_running_centrifydc",
    "perl_running_plesk",
    "perl_running_updmap",
    "possibly_node_in_container",
    "possibly_parent_java_running_tomcat",
    "postgres_running_wal_e",
    "private_aws_credentials",
    "private_key_or_password",
    "proc_is_new",
    "proc_name_exists",
    "protected_shell_spawner",
    "ptrace_attach_or_injection",
    "python_mesos_marathon_scripting",
    "rabbitmq_running_scripts",
    "rabbitmqctl_running_scripts",
    "redis_running_prepost_scripts",
    "run_by_appdynamics",
    "run_by_chef",
    "run_by_foreman",
    "run_by_google_accounts_daemon",
    "run_by_package_mgmt_binaries",
    "run_by_qualys",
    "runuser_reading_pam",
    "sensitive_files",
    "serf_script",
    "server_procs",
    "shell_procs",
    "spawned_process",
    "splunk_running_forwarder",
    "ssh_non_standard_ports_network",
    "system_users",
    "trusted_logging_images",
    "user_expected_terminal_shell_in_container_conditions",
    "user_known_contact_k8s_api_server_activities",
    "user_known_read_sensitive_files_activities",
    "user_known_remove_data_activities",
    "user_known_stand_streams_redirect_activities",
    "user_known_system_user_login",
    "user_read_sensitive_file_conditions",
    "user_read_sensitive_file_containers",
    "user_shell_container_exclusions",
    "user_ssh_directory",
    "veritas_driver_script",
    "clear_data_procs",
];

/// Every list upstream `falco_rules.yaml` defines.
pub const UPSTREAM_LISTS: &[&str] = &[
    "allowed_container_images_loading_kernel_module",
    "cron_binaries",
    "data_remove_commands",
    "db_server_binaries",
    "deb_binaries",
    "docker_binaries",
    "falco_containers",
    "falco_no_driver_containers",
    "falco_privileged_images",
    "gitlab_binaries",
    "grep_binaries",
    "hids_binaries",
    "http_server_binaries",
    "ibm_cloud_containers",
    "known_drop_and_execute_containers",
    "known_memfd_execution_binaries",
    "known_ptrace_binaries",
    "known_shell_spawn_cmdlines",
    "log_directories",
    "log_files",
    "login_binaries",
    "mail_binaries",
    "mail_config_binaries",
    "mesos_shell_binaries",
    "needrestart_binaries",
    "nomachine_binaries",
    "nosql_server_binaries",
    "package_mgmt_binaries",
    "passwd_binaries",
    "postgres_mgmt_binaries",
    "protected_shell_spawning_binaries",
    "python_package_managers",
    "read_sensitive_file_binaries",
    "read_sensitive_file_images",
    "rfc_1918_addresses",
    "rpm_binaries",
    "sematext_images",
    "sensitive_directory_names",
    "sensitive_file_names",
    "shadowutils_binaries",
    "shell_binaries",
    "ssh_non_standard_ports",
    "sshkit_script_binaries",
    "trusted_images",
    "user_known_packet_socket_binaries",
    "user_known_shell_spawn_binaries",
    "user_mgmt_binaries",
    "userexec_binaries",
    "vpn_binaries",
];

/// The event types of the upstream macros that restrict them (`evt.type in
/// (…)` in their condition); every other upstream macro does not.
const UPSTREAM_EVENT_TYPES: &[(&str, &[&str])] = &[
    ("create_hardlink", &["link", "linkat"]),
    ("create_symlink", &["symlink", "symlinkat"]),
    ("dup", &["dup", "dup2", "dup3"]),
    ("kernel_module_load", &["init_module", "finit_module"]),
    ("open_file_failed", &["open", "openat", "openat2"]),
    ("open_read", &["open", "openat", "openat2"]),
    ("open_write", &["open", "openat", "openat2"]),
    ("outbound", &["connect", "sendto", "sendmsg"]),
    ("ptrace_attach_or_injection", &["ptrace"]),
    ("spawned_process", &["execve", "execveat"]),
];

/// The event types an upstream macro restricts its matches to, if it does.
pub fn upstream_event_types(name: &str) -> Option<&'static [&'static str]> {
    UPSTREAM_EVENT_TYPES
        .iter()
        .find(|(macro_name, _)| *macro_name == name)
        .map(|(_, types)| *types)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_typed_macros_exist() {
        let mut macros = UPSTREAM_MACROS.to_vec();
        macros.sort_unstable();
        macros.dedup();
        assert_eq!(macros.len(), UPSTREAM_MACROS.len());
        let mut lists = UPSTREAM_LISTS.to_vec();
        lists.sort_unstable();
        lists.dedup();
        assert_eq!(lists.len(), UPSTREAM_LISTS.len());
        for (name, _) in UPSTREAM_EVENT_TYPES {
            assert!(UPSTREAM_MACROS.contains(name), "{name}");
        }
        // Sandbox-only and never-defined names of the seed (C-19).
        for undefined in [
            "inbound",
            "inbound_connection",
            "expected_ports",
            "setuid_or_setgid",
            "allowed_processes",
        ] {
            assert!(!UPSTREAM_MACROS.contains(&undefined), "{undefined}");
            assert!(!UPSTREAM_LISTS.contains(&undefined), "{undefined}");
        }
    }
}
