package config

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"

	"github.com/sessionaudit/sessionaudit/constructs/logforwarder/filterpattern"
)

var (
	organizationIDPattern = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	accountIDPattern      = regexp.MustCompile(`^[0-9]{12}$`)
	regionPattern         = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
	targetIDPattern       = regexp.MustCompile(`^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$`)
	roleNamePattern       = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)
	forwarderNamePattern  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	logGroupNamePattern   = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]{1,512}$`)
	osUserPattern         = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,31}$`)
	// EventBridge wildcards: "*" only, never two in a row ("Wildcard matching", event-ruler).
	ignoredArnPattern   = regexp.MustCompile(`^arn:aws[a-z-]*:(iam::([0-9]{12}|\*):(role|user)/[A-Za-z0-9+=,.@_*/-]{1,512}|iam::([0-9]{12}|\*):root|sts::([0-9]{12}|\*):assumed-role/[A-Za-z0-9+=,.@_*/-]{1,512})$`)
	principalArnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:(iam::([0-9]{12}|\*):(role|user)/[A-Za-z0-9+=,.@_*?/-]{1,512}|sts::([0-9]{12}|\*):assumed-role/[A-Za-z0-9+=,.@_*?/-]{1,512})$`)
)

// MaxExemptPrincipalCharacters is how much of the guardrail policies' 5,120 characters the exempt
// patterns may take together (each pattern, quoted, with its comma): the Protect policy repeats
// them in three statements next to about 2,000 characters of its own.
const MaxExemptPrincipalCharacters = 1000

// MaxIgnorePrincipalCharacters is how much of an event pattern's 2,048 characters
// (loginnotifier.MaxPatternCharacters) the ignored patterns may take together (each quoted, with
// its comma): the member session rule repeats them twice next to about 400 characters of its own.
const MaxIgnorePrincipalCharacters = 700

// maxObjectLockDays is S3's limit for a default Object Lock retention (100 years).
const maxObjectLockDays = 36500

// validate checks every rule of the configuration contract and records each broken one in r.
func validate(c *Config, r *reader) {
	required := func(path string) bool {
		if !r.seen[path] {
			r.add(path, "is required", "nothing")
			return false
		}
		return !r.badType[path]
	}
	match := func(path string, re *regexp.Regexp, value, want string) {
		if !re.MatchString(value) {
			r.add(path, "must be "+want, quote(value))
		}
	}

	if required("organizationId") {
		match("organizationId", organizationIDPattern, c.OrganizationID, `"o-" followed by 10 to 32 lowercase letters or digits`)
	}
	for _, f := range []struct {
		path  string
		value string
	}{{"managementAccountId", c.ManagementAccountID}, {"logArchiveAccountId", c.LogArchiveAccountID}} {
		if required(f.path) {
			match(f.path, accountIDPattern, f.value, "a 12-digit AWS account ID")
		}
	}
	homeOK := false
	if required("homeRegion") {
		match("homeRegion", regionPattern, c.HomeRegion, "a region code such as ap-northeast-1")
		homeOK = regionPattern.MatchString(c.HomeRegion)
	}
	if required("regions") {
		listOf(r, "regions", c.Regions, regionPattern, "a region code such as ap-northeast-1")
		if homeOK && !slices.Contains(c.Regions, c.HomeRegion) {
			r.add("regions", fmt.Sprintf("must include homeRegion %q", c.HomeRegion), render(c.Regions))
		}
	}
	if required("targetOrganizationalUnitIds") {
		listOf(r, "targetOrganizationalUnitIds", c.TargetOrganizationalUnitIDs, targetIDPattern, `an OU ID "ou-xxxx-xxxxxxxx" or a root ID "r-xxxx"`)
		if n := len(c.TargetOrganizationalUnitIDs); n > MaxOrganizationalUnits {
			r.add("targetOrganizationalUnitIds", fmt.Sprintf("must hold at most %d entries, the most one StackSet operation takes; target a parent OU or the root instead", MaxOrganizationalUnits), fmt.Sprintf("%d entries", n))
		}
	}

	s := c.Session
	between(r, "session.idleSessionTimeoutMinutes", s.IdleSessionTimeoutMinutes, 1, 60)
	between(r, "session.maxSessionDurationMinutes", s.MaxSessionDurationMinutes, 1, 1440)
	if s.RunAsEnabled && s.RunAsDefaultUser == "" {
		r.add("session.runAsDefaultUser", "is required when session.runAsEnabled is true", quote(s.RunAsDefaultUser))
	} else if s.RunAsDefaultUser != "" {
		match("session.runAsDefaultUser", osUserPattern, s.RunAsDefaultUser, "an OS user name (letters, digits, _ . -; at most 32 characters)")
	}
	for i, name := range s.InstanceRoleNames {
		match(fmt.Sprintf("session.instanceRoleNames[%d]", i), roleNamePattern, name, "an IAM role name (1 to 64 of A-Z a-z 0-9 + = , . @ _ -), not an ARN")
	}
	duplicates(r, "session.instanceRoleNames", s.InstanceRoleNames)
	switch s.EncryptionKey {
	case SessionKeyOrganization, SessionKeyAccount, SessionKeyNone:
	default:
		r.add("session.encryptionKey", `must be "organization", "account" or "none"`, quote(s.EncryptionKey))
	}

	t := c.Retention
	if !slices.Contains(CloudWatchRetentionDays, t.CloudWatchDays) {
		r.add("retention.cloudWatchDays", "must be one of "+joinInts(CloudWatchRetentionDays), render(t.CloudWatchDays))
	}
	between(r, "retention.archiveDays", t.ArchiveDays, 1, maxObjectLockDays)
	switch t.ObjectLockMode {
	case ObjectLockGovernance, ObjectLockCompliance, ObjectLockNone:
	default:
		r.add("retention.objectLockMode", `must be "GOVERNANCE", "COMPLIANCE" or "NONE"`, quote(t.ObjectLockMode))
	}

	g := c.Guardrails
	switch g.UnloggedSessions {
	case UnloggedNotify, UnloggedDeny, UnloggedAllow:
	default:
		r.add("guardrails.unloggedSessions", `must be "notify", "deny" or "allow"`, quote(g.UnloggedSessions))
	}
	for i, arn := range g.ExemptPrincipalArns {
		match(fmt.Sprintf("guardrails.exemptPrincipalArns[%d]", i), principalArnPattern, arn,
			"an IAM role, user or assumed-role ARN pattern such as arn:aws:iam::*:role/BreakGlass (* and ? allowed)")
	}
	duplicates(r, "guardrails.exemptPrincipalArns", g.ExemptPrincipalArns)
	total := 0
	for _, arn := range g.ExemptPrincipalArns {
		total += len(arn) + 3
	}
	if total > MaxExemptPrincipalCharacters {
		r.add("guardrails.exemptPrincipalArns", fmt.Sprintf("must take at most %d characters together to fit in a service control policy (5,120 characters); exempt a role path such as arn:aws:iam::*:role/break-glass/* instead", MaxExemptPrincipalCharacters), fmt.Sprintf("%d characters in %d patterns", total, len(g.ExemptPrincipalArns)))
	}

	if n := c.Search.BytesScannedCutoffPerQuery; n < 10000000 {
		r.add("search.bytesScannedCutoffPerQuery", "must be at least 10000000 bytes (Athena's minimum)", fmt.Sprint(n))
	}
	for i, e := range c.Notifications.Emails {
		if !validEmail(e) {
			r.add(fmt.Sprintf("notifications.emails[%d]", i), "must be a plain e-mail address such as secops@example.com", quote(e))
		}
	}
	duplicates(r, "notifications.emails", c.Notifications.Emails)
	for i, region := range c.Notifications.SignInRegions {
		match(fmt.Sprintf("notifications.signInRegions[%d]", i), regionPattern, region, "a region code such as us-east-1")
	}
	duplicates(r, "notifications.signInRegions", c.Notifications.SignInRegions)
	ignored := 0
	for i, arn := range c.Notifications.IgnorePrincipals {
		path := fmt.Sprintf("notifications.ignorePrincipals[%d]", i)
		switch {
		case strings.Contains(arn, "**"):
			r.add(path, "must not have two * in a row (EventBridge wildcards)", quote(arn))
		default:
			match(path, ignoredArnPattern, arn, "an IAM role, user, root or assumed-role ARN pattern such as arn:aws:iam::*:role/Automation (* allowed, ? not)")
		}
		ignored += len(arn) + 3
	}
	duplicates(r, "notifications.ignorePrincipals", c.Notifications.IgnorePrincipals)
	if ignored > MaxIgnorePrincipalCharacters {
		r.add("notifications.ignorePrincipals", fmt.Sprintf("must take at most %d characters together to fit in an EventBridge event pattern (2,048 characters); ignore a role path such as arn:aws:iam::*:role/automation/* instead", MaxIgnorePrincipalCharacters), fmt.Sprintf("%d characters in %d patterns", ignored, len(c.Notifications.IgnorePrincipals)))
	}

	validateForwarders(r, c.Forwarders)

	ss := c.StackSet
	if ss.RegionConcurrency != "PARALLEL" && ss.RegionConcurrency != "SEQUENTIAL" {
		r.add("stackSet.regionConcurrency", `must be "PARALLEL" or "SEQUENTIAL"`, quote(ss.RegionConcurrency))
	}
	between(r, "stackSet.maxConcurrentPercentage", ss.MaxConcurrentPercentage, 1, 100)
	between(r, "stackSet.failureTolerancePercentage", ss.FailureTolerancePercentage, 0, 100)
}

// listOf checks that a list is not empty, holds no duplicates and that every element matches re.
func listOf(r *reader, path string, values []string, re *regexp.Regexp, want string) {
	if len(values) == 0 {
		r.add(path, "must hold at least one entry", render(values))
		return
	}
	for i, v := range values {
		if !re.MatchString(v) {
			r.add(fmt.Sprintf("%s[%d]", path, i), "must be "+want, quote(v))
		}
	}
	duplicates(r, path, values)
}

func duplicates(r *reader, path string, values []string) {
	seen := map[string]bool{}
	for i, v := range values {
		if seen[v] {
			r.add(fmt.Sprintf("%s[%d]", path, i), "is a duplicate", quote(v))
		}
		seen[v] = true
	}
}

func between(r *reader, path string, v, lo, hi int) {
	if v < lo || v > hi {
		r.add(path, fmt.Sprintf("must be between %d and %d", lo, hi), render(v))
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

func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, ", ")
}

// maxFiltersPerLogGroup is CloudWatch Logs' limit of subscription filters on one log group.
const maxFiltersPerLogGroup = 2

func validateForwarders(r *reader, fs []Forwarder) {
	names := map[string]bool{}
	perGroup := map[string]int{}
	for i, f := range fs {
		at := func(field string) string { return fmt.Sprintf("forwarders[%d].%s", i, field) }
		for _, field := range []string{"name", "logGroupName", "filterPattern"} {
			if !r.seen[at(field)] && r.seen[fmt.Sprintf("forwarders[%d]", i)] {
				r.add(at(field), "is required", "nothing")
			}
		}
		if r.seen[at("name")] {
			if !forwarderNamePattern.MatchString(f.Name) {
				r.add(at("name"), "must be 1 to 64 of A-Z a-z 0-9 . _ -", quote(f.Name))
			} else if names[f.Name] {
				r.add(at("name"), "is a duplicate", quote(f.Name))
			}
			names[f.Name] = true
		}
		if r.seen[at("logGroupName")] {
			if !logGroupNamePattern.MatchString(f.LogGroupName) {
				r.add(at("logGroupName"), "must be a log group name (1 to 512 of A-Z a-z 0-9 . - _ / #)", quote(f.LogGroupName))
			} else if perGroup[f.LogGroupName]++; perGroup[f.LogGroupName] > maxFiltersPerLogGroup {
				r.add(at("logGroupName"), fmt.Sprintf("has more than %d forwarders; a log group allows at most %d subscription filters", maxFiltersPerLogGroup, maxFiltersPerLogGroup), quote(f.LogGroupName))
			}
		}
		if r.seen[at("filterPattern")] {
			if err := filterpattern.Check(f.FilterPattern); err != nil {
				r.add(at("filterPattern"), err.Error(), quote(f.FilterPattern))
			}
		}
	}
}
