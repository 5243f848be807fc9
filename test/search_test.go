package test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// glueTables returns the synthesized Glue tables' TableInput by table name.
func glueTables(t *testing.T) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, r := range resources(logArchiveTemplate(), "AWS::Glue::Table") {
		in := props(r)["TableInput"].(map[string]any)
		out[in["Name"].(string)] = in
	}
	return out
}

// What the writers write and what the tables read come from archivelayout, and they agree: the
// Firehose prefix of every governed region, the processor's partition key, the agent's key
// prefix and the tables' projection templates describe one layout. A change on either side fails.
func TestSearchTablesReadWhatIsWritten(t *testing.T) {
	cfg, err := defaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	bucket := stacks.CentralBucketName(cfg)
	tables := glueTables(t)
	fw, tr := tables[archivesearch.ForwardedTable], tables[archivesearch.TranscriptTable]
	if fw == nil || tr == nil {
		t.Fatalf("tables %v", keys(tables))
	}
	params := func(in map[string]any) map[string]any { return in["Parameters"].(map[string]any) }
	// The Firehose prefix, with its expressions replaced by the projection's placeholders, is the
	// forwarded table's template (plus the account folder that the table reads below each day).
	template := params(fw)["storage.location.template"].(string)
	for _, region := range cfg.Regions {
		prefix := props(streamOf(t, region))["ExtendedS3DestinationConfiguration"].(map[string]any)["Prefix"].(string)
		asTemplate := strings.NewReplacer(region, "${region}", "!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}", "${day}").Replace(prefix)
		want := "s3://" + bucket + "/" + strings.TrimSuffix(asTemplate, "!{partitionKeyFromLambda:"+archivelayout.PartitionKeyAccount+"}/")
		if template != want {
			t.Errorf("forwarded table template %q does not read the stream's prefix %q (want %q)", template, prefix, want)
		}
	}
	if f := params(fw)["projection.day.format"]; f != "yyyy/MM/dd" || !strings.Contains(archivelayout.FirehosePrefix("r"), "!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/") {
		t.Errorf("day format %v does not match the stream's date folders", f)
	}
	if got := params(fw)["projection.region.values"]; got != strings.Join(cfg.Regions, ",") {
		t.Errorf("region values %v, want the governed regions", got)
	}
	// The processor returns the account under the key the prefix names.
	processor, _ := os.ReadFile("../constructs/logreceiver/processor.js")
	if !regexp.MustCompile(`partitionKeys: \{ ` + archivelayout.PartitionKeyAccount + `: env\.owner \}`).Match(processor) {
		t.Errorf("processor.js does not return the partition key %q", archivelayout.PartitionKeyAccount)
	}
	// The account folder the saved queries read is the one below the day.
	path := "s3://" + bucket + "/cloudwatch/us-east-1/2026/11/22/333333333333/session-audit-us-east-1-1-2026-11-22-10-15-30-abc.json.gz"
	if m := regexp.MustCompile(`/([0-9]{12})/[^/]+$`).FindStringSubmatch(path); m == nil || m[1] != "333333333333" {
		t.Errorf("AccountOfPath's pattern does not find the account in %s", path)
	}
	// Transcripts: the agent's key prefix is the table's template.
	if got, want := agentKeyPrefix(t, memberTemplate()), archivelayout.TranscriptKeyPrefix("{Ref:AWS::AccountId}", "{Ref:AWS::Region}"); got != want {
		t.Errorf("agent key prefix %q, want %q", got, want)
	}
	if got := params(tr)["storage.location.template"]; got != "s3://"+bucket+"/session-manager/${account}/${region}/" {
		t.Errorf("transcript template %v", got)
	}
}

// The workgroup's settings hold for every query: enforced, results encrypted with the log key in
// this account's bucket, a scan limit, the engine pinned.
func TestSearchWorkGroupIsEnforced(t *testing.T) {
	tmpl := logArchiveTemplate()
	_, wg := only(t, tmpl, "AWS::Athena::WorkGroup")
	results := logicalID(t, tmpl, "AWS::S3::Bucket", "ArchiveSearchResults")
	equalJSON(t, "workgroup configuration", props(wg)["WorkGroupConfiguration"], map[string]any{
		"EnforceWorkGroupConfiguration": true, "PublishCloudWatchMetricsEnabled": true,
		"BytesScannedCutoffPerQuery": 10737418240,
		"EngineVersion":              map[string]any{"SelectedEngineVersion": "Athena engine version 3"},
		"ResultConfiguration": map[string]any{
			"OutputLocation":          map[string]any{"Fn::Join": []any{"", []any{"s3://", map[string]any{"Ref": results}, "/"}}},
			"ExpectedBucketOwner":     archive,
			"EncryptionConfiguration": map[string]any{"EncryptionOption": "SSE_KMS", "KmsKey": map[string]any{"Fn::GetAtt": []any{"LogKey15608DC4", "Arn"}}},
		},
	})
	b := props(resources(tmpl, "AWS::S3::Bucket")[results])
	if !strings.Contains(jsonString(b["LifecycleConfiguration"]), `"ExpirationInDays":30`) || !strings.Contains(jsonString(b["BucketEncryption"]), "aws:kms") {
		t.Errorf("results bucket: %s %s", jsonString(b["LifecycleConfiguration"]), jsonString(b["BucketEncryption"]))
	}
	if resources(tmpl, "AWS::S3::Bucket")[results]["DeletionPolicy"] != "RetainExceptOnCreate" {
		t.Error("results bucket is not retained")
	}
	small := synth(mustConfigWith(t, func(c map[string]any) { c["search"] = map[string]any{"bytesScannedCutoffPerQuery": 20000000} }))
	_, wg = only(t, small.templates[stacks.LogArchiveStackName], "AWS::Athena::WorkGroup")
	equalJSON(t, "configured scan limit", props(wg)["WorkGroupConfiguration"].(map[string]any)["BytesScannedCutoffPerQuery"], 20000000)
}

// Every saved query runs in the workgroup on the database, filters the day partition (so that
// projection prunes), and takes its values as parameters.
func TestSearchQueries(t *testing.T) {
	tmpl := logArchiveTemplate()
	queries := resources(tmpl, "AWS::Athena::NamedQuery")
	if len(queries) != len(archivesearch.Queries) {
		t.Fatalf("%d saved queries, want %d", len(queries), len(archivesearch.Queries))
	}
	for id, q := range queries {
		p := props(q)
		sql := p["QueryString"].(string)
		if p["Database"] != "session_audit" || !strings.Contains(jsonString(p["WorkGroup"]), "ArchiveSearchWorkGroup") {
			t.Errorf("%s: database %v, workgroup %v", id, p["Database"], p["WorkGroup"])
		}
		if !strings.Contains(sql, "WHERE day BETWEEN ? AND ?") || !regexp.MustCompile(`FROM (forwarded_events|ledger_events)\b`).MatchString(sql) {
			t.Errorf("%s does not prune by day:\n%s", id, sql)
		}
		if regexp.MustCompile(`'(20[0-9]{2}/|i-[0-9a-f]|arn:)`).MatchString(sql) {
			t.Errorf("%s has literal values instead of parameters:\n%s", id, sql)
		}
	}
}
