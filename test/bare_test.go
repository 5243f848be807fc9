package test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
	"github.com/sessionaudit/sessionaudit/constructs/keylookup"
	"github.com/sessionaudit/sessionaudit/constructs/logbucket"
	"github.com/sessionaudit/sessionaudit/constructs/logforwarder"
	"github.com/sessionaudit/sessionaudit/constructs/loginnotifier"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/constructs/logreceiver"
	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
	"github.com/sessionaudit/sessionaudit/constructs/sessionkey"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
)

// everyConstruct builds each reusable construct once, with its required props only.
func everyConstruct(s awscdk.Stack) {
	key := logkey.New(s, "LogKey", &logkey.Props{OrganizationID: jsii.String(org), CentralBucketArn: jsii.String(bucketArn)})
	logbucket.New(s, "CentralLogBucket", &logbucket.Props{OrganizationID: jsii.String(org), EncryptionKey: key.Key, BucketName: jsii.String(bucketName)})
	sessionkey.New(s, "SessionKey", &sessionkey.Props{OrganizationID: jsii.String(org)})
	lookup := keylookup.New(s, "Lookup", &keylookup.Props{Account: jsii.String(archive), Region: s.Region(), AliasName: jsii.String(logkey.DefaultAliasName)})
	prefs := sessionprefs.New(s, "SessionPreferences", &sessionprefs.Props{
		CentralBucketName: jsii.String(bucketName), CentralBucketOwner: jsii.String(archive), LogKeyArn: lookup.KeyArn,
	})
	logforwarder.New(s, "Forwarder", &logforwarder.Props{
		LogGroupName: prefs.LogGroup.LogGroupName(), FilterPattern: jsii.String(logforwarder.AllEvents),
		DestinationArn: jsii.String("arn:aws:logs:" + home + ":" + archive + ":destination:d"),
	})
	logreceiver.New(s, "Receiver", &logreceiver.Props{SourceRegions: []string{home}, BucketArn: jsii.String(bucketArn), EncryptionKeyArn: key.Key.KeyArn()})
	loginnotifier.NewSender(s, "Sender", &loginnotifier.SenderProps{BusArn: jsii.String(busArn), Sessions: true, RdpConnections: true, AccessRequests: true, Ways: sessiondocs.AllWays, ConsoleSignIn: true})
	loginnotifier.NewInbox(s, "Inbox", &loginnotifier.InboxProps{OrganizationID: jsii.String(org), BusName: jsii.String("bus"), BucketName: jsii.String(bucketName), Chat: true})
	loginnotifier.NewInbox(s, "InboxWithTopic", &loginnotifier.InboxProps{
		OrganizationID: jsii.String(org), BusName: jsii.String("bus2"), BucketName: jsii.String(bucketName),
		Topic: awssns.NewTopic(s, jsii.String("TeamTopic"), nil),
	})
	guardrails.New(s, "Guardrails", &guardrails.Props{TargetIds: []string{"ou-abcd-12345678"}, NamePrefix: jsii.String("session-audit-"), DenyUnloggedSessions: true})
	archivesearch.New(s, "Search", &archivesearch.Props{BucketName: jsii.String(bucketName), Key: awskms.Key_FromKeyArn(s, jsii.String("K"), key.Key.KeyArn()), Regions: []string{home}})
}

func templateOf(context *map[string]any) map[string]any {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(mustTempDir()), Context: context})
	s := awscdk.NewStack(app, jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String(archive), Region: jsii.String(home)}})
	everyConstruct(s)
	data, _ := json.Marshal(app.Synth(nil).GetStackByName(jsii.String("S")).Template())
	var t map[string]any
	_ = json.Unmarshal(data, &t)
	return t
}

// Every construct gives the same template in an app without context (no feature flags: what a
// new `cdk init` app that sets none would get) as with sessionaudit's flags, up to two flags that
// change how a template is written, not what it does: @aws-cdk/core:target-partitions (the
// partition as a literal "aws" instead of AWS::Partition) and @aws-cdk/aws-iam:minimizePolicies
// (statements merged). semantic removes exactly those two differences; anything else a construct
// guarantees must not depend on a flag it does not set itself.
func TestConstructsDoNotDependOnFeatureFlags(t *testing.T) {
	bare, flagged := templateOf(nil), templateOf(&featureFlags)
	var diffs []string
	diff("", semantic(bare["Resources"]), semantic(flagged["Resources"]), &diffs)
	sort.Strings(diffs)
	for _, d := range diffs {
		t.Error(d)
	}
}

