//! Whole templates: resources, parameters, origins and unknowns.

use rampart_cloudformation::is_cloudformation;
use rampart_iac::{BlockKind, Language, Unknown, Value};
use rampart_yaml::{Limits, parse_stream};

use crate::common::*;

const NETWORK: &str = r#"AWSTemplateFormatVersion: '2010-09-09'
Description: Agent network
Parameters:
  VpcCidr:
    Type: String
    Default: 10.20.0.0/16
  AllowedCidr:
    Type: String
    Default: 0.0.0.0/0
    Description: Who may reach the load balancer
  AdminCidr:
    Type: String
  DbPassword:
    Type: String
    NoEcho: true
    Default: hunter2hunter2
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref VpcCidr
      EnableDnsSupport: true
      Tags:
        - Key: agent-classification
          Value: critical
  LoadBalancerSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: Load balancer
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 443
          ToPort: "443"
          CidrIp: !Ref AllowedCidr
        - IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: !Ref AdminCidr
        - IpProtocol: "-1"
          CidrIp: !GetAtt Vpc.CidrBlock
"#;

#[test]
fn a_security_group_reads_its_values_from_parameters() {
    let out = evaluate_clean(NETWORK);
    let sg = resource(&out, "LoadBalancerSecurityGroup");
    assert_eq!(sg.language, Language::CloudFormation);
    assert_eq!(sg.resource_type, "AWS::EC2::SecurityGroup");
    assert_eq!(sg.module, "");
    // The resource is reported at its logical id.
    assert_eq!(
        sg.span.start.line,
        line_of(NETWORK, "LoadBalancerSecurityGroup:")
    );
    assert_eq!(sg.span.start.column, 3);

    // `!Ref AllowedCidr` is the default, placed where the default was written.
    let cidr = prop(
        &out,
        "LoadBalancerSecurityGroup",
        &["SecurityGroupIngress", "0", "CidrIp"],
    );
    assert_eq!(string(cidr), "0.0.0.0/0");
    assert_eq!(line(cidr), line_of(NETWORK, "Default: 0.0.0.0/0"));
    assert_eq!(cidr.origin.unwrap().file, rampart_source::FileId(7));

    // Plain numbers are numbers, quoted ones strings; both read as 443.
    let from = prop(
        &out,
        "LoadBalancerSecurityGroup",
        &["SecurityGroupIngress", "0", "FromPort"],
    );
    let to = prop(
        &out,
        "LoadBalancerSecurityGroup",
        &["SecurityGroupIngress", "0", "ToPort"],
    );
    assert_eq!(from.value, Value::Number(443.0));
    assert_eq!(to.value, Value::String("443".into()));
    assert_eq!(from.as_i64(), to.as_i64());
    assert_eq!(line(from), line_of(NETWORK, "FromPort: 443"));

    // No default: an unset variable, reported where it is used.
    let admin = prop(
        &out,
        "LoadBalancerSecurityGroup",
        &["SecurityGroupIngress", "1", "CidrIp"],
    );
    assert_eq!(
        admin.unknown_value(),
        Some(&Unknown::UnsetVariable {
            name: "AdminCidr".into()
        })
    );
    assert_eq!(line(admin), line_of(NETWORK, "CidrIp: !Ref AdminCidr"));

    // References to other resources stay references, for the model to link.
    assert_eq!(
        prop(&out, "LoadBalancerSecurityGroup", &["VpcId"]).value,
        reference("Vpc", "")
    );
    assert_eq!(
        prop(
            &out,
            "LoadBalancerSecurityGroup",
            &["SecurityGroupIngress", "2", "CidrIp"]
        )
        .value,
        reference("Vpc", "CidrBlock")
    );
    assert_eq!(
        prop(&out, "Vpc", &["EnableDnsSupport"]).value,
        Value::Bool(true)
    );
    assert_eq!(
        string(prop(&out, "Vpc", &["Tags", "0", "Value"])),
        "critical"
    );
}

