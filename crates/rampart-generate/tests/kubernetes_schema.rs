//! Every generated Kubernetes object is valid for its API version: each document of
//! `kubernetes/` and `admission/` is checked against the strict Kubernetes 1.33 JSON
//! schema of its kind, committed under `tests/schemas/` (see `PROVENANCE.md` there).
//! Strict schemas forbid unknown fields, so a misspelt field fails like a wrong type.

// A test's job is to panic on the unexpected.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use boon::{Compiler, SchemaIndex, Schemas, UrlLoader};
use rampart_config::Config;
use rampart_generate::{GeneratedFile, Inventory, InventorySource, STARTER_INVENTORY, Target};
use rampart_yaml::{Limits, Node, ScalarStyle, parse_stream};
use serde_json::{Map, Number, Value};

/// Loads nothing: every schema is added as a resource and the metaschemas are built
/// into boon, so validation never touches the network.
struct Offline;

impl UrlLoader for Offline {
    fn load(&self, url: &str) -> Result<Value, Box<dyn std::error::Error>> {
        Err(format!("refusing to load {url}: the schemas are committed, tests run offline").into())
    }
}

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/kubernetes-v1.33")
}

/// The compiled schema of every committed kind, by `(apiVersion, kind)`.
struct KubernetesSchemas {
    schemas: Schemas,
    by_kind: BTreeMap<(String, String), SchemaIndex>,
}

impl KubernetesSchemas {
    fn load() -> Self {
        let mut compiler = Compiler::new();
        compiler.use_loader(Box::new(Offline));
        let mut kinds = Vec::new();
        let mut paths: Vec<PathBuf> = std::fs::read_dir(schema_dir())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let id = schema["$id"].as_str().unwrap().to_owned();
            // A kind's schema names its group, version and kind; the shared
            // definitions do not.
            if let Some(gvk) = schema["x-kubernetes-group-version-kind"].as_array() {
                assert_eq!(gvk.len(), 1, "{}", path.display());
                let group = gvk[0]["group"].as_str().unwrap();
                let version = gvk[0]["version"].as_str().unwrap();
                let api_version = if group.is_empty() {
                    version.to_owned()
                } else {
                    format!("{group}/{version}")
                };
                let kind = gvk[0]["kind"].as_str().unwrap().to_owned();
                kinds.push(((api_version, kind), id.clone()));
            }
            compiler.add_resource(&id, schema).unwrap();
        }
        let mut schemas = Schemas::new();
        let by_kind = kinds
            .into_iter()
            .map(|(key, id)| {
                let index = compiler
                    .compile(&id, &mut schemas)
                    .unwrap_or_else(|e| panic!("{id}: {e:#}"));
                (key, index)
            })
            .collect();
        Self { schemas, by_kind }
    }

    /// Validates one object; `Err` names what is wrong.
    fn validate(&self, object: &Value) -> Result<(), String> {
        let key = (
            object["apiVersion"].as_str().unwrap_or_default().to_owned(),
            object["kind"].as_str().unwrap_or_default().to_owned(),
        );
        let Some(index) = self.by_kind.get(&key) else {
            return Err(format!(
                "no schema for {} {} under tests/schemas/kubernetes-v1.33: commit it (see PROVENANCE.md)",
                key.0, key.1
            ));
        };
        self.schemas
            .validate(object, *index)
            .map_err(|error| format!("{error:#}"))
    }
}

/// A YAML node as the JSON a Kubernetes client sends: plain scalars are read the way
/// the API machinery's YAML reader reads them (`8080` a number, `true` a boolean,
/// `null` null); quoted and block scalars, and anything tagged `!!str`, are strings.
fn to_json(node: &Node) -> Value {
    match &node.value {
        rampart_yaml::Value::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|entry| {
                    (
                        entry.key.as_str().unwrap_or_default().to_owned(),
                        to_json(&entry.value),
                    )
                })
                .collect::<Map<String, Value>>(),
        ),
        rampart_yaml::Value::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        rampart_yaml::Value::Scalar(text, style) => {
            if node.tag() == Some("!!str") || *style != ScalarStyle::Plain {
                return Value::String(text.to_string());
            }
            if node.is_null() {
                return Value::Null;
            }
            if let Some(value) = node.as_bool() {
                return Value::Bool(value);
            }
            if let Some(value) = node.as_i64() {
                return Value::Number(value.into());
            }
            let looks_like_float = text
                .trim_start_matches(['-', '+'])
                .starts_with(|c: char| c.is_ascii_digit() || c == '.');
            if looks_like_float
                && let Some(number) = text.parse::<f64>().ok().and_then(Number::from_f64)
            {
                return Value::Number(number);
            }
            Value::String(text.to_string())
        }
    }
}

/// The documents of one YAML stream, as JSON.
fn documents(path: &str, text: &str) -> Vec<Value> {
    let stream = parse_stream(text, path, &Limits::default());
    assert!(
        stream.diagnostics.is_empty(),
        "{path}: {:?}",
        stream.diagnostics
    );
    stream.documents.iter().map(|d| to_json(&d.root)).collect()
}

fn generated() -> Vec<GeneratedFile> {
    let inventory = Inventory::parse(STARTER_INVENTORY, "agents.yaml").unwrap();
    rampart_generate::generate(
        &inventory,
        &Config::default(),
        &InventorySource::of("agents.yaml", STARTER_INVENTORY.as_bytes()),
        &Target::ALL,
    )
    .unwrap()
}

