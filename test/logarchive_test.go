package test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/logbucket"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/stacks"
)

const (
	org        = "o-exampleorg1"
	archive    = "222222222222"
	home       = "ap-northeast-1"
	bucketName = "session-audit-logs-222222222222-ap-northeast-1"
	bucketArn  = "arn:aws:s3:::" + bucketName
)

func logArchiveTemplate() map[string]any { return defaultApp.templates[stacks.LogArchiveStackName] }

func TestLogArchiveStackEnvironment(t *testing.T) {
	s := defaultApp.stacks.LogArchive
	if got := *s.Stack.Account() + "/" + *s.Stack.Region(); got != archive+"/"+home {
		t.Errorf("env = %s, want %s/%s", got, archive, home)
	}
	if !*s.Stack.TerminationProtection() {
		t.Error("termination protection is off")
	}
	outputs := logArchiveTemplate()["Outputs"].(map[string]any)
	want := map[string]string{
		"CentralBucketName": `{"Ref":"CentralLogBucket50E0C32C"}`,
		"CentralBucketArn":  `{"Fn::GetAtt":["CentralLogBucket50E0C32C","Arn"]}`,
		"LogKeyArn":         `{"Fn::GetAtt":["LogKey15608DC4","Arn"]}`,
		"LogKeyId":          `{"Ref":"LogKey15608DC4"}`,
	}
	for name, value := range want {
		o, ok := outputs[name].(map[string]any)
		if !ok {
			t.Errorf("output %s missing", name)
			continue
		}
		if got := jsonString(o["Value"]); got != value {
			t.Errorf("output %s = %s, want %s", name, got, value)
		}
	}
}

func TestLogKeyProperties(t *testing.T) {
	tmpl := defaultApp.template(defaultApp.stacks.LogArchive.Stack)
	check(t, "key is multi-Region, rotated, tagged and retained", func() {
		tmpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]any{
			"DeletionPolicy":      "RetainExceptOnCreate",
			"UpdateReplacePolicy": "Retain",
			"Properties": assertions.Match_ObjectLike(&map[string]any{
				"MultiRegion":       true,
				"EnableKeyRotation": true,
				"Enabled":           assertions.Match_Absent(),
				"Tags": assertions.Match_ArrayWith(&[]any{
					map[string]any{"Key": logkey.JustInTimeTagKey, "Value": "true"},
				}),
			}),
		})
	})
	check(t, "alias", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::KMS::Alias"), map[string]any{
			"AliasName":   logkey.DefaultAliasName,
			"TargetKeyId": map[string]any{"Fn::GetAtt": []any{"LogKey15608DC4", "Arn"}},
		})
	})
}

