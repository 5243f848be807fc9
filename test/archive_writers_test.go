package test

import (
	"strings"
	"testing"
)

// The central bucket's policy lets principals of other accounts write objects only under
// session-manager/<their own account>/: the forwarded-output (cloudwatch/) and ledger (ledger/)
// prefixes the Athena tables read are written by the log-archive account's own Firehose streams
// alone (docs/search.md, "Who can write what the tables read"). Every Allow statement whose
// principal is an AWS account or role ("AWS") and whose actions cover an object write names that
// prefix as its only resource. A service principal's statement is listed in serviceWriters.
func TestMembersWriteOnlyTheirTranscriptPrefix(t *testing.T) {
	doc := centralBucketPolicy(t, logArchiveTemplate())
	own := jsonString(map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::GetAtt": []any{"CentralLogBucket50E0C32C", "Arn"}}, "/session-manager/${aws:PrincipalAccount}/*"}}})
	writes := []string{"s3:PutObject", "s3:PutObjectAcl", "s3:AbortMultipartUpload", "s3:RestoreObject", "s3:ReplicateObject", "s3:PutObjectTagging"}
	// serviceWriters are the service principals the policy lets write, and why.
	serviceWriters := map[string]string{
		"ssm-guiconnect.amazonaws.com": "Fleet Manager's RDP recordings, conditioned on aws:SourceOrgID; the key it writes is not documented (docs/proofs.md)",
	}
	checked := 0
	for _, s := range statements(doc) {
		if s["Effect"] != "Allow" {
			continue
		}
		var covered []string
		for _, a := range asStrings(s["Action"]) {
			for _, w := range writes {
				if a == w || strings.HasSuffix(a, "*") && strings.HasPrefix(w, strings.TrimSuffix(a, "*")) {
					covered = append(covered, w)
				}
			}
		}
		if len(covered) == 0 {
			continue
		}
		p, _ := s["Principal"].(map[string]any)
		if p == nil {
			t.Errorf("statement %v allows %v to a principal that is no AWS or Service principal: %s", s["Sid"], covered, jsonString(s["Principal"]))
			continue
		}
		for _, svc := range asStrings(p["Service"]) {
			if serviceWriters[svc] == "" {
				t.Errorf("statement %v lets service %s write %v: not a known writer", s["Sid"], svc, covered)
			}
		}
		if p["AWS"] == nil {
			continue
		}
		checked++
		resources, _ := s["Resource"].([]any)
		if resources == nil {
			resources = []any{s["Resource"]}
		}
		for _, r := range resources {
			if jsonString(r) != own {
				t.Errorf("statement %v lets %s write %v to %s, outside session-manager/${aws:PrincipalAccount}/", s["Sid"], jsonString(p["AWS"]), covered, jsonString(r))
			}
		}
	}
	if checked == 0 {
		t.Errorf("no statement lets members write: the SSM agent could not upload transcripts")
	}
}
