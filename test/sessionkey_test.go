package test

import (
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/constructs/sessionkey"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// sessionKeyPolicy is the whole key policy of the session key, primary and replicas alike.
func sessionKeyPolicy() map[string]any {
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{
				"Sid": sessionkey.SidAdministration, "Effect": "Allow", "Action": "kms:*", "Resource": "*",
				"Principal": map[string]any{"AWS": "arn:aws:iam::" + archive + ":root"},
			},
			map[string]any{
				"Sid": sessionkey.SidSessionEncryption, "Effect": "Allow", "Principal": map[string]any{"AWS": "*"},
				"Action": []any{"kms:Decrypt", "kms:GenerateDataKey"}, "Resource": "*",
				"Condition": map[string]any{
					"StringEquals": map[string]any{"aws:PrincipalOrgID": "o-exampleorg1"},
					"Null": map[string]any{
						"kms:EncryptionContext:aws:ssm:SessionId": "false",
						"kms:EncryptionContext:aws:ssm:TargetId":  "false",
					},
					"ForAllValues:StringEquals": map[string]any{
						"kms:EncryptionContextKeys": []any{"aws:ssm:SessionId", "aws:ssm:TargetId", "aws:ssm:RandomChallenge"},
					},
				},
			},
			map[string]any{
				"Sid": sessionkey.SidOrganizationDescribe, "Effect": "Allow", "Principal": map[string]any{"AWS": "*"},
				"Action": "kms:DescribeKey", "Resource": "*",
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": "o-exampleorg1"}},
			},
		},
	}
}

func TestSessionKeyPrimary(t *testing.T) {
	tmpl := defaultApp.templates[stacks.LogArchiveStackName]
	id := logicalID(t, tmpl, "AWS::KMS::Key", "SessionKey")
	key := resources(tmpl, "AWS::KMS::Key")[id]
	if key["DeletionPolicy"] != "RetainExceptOnCreate" || key["UpdateReplacePolicy"] != "Retain" {
		t.Error("session key is not retained")
	}
	p := props(key)
	if p["MultiRegion"] != true || p["EnableKeyRotation"] != true {
		t.Errorf("session key multi-Region %v, rotation %v", p["MultiRegion"], p["EnableKeyRotation"])
	}
	equalJSON(t, "session key policy", p["KeyPolicy"], sessionKeyPolicy())
	equalJSON(t, "tags", p["Tags"], []any{map[string]any{"Key": logkey.JustInTimeTagKey, "Value": "true"}})
	alias := resources(tmpl, "AWS::KMS::Alias")[logicalID(t, tmpl, "AWS::KMS::Alias", "SessionKeyAlias")]
	equalJSON(t, "alias", props(alias), map[string]any{"AliasName": sessionkey.DefaultAliasName, "TargetKeyId": map[string]any{"Fn::GetAtt": []any{id, "Arn"}}})
	outputs := tmpl["Outputs"].(map[string]any)
	equalJSON(t, "SessionKeyArn output", outputs["SessionKeyArn"].(map[string]any)["Value"], map[string]any{"Fn::GetAtt": []any{id, "Arn"}})
	equalJSON(t, "SessionKeyId output", outputs["SessionKeyId"].(map[string]any)["Value"], map[string]any{"Ref": id})
}

func TestSessionKeyReplica(t *testing.T) {
	tmpl := defaultApp.templates[stacks.ReceiverStackName("us-east-1")]
	lookupID := logicalID(t, tmpl, "Custom::KeyLookup", "PrimarySessionKey")
	lookup := resources(tmpl, "Custom::KeyLookup")[lookupID]
	if got := renderJoin(t, props(lookup)["AliasArn"]); got != "arn:aws:kms:"+home+":"+archive+":"+sessionkey.DefaultAliasName {
		t.Errorf("receiver looks up %s, want the primary session key's alias", got)
	}
	// The two lookups share the LogKey lookup's handler (one function per stack).
	logLookup := resources(tmpl, "Custom::KeyLookup")[logicalID(t, tmpl, "Custom::KeyLookup", "PrimaryLogKey")]
	equalJSON(t, "shared handler", props(lookup)["ServiceToken"], props(logLookup)["ServiceToken"])
	id := logicalID(t, tmpl, "AWS::KMS::ReplicaKey", "SessionKeyReplica")
	replica := resources(tmpl, "AWS::KMS::ReplicaKey")[id]
	if replica["DeletionPolicy"] != "RetainExceptOnCreate" {
		t.Error("session key replica is not retained")
	}
	p := props(replica)
	equalJSON(t, "primary", p["PrimaryKeyArn"], map[string]any{"Fn::GetAtt": []any{lookupID, "Arn"}})
	equalJSON(t, "replica policy", p["KeyPolicy"], sessionKeyPolicy())
	equalJSON(t, "tags", p["Tags"], []any{map[string]any{"Key": logkey.JustInTimeTagKey, "Value": "true"}})
	alias := resources(tmpl, "AWS::KMS::Alias")[logicalID(t, tmpl, "AWS::KMS::Alias", "SessionKeyReplica")]
	equalJSON(t, "alias", props(alias), map[string]any{"AliasName": sessionkey.DefaultAliasName, "TargetKeyId": map[string]any{"Fn::GetAtt": []any{id, "Arn"}}})
	if _, ok := resources(defaultApp.templates[stacks.ReceiverStackName(home)], "AWS::KMS::ReplicaKey")[id]; ok {
		t.Error("the home region holds the primary, not a replica")
	}
}

// TestSessionKeyOnlyWhenOrganization: the other modes create no central session key.
func TestSessionKeyOnlyWhenOrganization(t *testing.T) {
	for _, mode := range []string{"account", "none"} {
		a := synth(mustConfigWith(t, func(c map[string]any) { c["session"].(map[string]any)["encryptionKey"] = mode }))
		for _, name := range []string{stacks.LogArchiveStackName, stacks.ReceiverStackName("us-east-1")} {
			for id, r := range a.templates[name]["Resources"].(map[string]any) {
				if strings.HasPrefix(id, "SessionKey") || strings.HasPrefix(id, "PrimarySessionKey") {
					t.Errorf("%s: %s holds %s (%v)", mode, name, id, r.(map[string]any)["Type"])
				}
			}
		}
	}
}
