package test

import (
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
	"github.com/sessionaudit/sessionaudit/constructs/ledger"
	"github.com/sessionaudit/sessionaudit/constructs/loginnotifier"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// ledgerParts returns the ledger's rule, stream and delivery role policy in the LogArchive template.
func ledgerParts(t *testing.T) (rule, stream, policy map[string]any) {
	t.Helper()
	tmpl := logArchiveTemplate()
	for _, r := range resources(tmpl, "AWS::Events::Rule") {
		if props(r)["Description"] == ledger.Description {
			rule = props(r)
		}
	}
	for _, s := range resources(tmpl, "AWS::KinesisFirehose::DeliveryStream") {
		if props(s)["DeliveryStreamName"] == stacks.StreamNamePrefix+"ledger" {
			stream = props(s)
		}
	}
	for id, p := range resources(tmpl, "AWS::IAM::Policy") {
		if strings.HasPrefix(id, "LedgerDeliveryRole") {
			policy = props(p)
		}
	}
	if rule == nil || stream == nil || policy == nil {
		t.Fatalf("ledger rule %v, stream %v, delivery policy %v: want all three in the LogArchive stack", rule != nil, stream != nil, policy != nil)
	}
	return rule, stream, policy
}

// The ledger rule matches every sample event that one of the inbox's rules matches (every access
// event the bus announces, denied attempts and ignored principals included) and nothing else, in
// one pattern that fits EventBridge's limit.
func TestLedgerRuleMatchesEveryInboxEvent(t *testing.T) {
	rule, _, _ := ledgerParts(t)
	pattern, ok := rule["EventPattern"].(map[string]any)
	if !ok {
		t.Fatalf("ledger rule pattern %v", rule["EventPattern"])
	}
	if n := len(jsonString(pattern)); n > loginnotifier.MaxPatternCharacters {
		t.Errorf("ledger pattern has %d characters, EventBridge takes %d", n, loginnotifier.MaxPatternCharacters)
	}
	inbox := rulePatterns(t, logArchiveTemplate())
	delete(inbox, ledger.Description)
	delete(inbox, "sessionaudit: announce delivery alarms")
	if len(inbox) != len(loginnotifier.InboxPatterns()) {
		t.Fatalf("inbox rules %v, want %d", keys(inbox), len(loginnotifier.InboxPatterns()))
	}
	matched := 0
	for name, e := range samples(t) {
		announced := false
		for _, p := range inbox {
			announced = announced || matches(p, e)
		}
		if want := sampleKind(name, false) != ""; announced != want {
			t.Errorf("inbox announces %s: %v, want %v", name, announced, want)
		}
		if got := matches(pattern, e); got != announced {
			t.Errorf("ledger rule matches %s: %v, want %v (as the inbox)", name, got, announced)
		}
		if announced {
			matched++
		}
	}
	if matched < 40 {
		t.Errorf("only %d sample events are access events", matched)
	}
	// The check can fail: a pattern without one of the inbox's branches misses its events.
	branches := pattern["$or"].([]any)
	if len(branches) != len(inbox) {
		t.Fatalf("ledger pattern has %d branches, want one per inbox rule (%d)", len(branches), len(inbox))
	}
	short := map[string]any{"source": pattern["source"], "$or": branches[1:]}
	missed := 0
	for _, e := range samples(t) {
		if matches(pattern, e) && !matches(short, e) {
			missed++
		}
	}
	if missed == 0 {
		t.Error("dropping a branch misses no sample event: the check could not fail")
	}
	targets := rule["Targets"].([]any)
	if len(targets) != 1 || !strings.Contains(jsonString(targets[0]), "LedgerStream") || !strings.Contains(jsonString(targets[0]), "LedgerPutRole") {
		t.Errorf("ledger rule targets %s, want the ledger stream with its put role", jsonString(targets))
	}
}

// The stream writes GZIP JSON lines to the ledger prefix by arrival hour, with the LogKey, within
// five minutes; its role writes only the ledger's prefixes and uses the key only through S3.
func TestLedgerStreamWritesTheLedgerPrefixWithTheKey(t *testing.T) {
	_, stream, policy := ledgerParts(t)
	if stream["DeliveryStreamType"] != "DirectPut" {
		t.Errorf("stream type %v", stream["DeliveryStreamType"])
	}
	s3 := stream["ExtendedS3DestinationConfiguration"].(map[string]any)
	for field, want := range map[string]any{
		"Prefix":            "ledger/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/",
		"ErrorOutputPrefix": "ledger-errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/",
		"CompressionFormat": "GZIP",
		"FileExtension":     ".json.gz",
	} {
		if s3[field] != want {
			t.Errorf("%s = %v, want %v", field, s3[field], want)
		}
	}
	if !strings.HasPrefix(s3["Prefix"].(string), archivelayout.LedgerPrefix) {
		t.Errorf("prefix %v is not below %s", s3["Prefix"], archivelayout.LedgerPrefix)
	}
	if got := jsonString(s3["EncryptionConfiguration"]); got != `{"KMSEncryptionConfig":{"AWSKMSKeyARN":{"Fn::GetAtt":["LogKey15608DC4","Arn"]}}}` {
		t.Errorf("encryption %s, want the LogKey", got)
	}
	if s := s3["BufferingHints"].(map[string]any)["IntervalInSeconds"]; s.(float64) > 300 {
		t.Errorf("buffer interval %v s, want at most 300", s)
	}
	if got := jsonString(s3["ProcessingConfiguration"]); !strings.Contains(got, "AppendDelimiterToRecord") {
		t.Errorf("processing %s: records are not one per line", got)
	}
	doc := policy["PolicyDocument"]
	write := statement(t, doc, "WriteTheLedger")
	res := jsonString(write["Resource"])
	if !strings.Contains(res, "/ledger/*") || !strings.Contains(res, "/ledger-errors/*") || strings.Contains(res, "cloudwatch") || strings.Contains(res, "session-manager") {
		t.Errorf("delivery role writes %s, want only the ledger prefixes", res)
	}
	if got := asStrings(write["Action"]); strings.Join(got, ",") != "s3:AbortMultipartUpload,s3:PutObject" {
		t.Errorf("delivery role may %v on objects", got)
	}
	key := statement(t, doc, "EncryptThroughS3")
	if cond := jsonString(key["Condition"]); !strings.Contains(cond, `"kms:ViaService":"s3.`+home+`.amazonaws.com"`) || !strings.Contains(cond, `"kms:EncryptionContext:aws:s3:arn"`) {
		t.Errorf("key statement %s is not limited to S3", jsonString(key))
	}
	for _, st := range statements(doc) {
		for _, a := range asStrings(st["Action"]) {
			if strings.HasSuffix(a, "*") || a == "s3:DeleteObject" || a == "s3:GetObject" {
				t.Errorf("delivery role statement %v allows %s", st["Sid"], a)
			}
		}
	}
}

// The ledger table reads what the stream writes (the day of the prefix, the hours below it), and
// the auditor policy reads the ledger.
func TestLedgerTableReadsTheLedger(t *testing.T) {
	cfg, err := defaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	_, stream, _ := ledgerParts(t)
	in := glueTables(t)[archivesearch.LedgerTable]
	if in == nil {
		t.Fatalf("no table %s", archivesearch.LedgerTable)
	}
	params := in["Parameters"].(map[string]any)
	prefix := stream["ExtendedS3DestinationConfiguration"].(map[string]any)["Prefix"].(string)
	asTemplate := strings.NewReplacer("!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}", "${day}").Replace(prefix)
	want := "s3://" + stacks.CentralBucketName(cfg) + "/" + strings.TrimSuffix(asTemplate, "!{timestamp:HH}/")
	if got := params["storage.location.template"]; got != want {
		t.Errorf("ledger table template %v, want %v", got, want)
	}
	if params["projection.day.format"] != archivelayout.DayFormat || params["projection.day.type"] != "date" {
		t.Errorf("day projection %v %v", params["projection.day.type"], params["projection.day.format"])
	}
	var names []string
	for _, c := range in["StorageDescriptor"].(map[string]any)["Columns"].([]any) {
		names = append(names, c.(map[string]any)["Name"].(string))
	}
	if got := strings.Join(names, ","); got != "version,id,detail_type,source,account,time,region,resources,detail" {
		t.Errorf("ledger columns %s, want the EventBridge envelope", got)
	}
	if m := in["StorageDescriptor"].(map[string]any)["SerdeInfo"].(map[string]any)["Parameters"].(map[string]any)["mapping.detail_type"]; m != "detail-type" {
		t.Errorf("detail_type maps %v, want detail-type", m)
	}
	auditor := ""
	for _, p := range resources(logArchiveTemplate(), "AWS::IAM::ManagedPolicy") {
		if strings.Contains(jsonString(p), "RunQueriesInTheWorkGroup") {
			auditor = jsonString(props(p)["PolicyDocument"])
		}
	}
	// The auditor reads the whole archive by key (the ledger included: sessionaudit validate reads
	// every prefix the digests list) and lists with a prefix.
	if !strings.Contains(auditor, `/*","Sid":"ReadTheArchive"`) || !strings.Contains(auditor, `"Sid":"ListOneKey"`) ||
		!strings.Contains(auditor, `"Resource":"arn:aws:s3:::session-audit-logs-`) {
		t.Errorf("auditor policy does not read the ledger: %s", auditor)
	}
	if _, ok := archivesearch.QueryByID(archivesearch.WaysInID); !ok {
		t.Error("no saved query reads the ledger")
	}
}
