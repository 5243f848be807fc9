package fakeaws

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Serve registers the organization's handlers on s. Response shapes follow each API reference:
// Organizations (DescribeOrganization, ListRoots, ListAWSServiceAccessForOrganization,
// ListDelegatedAdministrators, ListOrganizationalUnitsForParent, ListAccountsForParent,
// ListPoliciesForTarget, ListPolicies, ListTargetsForPolicy, DescribePolicy), STS (GetCallerIdentity, AssumeRole), CloudTrail
// (DescribeTrails, GetEventSelectors, GetTrailStatus), and the member and log-archive services of
// handlers_member.go and handlers_archive.go.
func (o *Org) Serve(s *Server) {
	h := func(service, op string, fn Handler) {
		s.Handle(service, op, func(r *Request) (any, error) {
			o.mu.Lock()
			defer o.mu.Unlock()
			return fn(r)
		})
	}
	orgArn := fmt.Sprintf("arn:aws:organizations::%s:organization/%s", o.Management, o.ID)
	h("organizations", "DescribeOrganization", func(r *Request) (any, error) {
		org := map[string]any{"Id": o.ID, "Arn": orgArn,
			"MasterAccountId": o.Management, "MasterAccountArn": "arn:aws:organizations::" + o.Management + ":account/" + o.ID + "/" + o.Management}
		if o.FeatureSet != "" {
			org["FeatureSet"] = o.FeatureSet
		}
		return map[string]any{"Organization": org}, nil
	})
	h("organizations", "ListRoots", func(r *Request) (any, error) {
		types := []any{}
		if o.SCPEnabled {
			types = append(types, map[string]any{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"})
		}
		if o.DeclarativeEC2Enabled {
			types = append(types, map[string]any{"Type": "DECLARATIVE_POLICY_EC2", "Status": "ENABLED"})
		}
		if o.RCPEnabled {
			types = append(types, map[string]any{"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"})
		}
		if o.NoRoots {
			return map[string]any{"Roots": []any{}}, nil
		}
		page, next := o.paged(r, []any{map[string]any{"Id": o.Root, "Name": "Root", "Arn": "arn:aws:organizations::" + o.Management + ":root/" + o.ID + "/" + o.Root, "PolicyTypes": types}}, "NextToken", "MaxResults")
		return withToken(map[string]any{"Roots": page}, "NextToken", next), nil
	})
	h("organizations", "ListAWSServiceAccessForOrganization", func(r *Request) (any, error) {
		var items []any
		for _, p := range o.TrustedAccess {
			items = append(items, map[string]any{"ServicePrincipal": p, "DateEnabled": time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)})
		}
		page, next := o.page(items, r.Str("NextToken"))
		return withToken(map[string]any{"EnabledServicePrincipals": page}, "NextToken", next), nil
	})
	h("organizations", "ListDelegatedAdministrators", func(r *Request) (any, error) {
		var items []any
		for _, id := range o.DelegatedAdmins[r.Str("ServicePrincipal")] {
			items = append(items, map[string]any{"Id": id, "Name": "delegated", "Status": "ACTIVE", "Arn": "arn:aws:organizations::" + o.Management + ":account/" + o.ID + "/" + id})
		}
		page, next := o.page(items, r.Str("NextToken"))
		return withToken(map[string]any{"DelegatedAdministrators": page}, "NextToken", next), nil
	})
	h("organizations", "ListOrganizationalUnitsForParent", func(r *Request) (any, error) {
		parent := r.Str("ParentId")
		if !o.parentExists(parent) {
			return nil, &APIError{400, "ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified."}
		}
		var items []any
		for _, ou := range o.OUs {
			if ou.Parent == parent {
				items = append(items, map[string]any{"Id": ou.ID, "Name": ou.Name, "Arn": "arn:aws:organizations::" + o.Management + ":ou/" + o.ID + "/" + ou.ID})
			}
		}
		page, next := o.page(items, r.Str("NextToken"))
		return withToken(map[string]any{"OrganizationalUnits": page}, "NextToken", next), nil
	})
	h("organizations", "ListAccountsForParent", func(r *Request) (any, error) {
		var items []any
		for _, a := range o.Accounts {
			if a.Parent == r.Str("ParentId") {
				m := map[string]any{"Id": a.ID, "Name": a.Name, "Email": a.Name + "@example.com",
					"JoinedMethod": "CREATED", "Arn": "arn:aws:organizations::" + o.Management + ":account/" + o.ID + "/" + a.ID}
				if o.AccountFields != StatusOnly && a.State != "" {
					m["State"] = a.State
				}
				if st := statusOf(a.State); o.AccountFields != StateOnly && st != "" {
					m["Status"] = st
				}
				items = append(items, m)
			}
		}
		page, next := o.page(items, r.Str("NextToken"))
		return withToken(map[string]any{"Accounts": page}, "NextToken", next), nil
	})
	h("organizations", "ListPoliciesForTarget", func(r *Request) (any, error) {
		// Filter is required (Organizations API reference, ListPoliciesForTarget): the policies of
		// that type attached directly to the target.
		filter := r.Str("Filter")
		if (filter == "SERVICE_CONTROL_POLICY" && !o.SCPEnabled) || (filter == "RESOURCE_CONTROL_POLICY" && !o.RCPEnabled) || (filter == "DECLARATIVE_POLICY_EC2" && !o.DeclarativeEC2Enabled) {
			return nil, &APIError{400, "PolicyTypeNotEnabledException", "This operation can be performed only for enabled policy types."}
		}
		var items []any
		for _, p := range o.Policies {
			if p.TypeOf() == filter && slices.Contains(p.Targets, r.Str("TargetId")) {
				items = append(items, map[string]any{"Id": p.ID, "Name": p.Name, "Type": p.TypeOf(), "AwsManaged": p.AWSManaged,
					"Arn": "arn:aws:organizations::" + o.Management + ":policy/" + o.ID + "/" + strings.ToLower(p.TypeOf()) + "/" + p.ID})
			}
		}
		page, next := o.page(items, r.Str("NextToken"))
		return withToken(map[string]any{"Policies": page}, "NextToken", next), nil
	})
	h("organizations", "ListPolicies", func(r *Request) (any, error) {
		if r.Str("Filter") != "SERVICE_CONTROL_POLICY" {
			return map[string]any{"Policies": []any{}}, nil
		}
		var items []any
		for _, p := range o.Policies {
			if p.TypeOf() != "SERVICE_CONTROL_POLICY" {
				continue
			}
			items = append(items, map[string]any{"Id": p.ID, "Name": p.Name, "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": p.AWSManaged,
				"Arn": "arn:aws:organizations::" + o.Management + ":policy/" + o.ID + "/service_control_policy/" + p.ID})
		}
		page, next := o.paged(r, items, "NextToken", "MaxResults")
		return withToken(map[string]any{"Policies": page}, "NextToken", next), nil
	})
	h("organizations", "ListTargetsForPolicy", func(r *Request) (any, error) {
		for _, p := range o.Policies {
			if p.ID != r.Str("PolicyId") {
				continue
			}
			var items []any
			for _, t := range p.Targets {
				typ, name, arn := "ACCOUNT", t, "account/"+o.ID+"/"+t
				switch {
				case t == o.Root:
					typ, name, arn = "ROOT", "Root", "root/"+o.ID+"/"+t
				case strings.HasPrefix(t, "ou-"):
					typ, name, arn = "ORGANIZATIONAL_UNIT", t, "ou/"+o.ID+"/"+t
				}
				items = append(items, map[string]any{"TargetId": t, "Name": name, "Type": typ, "Arn": "arn:aws:organizations::" + o.Management + ":" + arn})
			}
			page, next := o.paged(r, items, "NextToken", "MaxResults")
			return withToken(map[string]any{"Targets": page}, "NextToken", next), nil
		}
		return nil, &APIError{400, "PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified."}
	})
	h("organizations", "DescribePolicy", func(r *Request) (any, error) {
		for _, p := range o.Policies {
			if p.ID == r.Str("PolicyId") {
				return map[string]any{"Policy": map[string]any{"Content": p.Content, "PolicySummary": map[string]any{"Id": p.ID, "Name": p.Name, "Type": p.TypeOf(), "AwsManaged": p.AWSManaged}}}, nil
			}
		}
		return nil, &APIError{400, "PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified."}
	})
	s.Handle("sts", "GetCallerIdentity", func(r *Request) (any, error) {
		return map[string]any{"Account": r.Account, "Arn": "arn:aws:sts::" + r.Account + ":assumed-role/Operator/session", "UserId": "AROAFAKE:session"}, nil
	})
	s.Handle("sts", "AssumeRole", func(r *Request) (any, error) {
		arn := r.Str("RoleArn") // arn:aws:iam::<account>:role/<name>
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) != 6 {
			return nil, &APIError{400, "ValidationError", "invalid RoleArn"}
		}
		account, name := parts[4], strings.TrimPrefix(parts[5], "role/")
		o.mu.Lock()
		a := o.Account(account)
		ok := a != nil && !a.NoRole && name == o.RoleName
		o.mu.Unlock()
		if !ok {
			return nil, &APIError{403, "AccessDenied", "User: arn:aws:sts::" + r.Account + ":assumed-role/Operator/session is not authorized to perform: sts:AssumeRole on resource: " + arn}
		}
		key := "ASIA" + account
		s.AddKey(key, account)
		return map[string]any{
			"Credentials":     map[string]any{"AccessKeyId": key, "SecretAccessKey": "fake-secret", "SessionToken": "fake-token", "Expiration": time.Now().Add(time.Hour)},
			"AssumedRoleUser": map[string]any{"Arn": "arn:aws:sts::" + account + ":assumed-role/" + name + "/" + r.Str("RoleSessionName"), "AssumedRoleId": "AROAFAKE:" + r.Str("RoleSessionName")},
		}, nil
	})
	h("cloudtrail", "DescribeTrails", func(r *Request) (any, error) {
		// A region answers its own trails and, unless includeShadowTrails is false, the shadows of
		// multi-Region trails homed elsewhere; a single-Region trail of another region is not
		// listed (CloudTrail API reference, DescribeTrails).
		shadows, ok := r.Params["includeShadowTrails"].(bool)
		shadows = shadows || !ok
		var list []any
		for _, t := range o.Trails {
			if t.HomeRegion != r.Region && (!t.Multi || !shadows) {
				continue
			}
			list = append(list, map[string]any{"Name": t.Name, "HomeRegion": t.HomeRegion, "IsOrganizationTrail": t.Organization, "IsMultiRegionTrail": t.Multi,
				"TrailARN": "arn:aws:cloudtrail:" + t.HomeRegion + ":" + o.Management + ":trail/" + t.Name, "S3BucketName": "org-trail-bucket"})
		}
		return map[string]any{"trailList": list}, nil
	})
	h("cloudtrail", "GetEventSelectors", func(r *Request) (any, error) {
		t := o.trail(r.Str("TrailName"))
		if t == nil {
			return nil, &APIError{400, "TrailNotFoundException", "Unknown trail"}
		}
		if t.Advanced != nil {
			return map[string]any{"TrailARN": r.Str("TrailName"), "AdvancedEventSelectors": t.Advanced}, nil
		}
		return map[string]any{"TrailARN": r.Str("TrailName"), "EventSelectors": []any{map[string]any{"ReadWriteType": t.ReadWriteType, "IncludeManagementEvents": t.IncludeManagement}}}, nil
	})
	h("cloudtrail", "GetTrailStatus", func(r *Request) (any, error) {
		t := o.trail(r.Str("Name"))
		if t == nil {
			return nil, &APIError{400, "TrailNotFoundException", "Unknown trail"}
		}
		return map[string]any{"IsLogging": t.Logging}, nil
	})
	o.serveMember(s, h)
	o.serveIdentity(h)
	o.serveDoors(h)
	o.serveArchive(s, h)
	o.serveRetention(s)
	o.serveVersions(s)
	o.serveProbe(s, h)
}

func (o *Org) trail(nameOrArn string) *Trail {
	for _, t := range o.Trails {
		if t.Name == nameOrArn || strings.HasSuffix(nameOrArn, ":trail/"+t.Name) {
			return t
		}
	}
	return nil
}

func (o *Org) parentExists(id string) bool {
	if id == o.Root {
		return true
	}
	for _, ou := range o.OUs {
		if ou.ID == id {
			return true
		}
	}
	return false
}

func withToken(m map[string]any, name, token string) map[string]any {
	if token != "" {
		m[name] = token
	}
	return m
}
