use rampart_config::Severity;
use rampart_model::aws::data;

use super::report_secret_at;
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};
use crate::rules::credentials::with_article;
use crate::secrets::secret_in_assignment;

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "SEC-008",
        name: "secret-in-function-environment",
        severity: Severity::High,
        summary: "Secret written as a literal Lambda or ECS environment variable",
        requirements: &["G-CFG-02", "P-IIB2-a", "P-IIB2-b"],
        docs: RuleDocs {
            what: "Reports environment variables of Lambda functions (Terraform `aws_lambda_function.environment.variables`, CloudFormation `AWS::Lambda::Function.Environment.Variables`) and ECS containers (the `environment` entries of Terraform `aws_ecs_task_definition.container_definitions`, a JSON document read here, or CloudFormation `AWS::ECS::TaskDefinition.ContainerDefinitions[].Environment`) that are secrets written in the code: the variable's name says it holds one (`DB_PASSWORD`, `OPENAI_API_KEY`, `clientSecret`) and the value is not visibly something else (a placeholder, a path, an ARN, a reference), or the value has the shape of a known credential whatever the name — the same test as SEC-001 for Kubernetes. It is reported where the value is written (the resource, a variable default, a `tfvars` file, a local, inside `jsonencode(…)`), and the value is never printed. Not reported: ECS `secrets` (`valueFrom`), values known only at apply, container definitions that are not valid JSON or not known, and, in a plan, values the configuration scanned with it does not show written as literals.",
            why: "A literal in a function's or task's environment is in the repository, the Terraform state, the function's configuration (readable with `lambda:GetFunctionConfiguration`) and the task definition (readable with `ecs:DescribeTaskDefinition`, and kept in every revision forever). The policy requires secrets to stay in an approved vault and reach workloads at runtime (G-CFG-02, P-IIB2-a), never committed (P-IIB2-b). ECS injects `secrets` from Secrets Manager or SSM at start; Lambda functions read them with the Parameters and Secrets extension.",
            fail: Example::terraform(
                r#"resource "aws_lambda_function" "summariser" {
  function_name = "summariser"
  role          = "arn:aws:iam::123456789012:role/summariser"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "summariser.zip"

  environment {
    variables = {
      LOG_LEVEL      = "info"
      OPENAI_API_KEY = "sk-proj-4f9aQ2rT7yLm3Zx8Vb1Nc6Wd0Ke5Hs"
    }
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_lambda_function" "summariser" {
  function_name = "summariser"
  role          = "arn:aws:iam::123456789012:role/summariser"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "summariser.zip"

  environment {
    variables = {
      LOG_LEVEL             = "info"
      OPENAI_API_KEY_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:agents/openai"
    }
  }
}
"#,
            ),
            fix: "Remove the value and rotate it: it is in the repository's history. For ECS, move the variable to the container's `secrets` (`{ name = \"DB_PASSWORD\", valueFrom = aws_secretsmanager_secret.db.arn }`); for Lambda, pass the secret's ARN and read it at runtime (the AWS Parameters and Secrets Lambda Extension caches it), granting the function's role `secretsmanager:GetSecretValue` on that secret only.",
        },
    },
    check: Check::Resource(
        &[
            "aws_lambda_function",
            "AWS::Lambda::Function",
            "aws_ecs_task_definition",
            "AWS::ECS::TaskDefinition",
        ],
        check,
    ),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(variables) = data::environment_variables(resource) else {
        return;
    };
    for variable in variables {
        let Some(value) = variable.value.as_deref() else {
            continue;
        };
        let Some(found) = secret_in_assignment(&variable.name, value) else {
            continue;
        };
        let Some(origin) = data::written_in_code(ctx.project, resource, variable.node, value)
        else {
            continue;
        };
        let what = if found.kind == "literal secret" {
            "a literal secret".to_owned()
        } else {
            format!("a value containing {}", with_article(found.kind))
        };
        let owner = match &variable.container {
            Some(container) => format!("container `{container}` of `{}`", resource.address),
            None => format!("`{}`", resource.address),
        };
        // The whole value is redacted: a credential inside a longer value
        // (a URL) leaves the rest of it telling.
        report_secret_at(
            sink,
            resource,
            origin,
            format!(
                "{owner} sets environment variable `{}` to {what}; inject it from Secrets Manager or SSM at runtime instead",
                variable.name
            ),
            value,
        );
    }
}