func TestLogKeyPolicy(t *testing.T) {
	key := resources(logArchiveTemplate(), "AWS::KMS::Key")["LogKey15608DC4"]
	doc := props(key)["KeyPolicy"]
	if n := len(statements(doc)); n != 10 {
		t.Errorf("key policy has %d statements, want 10 (a new statement needs a test)", n)
	}
	equalJSON(t, "administration", statement(t, doc, logkey.SidAdministration), map[string]any{
		"Sid": logkey.SidAdministration, "Effect": "Allow", "Action": "kms:*", "Resource": "*",
		"Principal": map[string]any{"AWS": "arn:aws:iam::" + archive + ":root"},
	})
	equalJSON(t, "CloudWatch Logs", statement(t, doc, logkey.SidCloudWatchLogs), map[string]any{
		"Sid": logkey.SidCloudWatchLogs, "Effect": "Allow", "Resource": "*",
		"Principal": map[string]any{"Service": "logs." + home + ".amazonaws.com"},
		"Action":    []string{"kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"},
		"Condition": map[string]any{
			"StringEqualsIfExists": map[string]any{"aws:SourceOrgID": org},
			"ArnLike":              map[string]any{"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:" + home + ":*:log-group:*"},
		},
	})
	equalJSON(t, "agents write their own account's log group through CloudWatch Logs", statement(t, doc, logkey.SidWritersThroughLogs), map[string]any{
		"Sid": logkey.SidWritersThroughLogs, "Effect": "Allow", "Resource": "*",
		"Principal": map[string]any{"AWS": "*"},
		"Action":    []string{"kms:Decrypt", "kms:GenerateDataKey"},
		"Condition": map[string]any{
			"StringEquals": map[string]any{"aws:PrincipalOrgID": org, "kms:ViaService": "logs." + home + ".amazonaws.com"},
			"StringLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:" + home +
				":${aws:PrincipalAccount}:log-group:session-manager-log-${aws:PrincipalAccount}"},
		},
	})
	equalJSON(t, "RDP recording", statement(t, doc, logkey.SidGuiConnect), map[string]any{
		"Sid": logkey.SidGuiConnect, "Effect": "Allow", "Resource": "*",
		"Principal": map[string]any{"Service": "ssm-guiconnect.amazonaws.com"},
		"Action":    []string{"kms:CreateGrant", "kms:GenerateDataKey*"},
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceOrgID": org}},
	})
	equalJSON(t, "organization through S3 (multipart uploads need decrypt)", statement(t, doc, logkey.SidOrganizationS3), map[string]any{
		"Sid": logkey.SidOrganizationS3, "Effect": "Allow", "Resource": "*",
		"Principal": map[string]any{"AWS": "*"},
		"Action":    []string{"kms:Decrypt", "kms:GenerateDataKey"},
		"Condition": map[string]any{"StringEquals": map[string]any{
			"aws:PrincipalOrgID":               org,
			"kms:ViaService":                   "s3." + home + ".amazonaws.com",
			"kms:EncryptionContext:aws:s3:arn": bucketArn,
		}},
	})
	equalJSON(t, "organization may describe the key (alias lookup)", statement(t, doc, logkey.SidOrganizationDescribe), map[string]any{
		"Sid": logkey.SidOrganizationDescribe, "Effect": "Allow", "Resource": "*",
		"Principal": map[string]any{"AWS": "*"},
		"Action":    "kms:DescribeKey",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": org}},
	})
	equalJSON(t, "organization grants through GUI Connect (RDP recording)", statement(t, doc, logkey.SidOrganizationGrant), map[string]any{
		"Sid": logkey.SidOrganizationGrant, "Effect": "Allow", "Resource": "*",
		"Principal": map[string]any{"AWS": "*"},
		"Action":    "kms:CreateGrant",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": org, "kms:ViaService": "ssm-guiconnect." + home + ".amazonaws.com"}},
	})
	equalJSON(t, "organization grants for AWS resources (setting recording preferences)", statement(t, doc, logkey.SidOrganizationGrantAWS), map[string]any{
		"Sid": logkey.SidOrganizationGrantAWS, "Effect": "Allow", "Resource": "*",
		"Principal": map[string]any{"AWS": "*"},
		"Action":    "kms:CreateGrant",
		"Condition": map[string]any{
			"StringEquals": map[string]any{"aws:PrincipalOrgID": org},
			"Bool":         map[string]any{"kms:GrantIsForAWSResource": "true"},
		},
	})
	equalJSON(t, "deny decrypt outside, except through S3, CloudWatch Logs and GUI Connect", statement(t, doc, logkey.SidDenyOutsideDecryption), map[string]any{
		"Sid": logkey.SidDenyOutsideDecryption, "Effect": "Deny", "Resource": "*",
		"Principal": map[string]any{"AWS": "*"},
		"Action":    []string{"kms:Decrypt", "kms:ReEncryptFrom"},
		"Condition": map[string]any{
			"StringNotEquals": map[string]any{"aws:PrincipalAccount": archive, "kms:ViaService": []string{"s3." + home + ".amazonaws.com", "logs." + home + ".amazonaws.com", "ssm-guiconnect." + home + ".amazonaws.com"}},
			"BoolIfExists":    map[string]any{"aws:PrincipalIsAWSService": "false"},
		},
	})
	equalJSON(t, "deny decrypt outside for any other bucket", statement(t, doc, logkey.SidDenyOtherContexts), map[string]any{
		"Sid": logkey.SidDenyOtherContexts, "Effect": "Deny", "Resource": "*",
		"Principal": map[string]any{"AWS": "*"},
		"Action":    []string{"kms:Decrypt", "kms:ReEncryptFrom"},
		"Condition": map[string]any{
			"StringNotEquals": map[string]any{"aws:PrincipalAccount": archive, "kms:EncryptionContext:aws:s3:arn": bucketArn,
				"kms:ViaService": []string{"logs." + home + ".amazonaws.com", "ssm-guiconnect." + home + ".amazonaws.com"}},
			"BoolIfExists": map[string]any{"aws:PrincipalIsAWSService": "false"},
		},
	})
	// No statement may allow a principal outside the account to decrypt, or allow anything
	// without an organization or source condition.
	for _, s := range statements(doc) {
		if s["Effect"] != "Allow" || s["Sid"] == logkey.SidAdministration {
			continue
		}
		cond := jsonString(s["Condition"])
		if !strings.Contains(cond, "aws:SourceOrgID") && !strings.Contains(cond, "aws:PrincipalOrgID") {
			t.Errorf("statement %s is not scoped to the organization: %s", s["Sid"], cond)
		}
		principal := jsonString(s["Principal"])
		for _, a := range asStrings(s["Action"]) {
			if strings.HasPrefix(a, "kms:Decrypt") && !strings.Contains(principal, "logs.") && !strings.Contains(cond, `"kms:ViaService":"s3.`) &&
				!strings.Contains(cond, `"kms:ViaService":"logs.`+home+`.amazonaws.com"`) {
				t.Errorf("statement %s lets %s decrypt", s["Sid"], principal)
			}
		}
	}
}

