package fakeaws

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
	"github.com/sessionaudit/sessionaudit/install"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// StackSetsPrincipal is the service principal of trusted access for StackSets.
const StackSetsPrincipal = "member.org.stacksets.cloudformation.amazonaws.com"

// Healthy is an organization where c is deployed and everything preflight and verify check is in
// order: members accounts in c's first target OU (half of them in a nested OU), the management
// account outside it with the direct deploy, a region-deny SCP that allows every governed and
// sign-in region (and a block-list on SandboxOU, outside the targets), an organization trail,
// every stack and instance, keys, streams, fresh objects.
// Every member has one instance in a private subnet (all endpoints) and one in a public one.
func Healthy(c config.Config, members int, roleName string) *Org {
	now := time.Now().UTC()
	in := stacks.Install(c)
	root := "r-fake"
	o := &Org{
		ID: c.OrganizationID, Root: root, Management: c.ManagementAccountID, LogArchive: c.LogArchiveAccountID,
		Home: c.HomeRegion, Regions: c.Regions, FeatureSet: "ALL", SCPEnabled: true, DeclarativeEC2Enabled: c.Guardrails.DeclarativeSerialConsole, RoleName: roleName,
		TrustedAccess: []string{StackSetsPrincipal}, DelegatedAdmins: map[string][]string{},
		Stacks: map[string]string{}, StackSets: map[string][]*StackInstance{}, Keys: map[string]*Key{},
		Destinations: map[string]string{}, Streams: map[string]string{}, Objects: map[string]time.Time{},
		Subscriptions: map[string][]string{},
	}
	target := c.TargetOrganizationalUnitIDs[0]
	child := "ou-fake-child001"
	if target == root || len(target) < 3 || target[:3] == "r-" {
		target, child = root, "ou-fake-child001"
	}
	if target != root {
		o.OUs = append(o.OUs, &OU{ID: target, Name: "Workloads", Parent: root})
	}
	o.OUs = append(o.OUs, &OU{ID: child, Name: "Nested", Parent: target})
	for _, t := range c.TargetOrganizationalUnitIDs[1:] {
		o.OUs = append(o.OUs, &OU{ID: t, Name: "Target " + t, Parent: root})
	}
	if target != root {
		o.OUs = append(o.OUs, &OU{ID: SandboxOU, Name: "Sandbox", Parent: root})
	}
	o.Accounts = append(o.Accounts, o.newAccount(c, c.ManagementAccountID, "management", root))
	o.Accounts = append(o.Accounts, o.newAccount(c, c.LogArchiveAccountID, "log-archive", target))
	for i := 0; i < members; i++ {
		parent := target
		if i%2 == 1 {
			parent = child
		}
		o.Accounts = append(o.Accounts, o.newAccount(c, AccountID(i), fmt.Sprintf("member-%d", i), parent))
	}
	allowed := slices.Concat(c.Regions, c.ExtraSignInRegions())
	deny, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Sid": "DenyOtherRegions", "Effect": "Deny",
		"NotAction": []string{"iam:*", "organizations:*", "sts:*", "support:*", "account:*"},
		"Resource":  "*", "Condition": map[string]any{"StringNotEquals": map[string]any{"aws:RequestedRegion": allowed}},
	}}})
	full := &Policy{ID: "p-FullAWSAccess", Name: "FullAWSAccess", AWSManaged: true, Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}
	full.Targets = append(full.Targets, root)
	for _, ou := range o.OUs {
		full.Targets = append(full.Targets, ou.ID)
	}
	for _, a := range o.Accounts {
		full.Targets = append(full.Targets, a.ID)
	}
	// The sandbox OU, outside the targets, blocks every governed and sign-in region (a block-list):
	// it denies the StackSet there, but none of its accounts are targeted.
	sandbox, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": map[string]any{
		"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": map[string]any{"StringEquals": map[string]any{"aws:RequestedRegion": allowed}},
	}})
	o.Policies = []*Policy{full, {ID: "p-regiondeny1", Name: "RegionDeny", Content: string(deny), Targets: []string{root}}}
	for i, name := range c.Guardrails.PolicyNames() {
		o.Policies = append(o.Policies, &Policy{ID: fmt.Sprintf("p-sessionaudit%d", i+1), Name: name, Content: `{"Version":"2012-10-17","Statement":[]}`, Targets: c.TargetOrganizationalUnitIDs})
	}
	if target != root {
		o.Policies = append(o.Policies, &Policy{ID: "p-sandbox01", Name: "SandboxRegion", Content: string(sandbox), Targets: []string{SandboxOU}})
	}
	o.Trails = []*Trail{{Name: "org-trail", HomeRegion: c.HomeRegion, Organization: true, Multi: true, Logging: true, ReadWriteType: "All", IncludeManagement: true}}

	// What is deployed.
	mgmt, arch := c.ManagementAccountID, c.LogArchiveAccountID
	o.Stacks[arch+"/"+c.HomeRegion+"/"+stacks.LogArchiveStackName] = "CREATE_COMPLETE"
	o.Stacks[mgmt+"/"+c.HomeRegion+"/"+stacks.MemberStackSetStackName] = "UPDATE_COMPLETE"
	if c.Guardrails.Enabled {
		o.Stacks[mgmt+"/"+c.HomeRegion+"/"+stacks.GuardrailsStackName] = "CREATE_COMPLETE"
	}
	for _, r := range c.Regions {
		o.Stacks[arch+"/"+r+"/"+stacks.ReceiverStackName(r)] = "CREATE_COMPLETE"
		o.Stacks[mgmt+"/"+r+"/"+stacks.MemberStackName] = "CREATE_COMPLETE"
		o.Destinations[r] = in.StreamArn(r)
		o.Streams[install.StreamName(r)] = "ACTIVE"
		o.Keys[r+"/"+install.LogKeyAlias] = &Key{ID: "key-log-" + r, State: "Enabled", MultiRegion: true, Rotation: true, Primary: r == c.HomeRegion}
		o.Keys[r+"/"+install.SessionKeyAlias] = &Key{ID: "key-session-" + r, State: "Enabled", MultiRegion: true, Rotation: true, Primary: r == c.HomeRegion}
		o.Objects[fmt.Sprintf("%s%s/%s/fresh.json.gz", archivelayout.ForwardedPrefix+r+"/", now.Format("2006/01/02"), AccountID(0))] = now.Add(-10 * time.Minute)
	}
	for _, r := range c.ExtraSignInRegions() {
		o.Stacks[mgmt+"/"+r+"/"+stacks.SignInStackName] = "CREATE_COMPLETE"
	}
	for _, a := range o.Accounts {
		if a.ID == mgmt {
			continue
		}
		for _, r := range c.Regions {
			o.StackSets[stacks.MemberStackSetName] = append(o.StackSets[stacks.MemberStackSetName], &StackInstance{Account: a.ID, Region: r, OU: a.Parent, Status: "CURRENT", Detailed: "SUCCEEDED"})
		}
		for _, r := range c.ExtraSignInRegions() {
			o.StackSets[stacks.SignInStackSetName] = append(o.StackSets[stacks.SignInStackSetName], &StackInstance{Account: a.ID, Region: r, OU: a.Parent, Status: "CURRENT", Detailed: "SUCCEEDED"})
		}
	}
	if c.Guardrails.Enabled && c.Guardrails.DeclarativeSerialConsole {
		o.Policies = append(o.Policies, &Policy{ID: "p-serialconsole", Name: config.PolicyNamePrefix + guardrails.PolicySerialConsole, Type: guardrails.DeclarativePolicyType,
			Content: `{"ec2_attributes":{}}`, Targets: c.TargetOrganizationalUnitIDs})
	}
	o.RCPEnabled = c.Guardrails.ProtectArchive
	if c.Guardrails.ProtectArchive {
		for i, name := range []string{guardrails.PolicyArchiveKeep, guardrails.PolicyArchiveFlow, guardrails.PolicyArchiveRCP} {
			typ := ""
			if name == guardrails.PolicyArchiveRCP {
				typ = guardrails.ResourceControlPolicyType
			}
			o.Policies = append(o.Policies, &Policy{ID: fmt.Sprintf("p-archive%d", i+1), Name: config.PolicyNamePrefix + name, Type: typ,
				Content: `{"Version":"2012-10-17","Statement":[]}`, Targets: []string{arch}})
		}
	}
	o.healthyRetention(c, now)
	o.healthyDigests(now)
	topic := fmt.Sprintf("arn:%s:sns:%s:%s:%s", install.Partition(c.HomeRegion), c.HomeRegion, arch, install.BusName)
	o.Subscriptions[topic] = []string{topic + ":0b6a3c1e-confirmed"}
	for _, n := range []string{"notification-dead-letters", "notification-formatter-errors"} {
		o.Alarms = append(o.Alarms, Alarm{Name: install.AlarmNamePrefix + n, State: "OK"})
	}
	return o
}