#[test]
fn parameters_are_variables() {
    let out = evaluate_clean(NETWORK);
    let kinds: Vec<(BlockKind, &str)> = out
        .resources
        .iter()
        .map(|r| (r.kind, r.address.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (BlockKind::Variable, "VpcCidr"),
            (BlockKind::Variable, "AllowedCidr"),
            (BlockKind::Variable, "AdminCidr"),
            (BlockKind::Variable, "DbPassword"),
            (BlockKind::Resource, "Vpc"),
            (BlockKind::Resource, "LoadBalancerSecurityGroup"),
        ]
    );
    // A NoEcho parameter with a literal default: what a secrets rule checks.
    let password = parameter(&out, "DbPassword");
    assert_eq!(password.resource_type, "String");
    assert_eq!(password.span.start.line, line_of(NETWORK, "DbPassword:"));
    assert_eq!(password.get("NoEcho").unwrap().as_bool(), Some(true));
    let default = password.get("Default").unwrap();
    assert_eq!(string(default), "hunter2hunter2");
    assert_eq!(line(default), line_of(NETWORK, "Default: hunter2hunter2"));
    assert!(parameter(&out, "AdminCidr").get("Default").is_none());
}

#[test]
fn unknowns_are_listed_with_their_address() {
    let out = evaluate_clean(NETWORK);
    let listed: Vec<(&str, u32)> = out
        .unknowns
        .iter()
        .map(|u| (u.address.as_str(), u.origin.span.start.line))
        .collect();
    assert_eq!(
        listed,
        [
            (
                "LoadBalancerSecurityGroup.VpcId",
                line_of(NETWORK, "VpcId: !Ref Vpc")
            ),
            (
                "LoadBalancerSecurityGroup.SecurityGroupIngress[1].CidrIp",
                line_of(NETWORK, "CidrIp: !Ref AdminCidr")
            ),
            (
                "LoadBalancerSecurityGroup.SecurityGroupIngress[2].CidrIp",
                line_of(NETWORK, "!GetAtt Vpc.CidrBlock")
            ),
        ]
    );
}

const DATABASE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Environment:
    Type: String
    AllowedValues: [dev, prod]
    Default: prod
  SnapshotId:
    Type: String
    Default: ""
Conditions:
  IsProd: !Equals [!Ref Environment, prod]
  HasSnapshot: !Not [!Equals [!Ref SnapshotId, ""]]
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    DeletionPolicy: Snapshot
    UpdateReplacePolicy: Snapshot
    Properties:
      Engine: postgres
      EngineVersion: 16.10
      DBInstanceClass: !If [IsProd, db.r6g.large, db.t4g.micro]
      MultiAZ: !If [IsProd, true, false]
      StorageEncrypted: !If [IsProd, true, !Ref AWS::NoValue]
      PubliclyAccessible: false
      DBSnapshotIdentifier: !If [HasSnapshot, !Ref SnapshotId, !Ref "AWS::NoValue"]
      BackupRetentionPeriod: !If [IsProd, 35, 1]
      MasterUsername: app
      MasterUserPassword: "{{resolve:secretsmanager:prod/db:SecretString:password}}"
  ReadReplica:
    Type: AWS::RDS::DBInstance
    Condition: IsProd
    Properties:
      SourceDBInstanceIdentifier: !Ref Database
  DevBastion:
    Type: AWS::EC2::Instance
    Condition: HasSnapshot
    Properties:
      ImageId: ami-12345678
"#;

#[test]
fn an_rds_instance_with_conditions() {
    let out = evaluate_clean(DATABASE);
    let db = |key: &str| prop(&out, "Database", &[key]);
    assert_eq!(string(db("DBInstanceClass")), "db.r6g.large");
    assert_eq!(
        line(db("DBInstanceClass")),
        line_of(DATABASE, "DBInstanceClass")
    );
    assert_eq!(db("MultiAZ").as_bool(), Some(true));
    assert_eq!(db("StorageEncrypted").as_bool(), Some(true));
    assert_eq!(db("BackupRetentionPeriod").as_i64(), Some(35));
    // `16.10` is not the number 16.1.
    assert_eq!(string(db("EngineVersion")), "16.10");
    // The snapshot id is empty: the `AWS::NoValue` branch removes the property.
    assert!(
        resource(&out, "Database")
            .get("DBSnapshotIdentifier")
            .is_none()
    );
    // A dynamic reference is resolved at deployment.
    assert!(reason(db("MasterUserPassword")).contains("{{resolve:secretsmanager:prod/db"));
    // Resource-level attributes are not properties.
    assert!(resource(&out, "Database").get("DeletionPolicy").is_none());

    // `IsProd` holds, `HasSnapshot` does not.
    assert_eq!(
        prop(&out, "ReadReplica", &["SourceDBInstanceIdentifier"]).value,
        reference("Database", "")
    );
    assert!(!out.resources.iter().any(|r| r.address == "DevBastion"));
}

