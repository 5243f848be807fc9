package fakeaws

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/regions"
)

// Principal is an IAM role or user of an account: its path ("/" or "/a/b/") and name.
type Principal struct{ Path, Name string }

// RegionLeftOut as an Account.OptIn value leaves the region out of DescribeRegions' answer.
const RegionLeftOut = "-"

// exemptPrincipals are one role or user per guardrails.exemptPrincipalArns pattern of c, named as
// the pattern says with each wildcard filled in (an Identity Center pattern gives a role under
// /aws-reserved/sso.amazonaws.com/<region>/): a healthy organization has the principals it exempts.
func exemptPrincipals(c config.Config) (roles, users []Principal) {
	for _, pattern := range c.Guardrails.ExemptPrincipalArns {
		parts := strings.SplitN(pattern, ":", 6)
		if len(parts) != 6 {
			continue
		}
		resource := strings.NewReplacer("*", c.HomeRegion, "?", "x").Replace(parts[5])
		kind, rest, _ := strings.Cut(resource, "/")
		i := strings.LastIndex(rest, "/")
		p := Principal{Path: "/" + rest[:i+1], Name: rest[i+1:]}
		switch kind {
		case "role":
			roles = append(roles, p)
		case "user":
			users = append(users, p)
		}
	}
	return roles, users
}

// regionNotEnabled is the answer of a call in a region the account has not enabled: its
// credentials are not valid there (AWS Account Management reference guide, "Enable or disable AWS
// Regions in your account": a disabled region's resources cannot be used).
func regionNotEnabled(service string) *APIError {
	switch protocolOf(service) {
	case "ec2":
		return &APIError{401, "AuthFailure", "AWS was not able to validate the provided access credentials"}
	case "query", "s3":
		return &APIError{403, "InvalidClientTokenId", "The security token included in the request is invalid."}
	}
	return &APIError{400, "UnrecognizedClientException", "The security token included in the request is invalid."}
}

// serveIdentity registers the account-level reads: EC2 DescribeRegions (EC2 API reference: the
// regionInfo items' regionName, regionEndpoint and optInStatus, "opt-in-not-required | opted-in |
// not-opted-in"; without AllRegions only the enabled regions; not paginated), IAM ListRoles and
// ListUsers (IAM API reference: PathPrefix, Marker, IsTruncated; each Role and User with Path,
// Name, Id, Arn and CreateDate).
func (o *Org) serveIdentity(h func(string, string, Handler)) {
	h("ec2", "DescribeRegions", func(r *Request) (any, error) {
		a, _, err := o.region(r)
		if err != nil {
			return nil, err
		}
		named := map[string]bool{}
		for i := 1; r.Form.Get(fmt.Sprintf("RegionName.%d", i)) != ""; i++ {
			named[r.Form.Get(fmt.Sprintf("RegionName.%d", i))] = true
		}
		all := r.Form.Get("AllRegions") == "true"
		var items []any
		for _, reg := range regions.All() {
			if reg.Partition != regions.Partition(r.Region) || (len(named) > 0 && !named[reg.Name]) {
				continue
			}
			status := "opt-in-not-required"
			if reg.OptIn {
				status = "opted-in"
			}
			override, set := a.OptIn[reg.Name]
			if set {
				status = override
			}
			if status == RegionLeftOut || (!all && status == "not-opted-in") {
				continue
			}
			item := map[string]any{"regionName": reg.Name, "regionEndpoint": "ec2." + reg.Name + ".amazonaws.com"}
			if status != "" {
				item["optInStatus"] = status
			}
			items = append(items, item)
		}
		return map[string]any{"regionInfo": items}, nil
	})
	// kind is "role" or "user", as in the ARN; Kind is the shapes' "Role" or "User".
	list := func(kind, Kind string, principals func(*Account) []Principal) Handler {
		return func(r *Request) (any, error) {
			a, _, err := o.region(r)
			if err != nil {
				return nil, err
			}
			prefix := r.Str("PathPrefix")
			if prefix == "" {
				prefix = "/"
			}
			var items []any
			for _, p := range principals(a) {
				if !strings.HasPrefix(p.Path, prefix) {
					continue
				}
				id := map[string]string{"role": "AROA", "user": "AIDA"}[kind]
				item := map[string]any{"Path": p.Path, Kind + "Name": p.Name, Kind + "Id": id + "FAKE" + strings.ToUpper(p.Name),
					"Arn": "arn:aws:iam::" + a.ID + ":" + kind + p.Path + p.Name, "CreateDate": "2024-01-01T00:00:00Z"}
				items = append(items, item)
			}
			page, next := o.page(items, r.Str("Marker"))
			return iamPage(map[string]any{Kind + "s": page}, next), nil
		}
	}
	h("iam", "ListRoles", list("role", "Role", func(a *Account) []Principal {
		seen := map[string]bool{}
		var out []Principal
		add := func(p Principal) {
			if !seen[p.Name] {
				seen[p.Name] = true
				out = append(out, p)
			}
		}
		if !a.NoRole {
			add(Principal{Path: "/", Name: o.RoleName})
		}
		for _, profile := range slices.Sorted(maps.Keys(a.Profiles)) {
			add(Principal{Path: "/", Name: a.Profiles[profile]})
		}
		for _, p := range a.Roles {
			add(p)
		}
		return out
	}))
	h("iam", "ListUsers", list("user", "User", func(a *Account) []Principal { return a.Users }))
}