func TestCentralBucketProperties(t *testing.T) {
	tmpl := defaultApp.template(defaultApp.stacks.LogArchive.Stack)
	check(t, "central bucket", func() {
		tmpl.HasResource(jsii.String("AWS::S3::Bucket"), map[string]any{
			"DeletionPolicy":      "RetainExceptOnCreate",
			"UpdateReplacePolicy": "Retain",
			"Properties": assertions.Match_ObjectLike(&map[string]any{
				"BucketName":              bucketName,
				"VersioningConfiguration": map[string]any{"Status": "Enabled"},
				"ObjectLockEnabled":       true,
				"ObjectLockConfiguration": map[string]any{
					"ObjectLockEnabled": "Enabled",
					"Rule":              map[string]any{"DefaultRetention": map[string]any{"Mode": "GOVERNANCE", "Days": 2557}},
				},
				"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
					"BucketKeyEnabled":       true,
					"BlockedEncryptionTypes": map[string]any{"EncryptionType": []any{"SSE-C"}},
					"ServerSideEncryptionByDefault": map[string]any{
						"SSEAlgorithm":   "aws:kms",
						"KMSMasterKeyID": map[string]any{"Fn::GetAtt": []any{"LogKey15608DC4", "Arn"}},
					},
				}}},
				"PublicAccessBlockConfiguration": map[string]any{
					"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
				},
				"OwnershipControls": map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
				"LoggingConfiguration": map[string]any{
					"DestinationBucketName": map[string]any{"Ref": "CentralLogBucketAccessLogsFE974EB8"},
					"LogFilePrefix":         "central/",
				},
				"LifecycleConfiguration": map[string]any{"Rules": []any{
					map[string]any{
						"Id": "Expire", "Status": "Enabled",
						"ExpirationInDays":               2557,
						"NoncurrentVersionExpiration":    map[string]any{"NoncurrentDays": 1},
						"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 7},
					},
					// Objects above the break-even size go to Glacier Instant Retrieval (Athena reads it).
					map[string]any{
						"Id": "Archive", "Status": "Enabled",
						"ObjectSizeGreaterThan":        "40960",
						"Transitions":                  []any{map[string]any{"StorageClass": "GLACIER_IR", "TransitionInDays": 90}},
						"NoncurrentVersionTransitions": assertions.Match_Absent(),
					},
					map[string]any{"Id": "RemoveExpiredDeleteMarkers", "Status": "Enabled", "ExpiredObjectDeleteMarker": true},
				}},
			}),
		})
	})
	check(t, "access-log bucket", func() {
		tmpl.HasResource(jsii.String("AWS::S3::Bucket"), map[string]any{
			"DeletionPolicy": "RetainExceptOnCreate",
			"Properties": assertions.Match_ObjectLike(&map[string]any{
				"BucketName":              "session-audit-access-logs-222222222222-ap-northeast-1",
				"VersioningConfiguration": map[string]any{"Status": "Enabled"},
				"ObjectLockEnabled":       assertions.Match_Absent(),
				"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
					"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"},
				}}},
				"PublicAccessBlockConfiguration": map[string]any{
					"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
				},
				"OwnershipControls": map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
			}),
		})
	})
}