/// The Kubernetes manifests of the baseline: every YAML file of `kubernetes/` and
/// `admission/`.
fn manifests(files: &[GeneratedFile]) -> Vec<&GeneratedFile> {
    let manifests: Vec<&GeneratedFile> = files
        .iter()
        .filter(|f| f.path.starts_with("kubernetes/") || f.path.starts_with("admission/"))
        .collect();
    for file in &manifests {
        assert!(
            file.path.ends_with(".yaml"),
            "{}: every Kubernetes file is a YAML manifest",
            file.path
        );
    }
    manifests
}

#[test]
fn every_generated_object_is_valid_for_its_api_version() {
    let schemas = KubernetesSchemas::load();
    let files = generated();
    let manifests = manifests(&files);
    assert!(manifests.iter().any(|f| f.path.starts_with("kubernetes/")));
    assert!(manifests.iter().any(|f| f.path.starts_with("admission/")));

    let mut problems = Vec::new();
    let mut kinds = BTreeSet::new();
    let mut objects = 0;
    for file in manifests {
        for (i, object) in documents(&file.path, &file.contents).iter().enumerate() {
            objects += 1;
            kinds.insert((
                object["apiVersion"].as_str().unwrap_or_default().to_owned(),
                object["kind"].as_str().unwrap_or_default().to_owned(),
            ));
            if let Err(problem) = schemas.validate(object) {
                problems.push(format!("{} document {}: {problem}", file.path, i + 1));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // 3 namespaces, 3 deny-all + 51 agent policies, 3 quotas + 3 limit ranges,
    // 51 service accounts, 6 admission policies with their bindings.
    assert_eq!(objects, 3 + 54 + 6 + 51 + 12);
    // Every kind generated has a schema (checked above, object by object), and every
    // committed schema is for a kind the generator emits: no stale schema files.
    let committed: BTreeSet<(String, String)> = schemas.by_kind.keys().cloned().collect();
    assert_eq!(kinds, committed);
}

/// One generated document, found by kind and name, as YAML text.
fn generated_document(kind: &str, name: &str) -> (String, String) {
    let files = generated();
    for file in manifests(&files) {
        for document in file.contents.split("---\n") {
            if document.contains(&format!("\nkind: {kind}\n"))
                && document.contains(&format!("\n  name: {name}\n"))
            {
                return (file.path.clone(), document.to_owned());
            }
        }
    }
    panic!("no {kind} {name} generated");
}

/// Validates a YAML document after replacing `from` (which must occur) with `to`.
fn validate_mutated(document: &(String, String), from: &str, to: &str) -> Result<(), String> {
    let (path, text) = document;
    assert!(text.contains(from), "{path}: `{from}` not in\n{text}");
    let mutated = text.replacen(from, to, 1);
    let objects = documents(path, &mutated);
    assert_eq!(objects.len(), 1);
    KubernetesSchemas::load().validate(&objects[0])
}

#[test]
fn an_unknown_or_misspelt_field_fails() {
    let policy = generated_document("NetworkPolicy", "allow-fraud-scoring");
    assert_eq!(validate_mutated(&policy, "", ""), Ok(()));
    let error = validate_mutated(&policy, "  policyTypes:\n", "  policyType:\n").unwrap_err();
    assert!(error.contains("policyType"), "{error}");
    let namespace = generated_document("Namespace", "critical-agents");
    let error = validate_mutated(&namespace, "  labels:\n", "  label:\n").unwrap_err();
    assert!(error.contains("label"), "{error}");
    let binding = generated_document(
        "ValidatingAdmissionPolicyBinding",
        "rampart-tier-critical-agents",
    );
    let error =
        validate_mutated(&binding, "  validationActions:\n", "  validationAction:\n").unwrap_err();
    assert!(error.contains("validationAction"), "{error}");
}

#[test]
fn a_wrong_type_fails() {
    // Quoted, `false` is the string "false", and the field is a boolean.
    let account = generated_document("ServiceAccount", "fraud-scoring");
    assert_eq!(validate_mutated(&account, "", ""), Ok(()));
    let error = validate_mutated(
        &account,
        "automountServiceAccountToken: false\n",
        "automountServiceAccountToken: \"false\"\n",
    )
    .unwrap_err();
    assert!(error.contains("automountServiceAccountToken"), "{error}");
    // A port is a number or a name, never a list.
    let policy = generated_document("NetworkPolicy", "allow-fraud-scoring");
    let error =
        validate_mutated(&policy, "      port: 8443\n", "      port: [8443]\n").unwrap_err();
    assert!(error.contains("port"), "{error}");
    // Label values are strings: an unquoted number is not.
    let namespace = generated_document("Namespace", "critical-agents");
    let error = validate_mutated(
        &namespace,
        "    classification: critical\n",
        "    classification: 1\n",
    )
    .unwrap_err();
    assert!(error.contains("classification"), "{error}");
}

#[test]
fn scalars_get_the_json_types_a_kubernetes_reader_gives_them() {
    let objects = documents(
        "types.yaml",
        "a: 8080\nb: \"8080\"\nc: true\nd: 'true'\ne: null\nf: 1.5\ng: v1.33\nh: !!str 53\ni: |-\n  x\n",
    );
    assert_eq!(
        objects[0],
        serde_json::json!({
            "a": 8080, "b": "8080", "c": true, "d": "true", "e": null,
            "f": 1.5, "g": "v1.33", "h": "53", "i": "x"
        })
    );
}
