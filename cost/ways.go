package cost

import (
	"fmt"
	"io"
)

// WayNotices is what the notices of the ways into a node other than Session Manager sessions
// (EC2 Instance Connect, Instance Connect Endpoint tunnels, the serial console, Run Command and
// ECS Exec; issue 30) cost a month at accounts member accounts. The member rules that announce
// them are EventBridge rules on each account's default bus matching CloudTrail management events:
// they bill nothing while idle (EventBridge bills events, not rules, and AWS management events on
// the default bus are free: prices.json, usageOnly AWS::Events::Rule). Each announced use bills as
// a session notice (noticeLines): sent to the central bus in another account, formatted, published
// and mailed, wayEventsPerAccount a month per account (assumption).
func WayNotices(p *Prices, plan Plan, g Governed, accounts int) []Line {
	return noticeLines(p, plan, g.Home, float64(accounts)*p.assume("wayEventsPerAccount"))
}

// wayReport prints WayNotices at every organization size the report prints, and what one event
// costs.
func wayReport(w io.Writer, p *Prices, plan Plan, g Governed, accounts []int) []Line {
	one := noticeLines(p, plan, g.Home, 1)
	fmt.Fprintf(w, "## Notices of the other ways into a node (Instance Connect, endpoint tunnels, serial console, Run Command, ECS Exec)\n\n")
	fmt.Fprintf(w, "Free while idle: the member rules that announce them (EventBridge rules on each account's default bus, matching CloudTrail management events) bill nothing; EventBridge bills events, not rules, and AWS management events on the default bus are free. Each announced use, denied attempts included, bills as a session notice, %s an event (e-mail addresses subscribed: %d). At %v announced uses per member account a month (assumption wayEventsPerAccount):\n\n",
		usd(Total(one)), plan.Emails, p.assume("wayEventsPerAccount"))
	fmt.Fprintf(w, "| accounts | events a month | USD a month |\n|---|---:|---:|\n")
	var lines []Line
	for _, n := range accounts {
		l := WayNotices(p, plan, g, n)
		lines = append(lines, l...)
		fmt.Fprintf(w, "| %d | %s | %s |\n", n, num(float64(n)*p.assume("wayEventsPerAccount")), usd(Total(l)))
	}
	fmt.Fprintf(w, "\nOne event:\n\n")
	table(w, one)
	fmt.Fprintln(w)
	return lines
}