#[test]
fn the_dev_branch_is_taken_when_the_default_says_dev() {
    let text = DATABASE.replace("Default: prod", "Default: dev");
    let out = evaluate_clean(&text);
    let db = |key: &str| prop(&out, "Database", &[key]);
    assert_eq!(string(db("DBInstanceClass")), "db.t4g.micro");
    assert_eq!(db("MultiAZ").as_bool(), Some(false));
    assert!(resource(&out, "Database").get("StorageEncrypted").is_none());
    assert!(!out.resources.iter().any(|r| r.address == "ReadReplica"));
}

#[test]
fn without_a_default_no_branch_is_picked() {
    let text = DATABASE.replace("    Default: prod\n", "");
    let out = evaluate_clean(&text);
    let encrypted = prop(&out, "Database", &["StorageEncrypted"]);
    assert_eq!(
        reason(encrypted),
        "condition `IsProd` cannot be known: parameter `Environment` has no default"
    );
    assert_eq!(line(encrypted), line_of(&text, "StorageEncrypted"));
    // The replica may be created, so it is checked.
    assert_eq!(
        resource(&out, "ReadReplica").resource_type,
        "AWS::RDS::DBInstance"
    );
}

const WEB_ACL_JSON: &str = r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Parameters": {
    "Tier": {"Type": "String", "Default": "critical"},
    "AllowedCountries": {"Type": "CommaDelimitedList", "Default": "DE, FR,NL"}
  },
  "Mappings": {
    "TierLimits": {
      "critical": {"RateLimit": 100, "Action": "Block"},
      "standard": {"RateLimit": 2000, "Action": "Count"}
    }
  },
  "Resources": {
    "WebAcl": {
      "Type": "AWS::WAFv2::WebACL",
      "Properties": {
        "Name": {"Fn::Sub": "${AWS::StackName}-${Tier}-acl"},
        "Scope": "REGIONAL",
        "DefaultAction": {"Allow": {}},
        "VisibilityConfig": {
          "SampledRequestsEnabled": true,
          "CloudWatchMetricsEnabled": true,
          "MetricName": {"Fn::Join": ["-", [{"Ref": "Tier"}, "acl"]]}
        },
        "Rules": [
          {
            "Name": "rate-limit",
            "Priority": 0,
            "Action": {"Block": {}},
            "Statement": {
              "RateBasedStatement": {
                "Limit": {"Fn::FindInMap": ["TierLimits", {"Ref": "Tier"}, "RateLimit"]},
                "AggregateKeyType": "IP"
              }
            },
            "VisibilityConfig": {"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "rate"}
          },
          {
            "Name": "geo",
            "Priority": 1,
            "Action": {"Block": {}},
            "Statement": {
              "NotStatement": {
                "Statement": {"GeoMatchStatement": {"CountryCodes": {"Ref": "AllowedCountries"}}}
              }
            },
            "VisibilityConfig": {"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": "geo"}
          }
        ]
      }
    },
    "WebAclAssociation": {
      "Type": "AWS::WAFv2::WebACLAssociation",
      "Properties": {
        "ResourceArn": {"Ref": "LoadBalancer"},
        "WebACLArn": {"Fn::GetAtt": ["WebAcl", "Arn"]}
      }
    },
    "LoadBalancer": {
      "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
      "Properties": {"Scheme": "internet-facing"}
    }
  }
}
"#;

#[test]
fn a_waf_web_acl_in_json() {
    let out = evaluate_clean(WEB_ACL_JSON);
    let rule = |i: &str, path: &[&str]| {
        let mut full = vec!["Rules", i];
        full.extend_from_slice(path);
        prop(&out, "WebAcl", &full).clone()
    };
    let limit = rule("0", &["Statement", "RateBasedStatement", "Limit"]);
    assert_eq!(limit.value, Value::Number(100.0));
    // From the mapping: that is where the limit is changed.
    assert_eq!(
        line(&limit),
        line_of(WEB_ACL_JSON, "\"critical\": {\"RateLimit\": 100")
    );

    let countries = rule(
        "1",
        &[
            "Statement",
            "NotStatement",
            "Statement",
            "GeoMatchStatement",
            "CountryCodes",
        ],
    );
    assert_eq!(strings(&countries), ["DE", "FR", "NL"]);
    assert_eq!(
        line(&countries.items()[1]),
        line_of(WEB_ACL_JSON, "\"DE, FR,NL\"")
    );

    assert_eq!(
        string(prop(&out, "WebAcl", &["VisibilityConfig", "MetricName"])),
        "critical-acl"
    );
    assert_eq!(
        reason(prop(&out, "WebAcl", &["Name"])),
        "pseudo parameter `AWS::StackName` is known at deployment"
    );
    assert_eq!(
        prop(&out, "WebAclAssociation", &["WebACLArn"]).value,
        reference("WebAcl", "Arn")
    );
    assert_eq!(
        prop(&out, "WebAclAssociation", &["ResourceArn"]).value,
        reference("LoadBalancer", "")
    );
    assert_eq!(
        prop(&out, "WebAcl", &["DefaultAction", "Allow"]).value,
        Value::Map(Box::default())
    );
}