// centralBucketPolicy returns the policy document of the central bucket (not the access-log bucket).
func centralBucketPolicy(t *testing.T, tmpl map[string]any) any {
	t.Helper()
	for _, p := range resources(tmpl, "AWS::S3::BucketPolicy") {
		if jsonString(props(p)["Bucket"]) == `{"Ref":"CentralLogBucket50E0C32C"}` {
			return props(p)["PolicyDocument"]
		}
	}
	t.Fatal("no policy on the central bucket")
	return nil
}

func TestCentralBucketPolicy(t *testing.T) {
	doc := centralBucketPolicy(t, logArchiveTemplate())
	bucket := map[string]any{"Fn::GetAtt": []any{"CentralLogBucket50E0C32C", "Arn"}}
	objects := func(suffix string) map[string]any {
		return map[string]any{"Fn::Join": []any{"", []any{bucket, suffix}}}
	}
	both := []any{bucket, objects("/*")}
	anyone := map[string]any{"AWS": "*"}

	var tls []map[string]any
	for _, s := range statements(doc) {
		if strings.Contains(jsonString(s["Condition"]), "aws:SecureTransport") || strings.Contains(jsonString(s["Condition"]), "s3:TlsVersion") {
			tls = append(tls, s)
		}
	}
	if len(tls) != 2 {
		t.Fatalf("want a TLS-only deny and a minimum TLS version deny, got %v", tls)
	}
	equalJSON(t, "TLS-only", tls[0], map[string]any{
		"Effect": "Deny", "Principal": anyone, "Action": "s3:*", "Resource": both,
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
	})
	equalJSON(t, "deny outside organization", statement(t, doc, logbucket.SidDenyOutsideOrganization), map[string]any{
		"Sid": logbucket.SidDenyOutsideOrganization, "Effect": "Deny", "Principal": anyone, "Action": "s3:*", "Resource": both,
		"Condition": map[string]any{
			"StringNotEqualsIfExists": map[string]any{"aws:PrincipalOrgID": org},
			"BoolIfExists":            map[string]any{"aws:PrincipalIsAWSService": "false"},
		},
	})
	equalJSON(t, "deny foreign keys", statement(t, doc, logbucket.SidDenyForeignKeys), map[string]any{
		"Sid": logbucket.SidDenyForeignKeys, "Effect": "Deny", "Principal": anyone, "Action": "s3:PutObject", "Resource": objects("/*"),
		"Condition": map[string]any{
			"Null":            map[string]any{"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"},
			"StringNotEquals": map[string]any{"s3:x-amz-server-side-encryption-aws-kms-key-id": map[string]any{"Fn::GetAtt": []any{"LogKey15608DC4", "Arn"}}},
		},
	})
	readDelete := statement(t, doc, logbucket.SidDenyReadDeleteByOthers)
	equalJSON(t, "deny read/delete condition", readDelete["Condition"], map[string]any{
		"StringNotEquals": map[string]any{"aws:PrincipalAccount": archive},
	})
	for _, a := range []string{"s3:GetObject", "s3:ListBucket", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"} {
		if !contains(asStrings(readDelete["Action"]), a) || readDelete["Effect"] != "Deny" {
			t.Errorf("%s does not deny %s", logbucket.SidDenyReadDeleteByOthers, a)
		}
	}
	equalJSON(t, "members write their own prefix and abort their own uploads", statement(t, doc, logbucket.SidMemberWriteOwnPrefix), map[string]any{
		"Sid": logbucket.SidMemberWriteOwnPrefix, "Effect": "Allow", "Principal": anyone, "Action": []string{"s3:AbortMultipartUpload", "s3:PutObject"},
		"Resource":  objects("/session-manager/${aws:PrincipalAccount}/*"),
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": org}},
	})
	equalJSON(t, "members send bucket-owner-full-control only", statement(t, doc, logbucket.SidMemberAclOwnPrefix), map[string]any{
		"Sid": logbucket.SidMemberAclOwnPrefix, "Effect": "Allow", "Principal": anyone, "Action": "s3:PutObjectAcl",
		"Resource":  objects("/session-manager/${aws:PrincipalAccount}/*"),
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": org, "s3:x-amz-acl": "bucket-owner-full-control"}},
	})
	equalJSON(t, "members read bucket configuration", statement(t, doc, logbucket.SidMemberReadBucketConfig), map[string]any{
		"Sid": logbucket.SidMemberReadBucketConfig, "Effect": "Allow", "Principal": anyone,
		"Action": "s3:GetEncryptionConfiguration", "Resource": bucket,
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": org}},
	})
	equalJSON(t, "RDP recording", statement(t, doc, logbucket.SidGuiConnectWrite), map[string]any{
		"Sid": logbucket.SidGuiConnectWrite, "Effect": "Allow", "Principal": map[string]any{"Service": "ssm-guiconnect.amazonaws.com"},
		"Action": "s3:PutObject", "Resource": objects("/*"),
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceOrgID": org}},
	})
	// Every Allow is scoped to the organization; none lets anyone read, list or delete.
	for _, s := range statements(doc) {
		if s["Effect"] != "Allow" {
			continue
		}
		if c := jsonString(s["Condition"]); !strings.Contains(c, org) {
			t.Errorf("Allow statement %v is not scoped to the organization", s["Sid"])
		}
		for _, a := range asStrings(s["Action"]) {
			if strings.HasPrefix(a, "s3:Get") && a != "s3:GetEncryptionConfiguration" ||
				strings.HasPrefix(a, "s3:List") || strings.HasPrefix(a, "s3:Delete") || a == "s3:*" {
				t.Errorf("Allow statement %v grants %s", s["Sid"], a)
			}
		}
	}
}

