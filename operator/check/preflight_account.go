package check

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// InstancePolicyName is the member instance policy (SessionAudit-Member).
const InstancePolicyName = "SessionAuditInstanceLogging"

// DHMCSetting is the service setting of the Default Host Management Configuration role (docs/rollout.md).
const DHMCSetting = "/ssm/managed-instance/default-ec2-instance-management-role"

// accountChecks reads every account with bounded concurrency.
// Then it summarizes the exempt patterns over every account.
func accountChecks(ctx context.Context, e *Env, accounts []string) {
	tally := newExemptTally()
	awsapi.ForEach(ctx, accounts, e.Concurrency, func(ctx context.Context, account string) {
		accountPreflight(ctx, e, account, tally)
	}, e.progress("preflight", len(accounts)))
	if ctx.Err() == nil {
		exemptSummary(e, accounts, tally)
	}
}

func accountPreflight(ctx context.Context, e *Env, account string, tally *exemptTally) {
	profiles := map[string]int{} // instance profile → managed instances using it
	roles := map[string]int{}    // role name → managed instances using it (0: the DHMC role)
	disabled, err := regionOptInCheck(ctx, e, account)
	if err != nil {
		e.failed(OptInCheck, account, "", err)
		if assumeRoleFailed(err) {
			return // the account cannot be read at all
		}
	}
	for _, region := range e.Config.Regions {
		if disabled[region] {
			continue
		}
		cfg := e.cfg(account, region)
		if err := documentCheck(ctx, e, cfg, account, region); err != nil {
			e.failed("ssm.preferences", account, region, err)
			return // the first call shows whether the account can be read at all
		}
		if err := recordingCheck(ctx, e, cfg, account, region); err != nil {
			e.failed("ssm.rdp-recording", account, region, err)
		}
		if err := dhmcCheck(ctx, e, cfg, account, region, roles); err != nil {
			e.failed("ssm.default-host-management", account, region, err)
		}
		if err := justInTimeCheck(ctx, e, cfg, account, region); err != nil {
			e.failed("ssm.just-in-time", account, region, err)
		}
		nodes, err := managedNodes(ctx, e, cfg, account, region)
		if err != nil {
			e.failed("ec2.managed-nodes", account, region, err)
			continue
		}
		for _, n := range nodes {
			if n.profile != "" {
				profiles[n.profile]++
			}
		}
		if err := endpointCheck(ctx, e, cfg, account, region, nodes); err != nil {
			e.failed("ec2.vpc-endpoints", account, region, err)
		}
	}
	exemptCheck(ctx, e, account, tally)
	if err := profileRoles(ctx, e, account, profiles, roles); err != nil {
		e.failed("iam.instance-roles", account, "", err)
		return
	}
	if err := roleCheck(ctx, e, account, roles); err != nil {
		e.failed("iam.instance-roles", account, "", err)
	}
}

// governedInputs are the preferences inputs sessionaudit writes in account and region for the
// configuration's phase (docs/preferences.md "What sessionaudit governs", docs/rollout.md), nil in
// phase permissions (the document is not touched). kmsKeyId is "<session key>" when it names the
// region's session key (its exact form, ID or ARN, is the template's).
func governedInputs(c config.Config, account, region string) map[string]any {
	if c.Rollout.Phase == config.PhasePermissions {
		return nil
	}
	enforce := c.Rollout.Phase == config.PhaseEnforced
	in := map[string]any{
		"cloudWatchLogGroupName": sessionprefs.LogGroupNamePrefix + account, "cloudWatchEncryptionEnabled": enforce,
		"cloudWatchStreamingEnabled": c.Session.CloudWatchStreaming, "kmsKeyId": "",
	}
	if enforce && c.Session.EncryptionKey != config.SessionKeyNone {
		in["kmsKeyId"] = sessionKeyPlaceholder
	}
	if region == c.HomeRegion {
		in["s3BucketName"] = stacks.CentralBucketName(c)
		in["s3KeyPrefix"] = archivelayout.TranscriptKeyPrefix(account, region)
		in["s3EncryptionEnabled"] = enforce
	}
	s := c.Session
	if s.IdleSessionTimeoutMinutes != nil {
		in["idleSessionTimeout"] = fmt.Sprint(*s.IdleSessionTimeoutMinutes)
	}
	if s.MaxSessionDurationMinutes != nil {
		in["maxSessionDuration"] = fmt.Sprint(*s.MaxSessionDurationMinutes)
	}
	if s.RunAsEnabled != nil {
		in["runAsEnabled"] = *s.RunAsEnabled
	}
	if s.RunAsDefaultUser != nil {
		in["runAsDefaultUser"] = *s.RunAsDefaultUser
	}
	return in
}