// SandboxOU is an OU below the root, outside the targets and without accounts, whose SCP allows
// only the home region (when the first target is not the root).
const SandboxOU = "ou-fake-sandbox1"

// InstanceRole is the role of the fake instances; it carries the instance policy.
const InstanceRole = "AppInstanceRole"

func (o *Org) newAccount(c config.Config, id, name, parent string) *Account {
	a := &Account{ID: id, Name: name, Parent: parent, State: "ACTIVE", Profiles: map[string]string{"app-profile": InstanceRole},
		RolePolicies: map[string][]string{InstanceRole: {"AmazonSSMManagedInstanceCore", "SessionAuditInstanceLogging"}}, Regions: map[string]*Region{}}
	a.Roles, a.Users = exemptPrincipals(c)
	in := stacks.Install(c)
	for _, r := range c.Regions {
		logGroup := sessionprefs.LogGroupNamePrefix + id
		a.Regions[r] = &Region{
			Document:         DesiredDocument(c, id, r),
			ApprovalPolicies: []string{"NodeAccessApproval"},
			Nodes: []Node{
				{InstanceID: "i-0private" + id[6:], VPC: "vpc-private", Subnet: "subnet-private", Profile: "app-profile"},
				{InstanceID: "i-0public0" + id[6:], VPC: "vpc-public", Subnet: "subnet-public", Profile: "app-profile"},
			},
			Endpoints:      map[string][]string{"vpc-private": endpointsFor(c, r)},
			NoDefaultRoute: map[string]bool{"subnet-private": true},
			LogGroups:      map[string]bool{logGroup: true},
			Filters:        map[string][]string{logGroup: {in.DestinationArn(r)}},
			Rules:          map[string]string{install.MemberNamePrefix + "sessions": "ENABLED"},
			// The doors are closed: serial console access disabled, no Instance Connect Endpoint,
			// and one ECS cluster whose ECS Exec sessions go to a log group.
			Clusters: []Cluster{{Name: "app", Logging: "OVERRIDE", LogGroup: "/ecs/exec/app"}},
		}
	}
	return a
}