func TestObjectLockModes(t *testing.T) {
	tests := []struct {
		mode     string
		days     int
		wantLock string // "" = Object Lock off
		wantTier bool
	}{
		{"COMPLIANCE", 3653, "COMPLIANCE", true},
		{"NONE", 30, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			cfg := mustConfigWith(t, func(c map[string]any) {
				c["retention"].(map[string]any)["objectLockMode"] = tt.mode
				c["retention"].(map[string]any)["archiveDays"] = tt.days
				c["retention"].(map[string]any)["cloudWatchDays"] = min(tt.days, 365)
			})
			s := synth(cfg)
			var central map[string]any
			for _, b := range resources(s.templates[stacks.LogArchiveStackName], "AWS::S3::Bucket") {
				if props(b)["BucketName"] == bucketName {
					central = props(b)
				}
			}
			if tt.wantLock == "" {
				if central["ObjectLockEnabled"] != nil || central["ObjectLockConfiguration"] != nil {
					t.Errorf("mode NONE must leave Object Lock off, got %v / %v", central["ObjectLockEnabled"], central["ObjectLockConfiguration"])
				}
			} else {
				equalJSON(t, "lock", central["ObjectLockConfiguration"], map[string]any{
					"ObjectLockEnabled": "Enabled",
					"Rule":              map[string]any{"DefaultRetention": map[string]any{"Mode": tt.wantLock, "Days": tt.days}},
				})
			}
			rules := central["LifecycleConfiguration"].(map[string]any)["Rules"].([]any)
			if rule := rules[0].(map[string]any); rule["ExpirationInDays"] != float64(tt.days) {
				t.Errorf("expiry = %v, want %d", rule["ExpirationInDays"], tt.days)
			}
			if has := rules[1].(map[string]any)["Id"] == "Archive"; has != tt.wantTier {
				t.Errorf("archive rule present = %v, want %v (archiveDays %d)", has, tt.wantTier, tt.days)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