const sessionKeyPlaceholder = "<session key>"

// changedInputs compares a document's inputs with the governed ones: the names of the inputs
// whose value differs, each with "before → after".
func changedInputs(content string, governed map[string]any) ([]string, error) {
	var doc struct {
		Inputs map[string]any `json:"inputs"`
	}
	if content != "" {
		if err := json.Unmarshal([]byte(content), &doc); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(governed)) {
		want, have := governed[k], doc.Inputs[k]
		if want == sessionKeyPlaceholder {
			if s, _ := have.(string); strings.Contains(s, ":alias/session-audit-session") || strings.Contains(s, ":key/") || (s != "" && !strings.Contains(s, ":")) {
				continue
			}
		} else if reflect.DeepEqual(want, have) {
			continue
		}
		out = append(out, fmt.Sprintf("%s: %v → %v", k, show(have), show(want)))
	}
	return out, nil
}

func show(v any) string {
	if v == nil {
		return "(absent)"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// getDocument returns the preferences document's content, "" when it does not exist.
func getDocument(ctx context.Context, cfg aws.Config, account, region string) (string, error) {
	out, err := ssm.NewFromConfig(cfg).GetDocument(ctx, &ssm.GetDocumentInput{Name: aws.String(sessiondocs.Preferences), DocumentFormat: ssmtypes.DocumentFormatJson})
	if err != nil {
		if awsapi.KindOf(call(err, "", "", "")) == awsapi.NotFound {
			return "", nil
		}
		return "", call(err, "ssm:GetDocument", account, region)
	}
	return aws.ToString(out.Content), nil
}

func documentCheck(ctx context.Context, e *Env, cfg aws.Config, account, region string) error {
	content, err := getDocument(ctx, cfg, account, region)
	if err != nil {
		return err
	}
	governed := governedInputs(e.Config, account, region)
	if governed == nil {
		return nil
	}
	changes, err := changedInputs(content, governed)
	if err != nil {
		e.Report.Add(report.Finding{Check: "ssm.preferences", Severity: report.Warn, Account: account, Region: region, Subject: sessiondocs.Preferences,
			Message: "the document's content is not JSON: " + err.Error(), Meaning: "the preferences handler cannot adopt it and the member stack fails",
			Fix: "`aws ssm update-document --name SSM-SessionManagerRunShell` with valid JSON content, or delete it (docs/preferences.md)"})
		return nil
	}
	if len(changes) == 0 {
		return nil
	}
	msg := "will change " + strings.Join(changes, "; ")
	if content == "" {
		msg = "does not exist: sessionaudit creates it"
	}
	e.Report.Add(report.Finding{Check: "ssm.preferences", Severity: report.Info, Account: account, Region: region, Subject: sessiondocs.Preferences, Message: msg,
		Meaning: "sessionaudit adopts the document and changes only these inputs; every other input is kept, and deleting the stack restores the version it found",
		Fix:     "nothing to do; review the inputs (docs/preferences.md, \"What sessionaudit governs\")"})
	return nil
}

func recordingCheck(ctx context.Context, e *Env, cfg aws.Config, account, region string) error {
	prefs, err := awsapi.GetRecordingPreferences(ctx, cfg, e.Recorder)
	if err != nil {
		return call(err, "ssm-guiconnect:GetConnectionRecordingPreferences", account, region)
	}
	if prefs == nil || !e.Config.RDPRecording.Enabled || e.Config.Rollout.Phase != config.PhaseEnforced {
		return nil
	}
	central := stacks.CentralBucketName(e.Config)
	for _, b := range prefs.Buckets {
		if b.BucketName != central {
			e.Report.Add(report.Finding{Check: "ssm.rdp-recording", Severity: report.Info, Account: account, Region: region, Subject: b.BucketName,
				Message: fmt.Sprintf("RDP recordings go to %s (key %s); sessionaudit replaces both with the central bucket", b.BucketName, prefs.KMSKeyArn),
				Meaning: "recordings move to the central bucket; deleting the stack restores these preferences", Fix: "nothing to do unless this team needs its own bucket (then set rdpRecording.enabled to false; docs/preferences.md)"})
		}
	}
	return nil
}

// justInTimeCheck finds whether the account and region have just-in-time node access approval
// policies: RDP connections are recorded through just-in-time node access ("Recording RDP
// connections"), and "If no approval policy applies to a node, users can't request access to it"
// (Systems Manager user guide, "Create approval policies for your nodes"). Approval policies are
// SSM documents of type ManualApprovalPolicy or AutoApprovalPolicy (SSM API reference,
// DocumentType).
func justInTimeCheck(ctx context.Context, e *Env, cfg aws.Config, account, region string) error {
	if !e.Config.RDPRecording.Enabled {
		return nil
	}
	p := ssm.NewListDocumentsPaginator(ssm.NewFromConfig(cfg), &ssm.ListDocumentsInput{Filters: []ssmtypes.DocumentKeyValuesFilter{
		{Key: aws.String("DocumentType"), Values: []string{string(ssmtypes.DocumentTypeManualApprovalPolicy), string(ssmtypes.DocumentTypeAutoApprovalPolicy)}},
		{Key: aws.String("Owner"), Values: []string{"Self"}},
	}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return call(err, "ssm:ListDocuments", account, region)
		}
		if len(page.DocumentIdentifiers) > 0 {
			return nil
		}
	}
	e.Report.Add(report.Finding{Check: "ssm.just-in-time", Severity: report.Warn, Account: account, Region: region, Subject: "approval policies",
		Message: "no just-in-time node access approval policy in this account and region",
		Meaning: "RDP connections are recorded only through just-in-time node access, and without an approval policy nobody can request access to a node here: Remote Desktop will not be recorded",
		Fix:     "enable just-in-time node access and create approval policies (Systems Manager user guide, \"Create approval policies for your nodes\"), or set rdpRecording.enabled to false (docs/deploy.md)"})
	return nil
}

func dhmcCheck(ctx context.Context, e *Env, cfg aws.Config, account, region string, roles map[string]int) error {
	id := fmt.Sprintf("arn:%s:ssm:%s:%s:servicesetting%s", partitionOf(region), region, account, DHMCSetting)
	out, err := ssm.NewFromConfig(cfg).GetServiceSetting(ctx, &ssm.GetServiceSettingInput{SettingId: aws.String(id)})
	if err != nil {
		if awsapi.KindOf(call(err, "", "", "")) == awsapi.NotFound {
			return nil
		}
		return call(err, "ssm:GetServiceSetting", account, region)
	}
	v := aws.ToString(out.ServiceSetting.SettingValue)
	if v == "" || v == "$None" {
		return nil
	}
	role := v[strings.LastIndex(v, "/")+1:]
	if _, seen := roles[role]; !seen {
		roles[role] = 0 // checked with the instance roles
	}
	return nil
}

func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// roleCheck: every role of a managed instance (and the DHMC role) needs the instance policy, or
// must be listed in session.instanceRoleNames (docs/rollout.md, "Which instance roles need the
// instance policy").
func roleCheck(ctx context.Context, e *Env, account string, roles map[string]int) error {
	client := iam.NewFromConfig(e.cfg(account, e.Config.HomeRegion))
	for _, role := range slices.Sorted(maps.Keys(roles)) {
		if slices.Contains(e.Config.Session.InstanceRoleNames, role) {
			continue
		}
		has := false
		p := iam.NewListAttachedRolePoliciesPaginator(client, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				if awsapi.KindOf(call(err, "", "", "")) == awsapi.NotFound {
					break
				}
				return call(err, "iam:ListAttachedRolePolicies", account, "")
			}
			for _, a := range out.AttachedPolicies {
				has = has || aws.ToString(a.PolicyName) == InstancePolicyName
			}
		}
		if has {
			continue
		}
		what := fmt.Sprintf("used by %d managed instances", roles[role])
		if roles[role] == 0 {
			what = "the Default Host Management Configuration role"
		}
		e.Report.Add(report.Finding{Check: "iam.instance-roles", Severity: report.Warn, Account: account, Subject: role,
			Message: fmt.Sprintf("role %s (%s) does not carry %s and is not in session.instanceRoleNames", role, what, InstancePolicyName),
			Meaning: "from phase logging its sessions are not logged, and in phase enforced they fail (the agent cannot check the log group's encryption)",
			Fix:     fmt.Sprintf("add %q to session.instanceRoleNames, or attach %s to it after the permissions phase (docs/rollout.md, \"Which instance roles need the instance policy\")", role, InstancePolicyName)})
	}
	return nil
}

// profileRoles adds the roles of the instance profiles (iam:ListInstanceProfiles) to roles.
func profileRoles(ctx context.Context, e *Env, account string, profiles, roles map[string]int) error {
	if len(profiles) == 0 {
		return nil
	}
	p := iam.NewListInstanceProfilesPaginator(iam.NewFromConfig(e.cfg(account, e.Config.HomeRegion)), &iam.ListInstanceProfilesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return call(err, "iam:ListInstanceProfiles", account, "")
		}
		for _, ip := range out.InstanceProfiles {
			n, used := profiles[aws.ToString(ip.InstanceProfileName)]
			if !used {
				continue
			}
			for _, r := range ip.Roles {
				roles[aws.ToString(r.RoleName)] += n
			}
		}
	}
	return nil
}