// semantic rewrites a template part so that the two flags' effects vanish: the partition becomes
// "aws" (and joins of literals fold), and every policy's statements become the sorted set of
// single-action, single-resource statements they allow or deny (Sids dropped).
func semantic(v any) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, "<AWS::Partition>", "aws")
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = semantic(x[i])
		}
		return out
	case map[string]any:
		if len(x) == 1 && x["Ref"] == "AWS::Partition" {
			return "aws"
		}
		if join, ok := x["Fn::Join"].([]any); ok && len(x) == 1 {
			return foldJoin(join[0].(string), semantic(join[1]).([]any))
		}
		out := map[string]any{}
		for k, y := range x {
			out[k] = semantic(y)
		}
		if st, ok := out["Statement"].([]any); ok {
			out["Statement"] = atoms(st)
		}
		if md, ok := out["cdk_nag"].(map[string]any); ok {
			if rules, ok := md["rules_to_suppress"].([]any); ok {
				sort.Slice(rules, func(i, j int) bool { return short(rules[i]) < short(rules[j]) })
			}
		}
		return out
	}
	return v
}

func foldJoin(sep string, parts []any) any {
	var out []any
	for _, p := range parts {
		if s, ok := p.(string); ok && sep == "" && len(out) > 0 {
			if prev, ok := out[len(out)-1].(string); ok {
				out[len(out)-1] = prev + s
				continue
			}
		}
		out = append(out, p)
	}
	if len(out) == 1 {
		if s, ok := out[0].(string); ok {
			return s
		}
	}
	return map[string]any{"Fn::Join": []any{sep, out}}
}

func atoms(statements []any) []any {
	list := func(v any) []any {
		if l, ok := v.([]any); ok {
			return l
		}
		return []any{v}
	}
	set := map[string]bool{}
	for _, st := range statements {
		m := st.(map[string]any)
		for _, a := range list(m["Action"]) {
			for _, r := range list(m["Resource"]) {
				set[short(map[string]any{"Effect": m["Effect"], "Principal": m["Principal"], "Action": a, "Resource": r, "Condition": m["Condition"]})] = true
			}
		}
	}
	out := make([]any, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].(string) < out[j].(string) })
	return out
}

// diff lists the paths where a (no flags) and b (sessionaudit's flags) differ.
func diff(path string, a, b any, out *[]string) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		for k := range am {
			if _, ok := bm[k]; !ok {
				*out = append(*out, fmt.Sprintf("%s/%s: only without flags: %s", path, k, short(am[k])))
			}
		}
		for k := range bm {
			if _, ok := am[k]; !ok {
				*out = append(*out, fmt.Sprintf("%s/%s: only with flags: %s", path, k, short(bm[k])))
			} else {
				diff(path+"/"+k, am[k], bm[k], out)
			}
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		*out = append(*out, fmt.Sprintf("%s: without flags %s, with flags %s", path, short(a), short(b)))
	}
}

func short(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// Every custom resource answers within minutes, not CloudFormation's default hour: a hung handler
// fails the deployment fast.
func TestCustomResourcesHaveAServiceTimeout(t *testing.T) {
	n := 0
	for name, tmpl := range defaultApp.templates {
		for id, r := range tmpl["Resources"].(map[string]any) {
			if typ, _ := r.(map[string]any)["Type"].(string); !strings.HasPrefix(typ, "Custom::") && typ != "AWS::CloudFormation::CustomResource" {
				continue
			}
			n++
			if got := props(r.(map[string]any))["ServiceTimeout"]; got != "420" {
				t.Errorf("%s %s: ServiceTimeout %v, want 420 seconds", name, id, got)
			}
		}
	}
	if n < 3 {
		t.Errorf("found only %d custom resources", n)
	}
}