#[test]
fn templates_are_recognised() {
    let is = |text: &str| {
        let parsed = parse_stream(text, PATH, &Limits::default());
        is_cloudformation(&parsed.documents[0].root)
    };
    assert!(is(NETWORK));
    assert!(is(WEB_ACL_JSON));
    assert!(is("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"));
    assert!(is(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
    ));
    assert!(is("Resources:\n  Thing:\n    Type: Custom::Thing\n"));
    assert!(!is("apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n"));
    assert!(!is(
        "apiVersion: v1\nkind: List\nResources:\n  X:\n    Type: AWS::SNS::Topic\n"
    ));
    assert!(!is("Resources:\n  cpu: 2\n  memory: 4Gi\n"));
    assert!(!is("- AWSTemplateFormatVersion\n"));
    assert!(!is("plain text\n"));
}

#[test]
fn properties_may_be_missing_or_empty() {
    let out = evaluate_clean(
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n",
    );
    assert_eq!(
        resource(&out, "Topic").attributes.value,
        Value::Map(Box::default())
    );
    assert!(resource(&out, "Topic").attributes.origin.is_none());
    assert_eq!(
        resource(&out, "Queue").attributes.value,
        Value::Map(Box::default())
    );
}

#[test]
fn list_and_ssm_parameters() {
    let text = r#"Parameters:
  Subnets:
    Type: List<AWS::EC2::Subnet::Id>
    Default: subnet-a,subnet-b
  LatestAmi:
    Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
    Default: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
  Port:
    Type: Number
    Default: 8443
Resources:
  Instance:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: !Ref LatestAmi
      SubnetId: !Select [1, !Ref Subnets]
      UserData: !Base64 {"Fn::Sub": "port=${Port}"}
"#;
    let out = evaluate_clean(text);
    let ami = prop(&out, "Instance", &["ImageId"]);
    assert!(
        reason(ami).contains("Systems Manager parameter `/aws/service/ami-amazon-linux-latest/")
    );
    assert_eq!(line(ami), line_of(text, "ImageId"));
    let subnet = prop(&out, "Instance", &["SubnetId"]);
    assert_eq!(string(subnet), "subnet-b");
    assert_eq!(line(subnet), line_of(text, "Default: subnet-a"));
    assert_eq!(
        string(prop(&out, "Instance", &["UserData"])),
        "cG9ydD04NDQz" // base64("port=8443")
    );
    // The parameter's declaration keeps the default as written.
    assert_eq!(
        string(parameter(&out, "Subnets").get("Default").unwrap()),
        "subnet-a,subnet-b"
    );
}

#[test]
fn for_each_loops_are_expanded() {
    let text = r#"Transform: AWS::LanguageExtensions
Parameters:
  Queues:
    Type: CommaDelimitedList
    Default: orders,payment-events
Resources:
  Fn::ForEach::Queues:
    - QueueName
    - !Ref Queues
    - Queue&{QueueName}:
        Type: AWS::SQS::Queue
        Properties:
          QueueName: !Sub "agent-${QueueName}"
          SqsManagedSseEnabled: true
          Tags:
            - Key: name
              Value: !Ref QueueName
  Policy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queueorders, !Ref Queuepaymentevents]
"#;
    let out = evaluate_clean(text);
    let ids: Vec<&str> = out
        .resources
        .iter()
        .filter(|r| r.kind == BlockKind::Resource)
        .map(|r| r.address.as_str())
        .collect();
    assert_eq!(ids, ["Queueorders", "Queuepaymentevents", "Policy"]);
    assert_eq!(
        string(prop(&out, "Queuepaymentevents", &["QueueName"])),
        "agent-payment-events"
    );
    let tag = prop(&out, "Queueorders", &["Tags", "0", "Value"]);
    assert_eq!(string(tag), "orders");
    assert_eq!(
        resource(&out, "Queueorders").span.start.line,
        line_of(text, "Queue&{QueueName}")
    );
    assert_eq!(
        prop(&out, "Policy", &["Queues", "1"]).value,
        reference("Queuepaymentevents", "")
    );
}

