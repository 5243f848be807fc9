package test

import (
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/constructs/logreceiver"
	"github.com/sessionaudit/sessionaudit/constructs/sessionkey"
	"github.com/sessionaudit/sessionaudit/install"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// What package install derives from two identifiers is what the app deploys: the bucket, the bus
// the member rules target, the destination the member filter sends to, the streams, the aliases.
func TestInstallNamesWhatTheAppDeploys(t *testing.T) {
	i := install.Install{LogArchiveAccountID: archive, HomeRegion: home}
	if i.CentralBucketName() != bucketName || i.CentralBucketArn() != bucketArn {
		t.Errorf("bucket %s %s", i.CentralBucketName(), i.CentralBucketArn())
	}
	member := jsonString(memberTemplate())
	for _, want := range []string{
		// The member template writes the partition as a reference; compare the rest.
		strings.TrimPrefix(i.BusArn(), "arn:aws"), ":logs:", ":destination:" + install.DestinationName,
	} {
		if !strings.Contains(member, want) {
			t.Errorf("member template lacks %s", want)
		}
	}
	archiveTmpl := jsonString(logArchiveTemplate())
	for _, r := range []string{home, "us-east-1"} {
		if !strings.Contains(archiveTmpl, `"DeliveryStreamName":"`+install.StreamName(r)+`"`) || install.StreamName(r) != logreceiver.StreamName(stacks.StreamNamePrefix, r) {
			t.Errorf("stream of %s is not %s", r, install.StreamName(r))
		}
	}
	if install.LogKeyAlias != logkey.DefaultAliasName || install.SessionKeyAlias != sessionkey.DefaultAliasName {
		t.Error("key aliases differ from the constructs' defaults")
	}
	for got, want := range map[string]string{
		i.DestinationArn("eu-central-1"): "arn:aws:logs:eu-central-1:" + archive + ":destination:session-audit",
		i.BusArn():                       "arn:aws:events:" + home + ":" + archive + ":event-bus/session-audit",
		i.StreamArn("us-east-1"):         "arn:aws:firehose:" + home + ":" + archive + ":deliverystream/session-audit-us-east-1",
		i.LogKeyAliasArn("us-east-1"):    "arn:aws:kms:us-east-1:" + archive + ":alias/session-audit",
		install.Install{LogArchiveAccountID: archive, HomeRegion: "cn-north-1"}.BusArn(): "arn:aws-cn:events:cn-north-1:" + archive + ":event-bus/session-audit",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}
