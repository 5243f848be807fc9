package cost

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

// The member rules of the ways into a node bill nothing while idle, and each announced use bills
// as a session notice: events × (central bus event + formatter invocation + publish + e-mails).
func TestWayNotices(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	if _, idle := p.Idle["AWS::Events::Rule"]; idle || p.UsageOnly["AWS::Events::Rule"] == "" {
		t.Errorf("AWS::Events::Rule should bill only by use (usageOnly), not while idle")
	}
	g := Governed{Home: "us-east-1", Count: 1}
	perEvent := p.usd("events.crossAccount") + p.usd("lambda.request") + p.usd("sns.publish")
	n := p.assume("wayEventsPerAccount")
	for _, tt := range []struct {
		name     string
		emails   int
		accounts int
		want     float64
	}{
		{"no account", 1, 0, 0},
		{"10 accounts, no e-mail", 0, 10, 10 * n * perEvent},
		{"1,000 accounts, two e-mails", 2, 1000, 1000 * n * (perEvent + 2*p.usd("sns.email"))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Total(WayNotices(p, Plan{Emails: tt.emails}, g, tt.accounts))
			if math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("$%v a month, want $%v", got, tt.want)
			}
		})
	}
}

// The report says the rules are free while idle and prints events and dollars a month at each
// organization size.
func TestWayReport(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	plan, g := Plan{Emails: 1}, Governed{Home: "us-east-1", Count: 4}
	wayReport(&b, p, plan, g, []int{10, 100, 1000})
	out := b.String()
	if !strings.Contains(out, "Free while idle") {
		t.Errorf("the report does not say the rules are free while idle:\n%s", out)
	}
	for _, accounts := range []int{10, 100, 1000} {
		row := fmt.Sprintf("| %d | %s | %s |", accounts, num(float64(accounts)*p.assume("wayEventsPerAccount")), usd(Total(WayNotices(p, plan, g, accounts))))
		if !strings.Contains(out, row) {
			t.Errorf("no row %q in:\n%s", row, out)
		}
	}
}

// docs/cost.md's claim: at 1,000 accounts, 30,000 events, under a dollar a month with one e-mail
// address.
func TestDocsStateTheWayNotices(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../docs/cost.md")
	if err != nil {
		t.Fatal(err)
	}
	events := 1000 * p.assume("wayEventsPerAccount")
	digits := fmt.Sprintf("%.0f", events)
	for i := len(digits) - 3; i > 0; i -= 3 {
		digits = digits[:i] + "," + digits[i:]
	}
	claim := fmt.Sprintf("at 1,000 accounts, %s events, under a dollar a month with one e-mail address", digits)
	if !strings.Contains(strings.Join(strings.Fields(string(data)), " "), claim) {
		t.Errorf("docs/cost.md does not say %q", claim)
	}
	if got := Total(WayNotices(p, Plan{Emails: 1}, Governed{Home: p.Region, Count: 1}, 1000)); got >= 1 {
		t.Errorf("1,000 accounts cost $%v a month, not under a dollar", got)
	}
}