#[test]
fn a_loop_over_an_unknown_collection_is_reported() {
    let text = r#"Transform: AWS::LanguageExtensions
Parameters:
  Names:
    Type: CommaDelimitedList
Resources:
  Fn::ForEach::Topics:
    - Name
    - !Ref Names
    - Topic${Name}:
        Type: AWS::SNS::Topic
  Other:
    Type: AWS::SNS::Topic
"#;
    let out = evaluate(text);
    assert_eq!(codes(&out), ["cfn-transform"]);
    let diagnostic = &out.diagnostics[0];
    assert_eq!(diagnostic.line, Some(line_of(text, "Fn::ForEach::Topics")));
    assert!(
        diagnostic
            .message
            .contains("parameter `Names` has no default")
    );
    assert_eq!(resource(&out, "Other").resource_type, "AWS::SNS::Topic");
}

#[test]
fn a_loop_inside_properties_makes_unknown_entries_unknown() {
    let text = with_properties(
        "Transform: AWS::LanguageExtensions\nParameters:\n  Keys:\n    Type: CommaDelimitedList\n",
        "Fn::ForEach::Keys:\n  - K\n  - !Ref Keys\n  - ${K}Name: x\n",
    );
    let out = evaluate(&text);
    assert!(
        reason(&resource(&out, "Subject").attributes).contains("parameter `Keys` has no default")
    );

    let text = with_properties(
        "Transform: AWS::LanguageExtensions\n",
        "BucketName: b\nFn::ForEach::Keys:\n  - K\n  - [A, B]\n  - ${K}Setting: !Sub '${K}-value'\n",
    );
    let out = evaluate_clean(&text);
    assert_eq!(string(prop(&out, "Subject", &["ASetting"])), "A-value");
    assert_eq!(string(prop(&out, "Subject", &["BSetting"])), "B-value");
    assert_eq!(string(prop(&out, "Subject", &["BucketName"])), "b");
}

#[test]
fn an_unknown_macro_is_reported_but_resources_are_still_checked() {
    let out = evaluate(
        "Transform: [AWS::Serverless-2016-10-31, MyCompany::Expand]\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Connectors: {}\n    Properties:\n      Runtime: python3.12\n",
    );
    assert_eq!(codes(&out), ["cfn-transform"]);
    assert_eq!(out.diagnostics[0].line, Some(1));
    assert_eq!(string(prop(&out, "Fn", &["Runtime"])), "python3.12");
}

#[test]
fn an_include_transform_makes_the_map_unknown() {
    let text = with_properties(
        "",
        "BucketName: logs\nFn::Transform:\n  Name: AWS::Include\n  Parameters:\n    Location: s3://bucket/snippet.yaml\n",
    );
    let out = evaluate_clean(&text);
    assert!(reason(&resource(&out, "Subject").attributes).contains("macro `AWS::Include`"));
    assert_eq!(out.unknowns.len(), 1);
    assert_eq!(out.unknowns[0].address, "Subject");
}

#[test]
fn yaml_booleans_and_nulls() {
    let text = with_properties(
        "",
        "A: yes\nB: \"yes\"\nC: ~\nD: False\nE: 0123\nF: -2.5\nG: |\n  text\n",
    );
    let out = evaluate_clean(&text);
    let p = |k: &str| prop(&out, "Subject", &[k]).value.clone();
    assert_eq!(p("A"), Value::Bool(true));
    assert_eq!(p("B"), Value::String("yes".into()));
    assert_eq!(p("C"), Value::Null);
    assert_eq!(p("D"), Value::Bool(false));
    assert_eq!(p("E"), Value::String("0123".into()));
    assert_eq!(p("F"), Value::Number(-2.5));
    assert_eq!(p("G"), Value::String("text\n".into()));
}

#[test]
fn unknown_addresses_quote_awkward_keys() {
    let text = with_properties(
        "",
        "Policy:\n  Condition:\n    StringEquals:\n      aws:SourceVpc: !Ref AWS::Region\n  \"s3.amazonaws.com\": [!GetAZs '']\n",
    );
    let out = evaluate_clean(&text);
    let addresses: Vec<&str> = out.unknowns.iter().map(|u| u.address.as_str()).collect();
    assert_eq!(
        addresses,
        [
            "Subject.Policy.Condition.StringEquals.aws:SourceVpc",
            "Subject.Policy[\"s3.amazonaws.com\"][0]",
        ]
    );
}