func endpointsFor(c config.Config, region string) []string {
	var out []string
	for _, s := range []string{"ssm", "ssmmessages", "ec2messages", "logs", "kms", "s3"} {
		out = append(out, "com.amazonaws."+region+"."+s)
	}
	return out
}

// DesiredDocument is a preferences document as sessionaudit writes it for c (the governed inputs
// of docs/preferences.md at phase enforced).
func DesiredDocument(c config.Config, account, region string) string {
	in := stacks.Install(c)
	inputs := map[string]any{
		"cloudWatchLogGroupName": sessionprefs.LogGroupNamePrefix + account, "cloudWatchEncryptionEnabled": true,
		"cloudWatchStreamingEnabled": c.Session.CloudWatchStreaming, "kmsKeyId": "",
	}
	if c.Session.EncryptionKey == config.SessionKeyOrganization {
		inputs["kmsKeyId"] = fmt.Sprintf("arn:%s:kms:%s:%s:%s", install.Partition(region), region, c.LogArchiveAccountID, install.SessionKeyAlias)
	}
	if region == c.HomeRegion {
		inputs["s3BucketName"] = in.CentralBucketName()
		inputs["s3KeyPrefix"] = archivelayout.TranscriptKeyPrefix(account, region)
		inputs["s3EncryptionEnabled"] = true
	}
	doc, _ := json.Marshal(map[string]any{"schemaVersion": "1.0", "description": "sessionaudit", "sessionType": "Standard_Stream", "inputs": inputs})
	return string(doc)
}
