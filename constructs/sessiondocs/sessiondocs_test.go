package sessiondocs

import (
	"strings"
	"testing"
)

func TestIsLogged(t *testing.T) {
	const account = "333333333333"
	for _, tt := range []struct {
		document string
		want     bool
	}{
		{"", true},
		{"SSM-SessionManagerRunShell", true},
		{"arn:aws:ssm:us-east-1:333333333333:document/SSM-SessionManagerRunShell", true},
		{"arn:aws:ssm:us-east-1:444444444444:document/SSM-SessionManagerRunShell", false}, // shared from another account
		{"arn:aws:ssm:us-east-1::document/SSM-SessionManagerRunShell", false},
		{"AWS-StartPortForwardingSession", false},
		{"AWS-StartInteractiveCommand", false},
		{"MyTunnel", false},
		{"arn:aws:ssm:us-east-1:333333333333:document/MyTunnel", false},
		{"arn:aws:ssm:us-east-1:333333333333:automation-definition/SSM-SessionManagerRunShell", false},
		{"arn:broken", false},
	} {
		if got := IsLogged(tt.document, account); got != tt.want {
			t.Errorf("IsLogged(%q) = %v, want %v", tt.document, got, tt.want)
		}
	}
}

func TestSourcesOf(t *testing.T) {
	for _, tt := range []struct {
		ways []string
		want []string
	}{
		{nil, nil},
		{[]string{"nothing"}, nil},
		{[]string{WayRunCommand}, []string{SessionManagerSource}},
		{[]string{WaySerialConsole, WayInstanceConnect}, []string{InstanceConnectSource, EC2Source}},
		{AllWays, []string{InstanceConnectSource, EC2Source, SessionManagerSource, ECSSource}},
	} {
		got := SourcesOf(tt.ways)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("SourcesOf(%v) = %v, want %v", tt.ways, got, tt.want)
		}
	}
	for _, w := range AllWays {
		if len(WaySources[w]) == 0 {
			t.Errorf("way %s has no event source", w)
		}
	}
}
