package config

import (
	"fmt"
	"maps"
	"net/mail"
	"slices"
	"strings"

	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
	"github.com/sessionaudit/sessionaudit/constructs/logforwarder/filterpattern"
	"github.com/sessionaudit/sessionaudit/regions"
)

// MaxIgnorePrincipalCharacters is how much of an event pattern's 2,048 characters
// (loginnotifier.MaxPatternCharacters) the ignored patterns may take together (each quoted, with
// its comma): the member session rule repeats them twice next to about 400 characters of its own.
const MaxIgnorePrincipalCharacters = 700

// validate checks the rules the schema cannot express (they relate fields, or fit values to AWS
// limits) on the fields the schema accepted, and records each broken one in r.
func validate(c *Config, r *reader) {
	ok := func(path string) bool { return r.seen[path] && !r.bad[path] }

	// Region codes are checked against the regions CDK's region facts know (package regions,
	// generated from the pinned aws-cdk-lib), not a pattern: a region that does not exist would
	// synthesize a receiver and a Firehose stream that can never be deployed.
	known := func(path, region string) bool {
		if region == "" || r.bad[path] {
			return false
		}
		if _, ok := regions.Lookup(region); !ok {
			r.add(path, fmt.Sprintf("is not an AWS region (%s); docs/regions.md lists the regions of each partition", nearest(region)), quote(region))
			return false
		}
		return true
	}
	homeKnown := ok("homeRegion") && known("homeRegion", c.HomeRegion)
	if ok("homeRegion") && ok("regions") && !slices.Contains(c.Regions, c.HomeRegion) {
		r.add("regions", fmt.Sprintf("must include homeRegion %q", c.HomeRegion), render(c.Regions))
	}
	// One deployment lives in one partition: the central bucket, keys and bus are ARNs of the home
	// region's partition, which every governed and sign-in region must share.
	home := Partition(c.HomeRegion)
	for _, list := range []struct {
		path    string
		regions []string
	}{{"regions", c.Regions}, {"notifications.signInRegions", c.Notifications.SignInRegions}} {
		for i, region := range list.regions {
			at := fmt.Sprintf("%s[%d]", list.path, i)
			if known(at, region) && homeKnown && Partition(region) != home {
				r.add(at, fmt.Sprintf("must be in the partition of homeRegion %q (%s), not %s", c.HomeRegion, home, Partition(region)), quote(region))
			}
		}
	}
	if homeKnown {
		principalsInPartition(r, "guardrails.exemptPrincipalArns", c.Guardrails.ExemptPrincipalArns, home)
		principalsInPartition(r, "notifications.ignorePrincipals", c.Notifications.IgnorePrincipals, home)
	}
	duplicates(r, "regions", c.Regions)
	duplicates(r, "targetOrganizationalUnitIds", c.TargetOrganizationalUnitIDs)
	crossFields(c, r)

	s := c.Session
	if s.RunAsEnabled != nil && *s.RunAsEnabled && (s.RunAsDefaultUser == nil || *s.RunAsDefaultUser == "") && !r.bad["session.runAsDefaultUser"] {
		got := "nothing"
		if s.RunAsDefaultUser != nil {
			got = quote(*s.RunAsDefaultUser)
		}
		r.add("session.runAsDefaultUser", "is required when session.runAsEnabled is true", got)
	}
	duplicates(r, "session.instanceRoleNames", s.InstanceRoleNames)

	g := c.Guardrails
	duplicates(r, "guardrails.exemptPrincipalArns", g.ExemptPrincipalArns)
	// Sized by what the patterns cost in the policies, where each appears in every statement (and
	// the roles and users among them once more, as protected resources): the policies this
	// configuration gives must fit in a service control policy.
	if g.Enabled && !r.bad["guardrails.exemptPrincipalArns"] && !r.bad["regions"] {
		sizes := guardrails.Sizes(guardrails.Props{ExemptPrincipalArns: g.ExemptPrincipalArns, Regions: c.Regions,
			DenyUnloggedSessions: g.UnloggedSessions == UnloggedDeny, Ways: g.DeniedWays()})
		names := []string{guardrails.PolicyProtect, guardrails.PolicyUnloggedSessions, guardrails.PolicyWays}
		if g.ProtectArchive {
			maps.Copy(sizes, guardrails.ArchiveSizes(c.ArchiveProps()))
			names = append(names, guardrails.PolicyArchiveKeep, guardrails.PolicyArchiveFlow, guardrails.PolicyArchiveRCP)
		}
		for _, name := range names {
			if n, ok := sizes[name]; ok && n > guardrails.MaxPolicyCharacters {
				r.add("guardrails.exemptPrincipalArns", fmt.Sprintf("make the guardrail policy %s%s %d characters long, more than a service control policy may have (%d); each pattern appears, quoted, in every statement of the policy; exempt a role path such as arn:aws:iam::*:role/break-glass/* instead",
					PolicyNamePrefix, name, n, guardrails.MaxPolicyCharacters), fmt.Sprintf("%d patterns", len(g.ExemptPrincipalArns)))
			}
		}
	}

	for i, e := range c.Notifications.Emails {
		if at := fmt.Sprintf("notifications.emails[%d]", i); !r.bad[at] && !validEmail(e) {
			r.add(at, "must be a plain e-mail address such as secops@example.com", quote(e))
		}
	}
	duplicates(r, "notifications.emails", c.Notifications.Emails)
	duplicates(r, "notifications.signInRegions", c.Notifications.SignInRegions)
	ignored := 0
	for i, arn := range c.Notifications.IgnorePrincipals {
		if at := fmt.Sprintf("notifications.ignorePrincipals[%d]", i); strings.Contains(arn, "**") {
			r.replace(at, "must not have two * in a row (EventBridge wildcards)", quote(arn)) // the more precise word
		}
		ignored += len(arn) + 3
	}
	duplicates(r, "notifications.ignorePrincipals", c.Notifications.IgnorePrincipals)
	if ignored > MaxIgnorePrincipalCharacters {
		r.add("notifications.ignorePrincipals", fmt.Sprintf("must take at most %d characters together to fit in an EventBridge event pattern (2,048 characters); ignore a role path such as arn:aws:iam::*:role/automation/* instead", MaxIgnorePrincipalCharacters), fmt.Sprintf("%d characters in %d patterns", ignored, len(c.Notifications.IgnorePrincipals)))
	}

	validateForwarders(r, c.Forwarders)
}

// DeniedWays are the ways into a node whose setting in force is deny, as the guardrails deny them.
func (g Guardrails) DeniedWays() guardrails.Ways {
	return guardrails.Ways{
		InstanceConnect:         g.Way(WayInstanceConnect) == UnloggedDeny,
		InstanceConnectEndpoint: g.Way(WayInstanceConnectEndpoint) == UnloggedDeny,
		SerialConsole:           g.Way(WaySerialConsole) == UnloggedDeny,
		RunCommand:              g.Way(WayRunCommand) == UnloggedDeny,
		ECSExec:                 g.Way(WayECSExec) == UnloggedDeny,
	}
}

// PolicyNamePrefix starts the names of the guardrail policies (guardrails.Props.PolicyNamePrefix's
// default, which the app keeps).
const PolicyNamePrefix = "SessionAudit"

// PolicyNames are the names of the service control policies the guardrails attach to every target
// (guardrails.New): none when disabled; SessionAuditProtect; SessionAuditUnloggedSessions when
// unloggedSessions is deny; SessionAuditWays when a way into a node is.
func (g Guardrails) PolicyNames() []string {
	if !g.Enabled {
		return nil
	}
	names := []string{PolicyNamePrefix + guardrails.PolicyProtect}
	if g.UnloggedSessions == UnloggedDeny {
		names = append(names, PolicyNamePrefix+guardrails.PolicyUnloggedSessions)
	}
	if g.DeniedWays().Any() {
		names = append(names, PolicyNamePrefix+guardrails.PolicyWays)
	}
	return names
}

// Partition is the AWS partition of a region code (regions.Partition).
func Partition(region string) string { return regions.Partition(region) }

// duplicates reports every repeated value of a list at its own index (empty values, which the
// schema reported, are skipped).
func duplicates(r *reader, path string, values []string) {
	seen := map[string]bool{}
	for i, v := range values {
		if v == "" {
			continue
		}
		if seen[v] {
			r.add(fmt.Sprintf("%s[%d]", path, i), "is a duplicate", quote(v))
		}
		seen[v] = true
	}
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndex(s, "@")
	return at > 0 && strings.Contains(s[at+1:], ".") && !strings.ContainsAny(s, " \t")
}

// maxFiltersPerLogGroup is CloudWatch Logs' limit of subscription filters on one log group.
const maxFiltersPerLogGroup = 2

func validateForwarders(r *reader, fs []Forwarder) {
	names := map[string]bool{}
	perGroup := map[string]int{}
	for i, f := range fs {
		at := func(field string) string { return fmt.Sprintf("forwarders[%d].%s", i, field) }
		ok := func(field string) bool { return r.seen[at(field)] && !r.bad[at(field)] }
		if ok("name") {
			if names[f.Name] {
				r.add(at("name"), "is a duplicate", quote(f.Name))
			}
			names[f.Name] = true
		}
		if ok("logGroupName") {
			if perGroup[f.LogGroupName]++; perGroup[f.LogGroupName] > maxFiltersPerLogGroup {
				r.add(at("logGroupName"), fmt.Sprintf("has more than %d forwarders; a log group allows at most %d subscription filters", maxFiltersPerLogGroup, maxFiltersPerLogGroup), quote(f.LogGroupName))
			}
		}
		if ok("filterPattern") {
			if err := filterpattern.Check(f.FilterPattern); err != nil {
				r.add(at("filterPattern"), err.Error(), quote(f.FilterPattern))
			}
		}
	}
}
