package fakeaws

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

func (o *Org) region(r *Request) (*Account, *Region, error) {
	a := o.Account(r.Account)
	if a == nil {
		return nil, nil, &APIError{403, "AccessDeniedException", "unknown account"}
	}
	if a.OptIn[r.Region] == "not-opted-in" {
		return nil, nil, regionNotEnabled(r.Service)
	}
	reg := a.Regions[r.Region]
	if reg == nil {
		reg = &Region{DLQ: -1}
	}
	return a, reg, nil
}

// ec2Filter returns the values of the EC2 query filter named name (Filter.N.Name/Filter.N.Value.M).
func ec2Filter(r *Request, name string) []string {
	var out []string
	for i := 1; ; i++ {
		n := r.Form.Get(fmt.Sprintf("Filter.%d.Name", i))
		if n == "" {
			return out
		}
		if n != name {
			continue
		}
		for j := 1; ; j++ {
			v := r.Form.Get(fmt.Sprintf("Filter.%d.Value.%d", i, j))
			if v == "" {
				break
			}
			out = append(out, v)
		}
	}
}

func (o *Org) serveMember(s *Server, h func(string, string, Handler)) {
	h("ssm", "GetDocument", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		if reg.Document == "" {
			return nil, &APIError{400, "InvalidDocument", "Document with name " + r.Str("Name") + " does not exist."}
		}
		return map[string]any{"Name": r.Str("Name"), "Content": reg.Document, "DocumentFormat": "JSON", "DocumentType": "Session", "DocumentVersion": "3", "Status": "Active"}, nil
	})
	// ListDocuments with the filters DocumentType (ManualApprovalPolicy, AutoApprovalPolicy) and
	// Owner Self: the just-in-time node access approval policies (SSM API reference,
	// DocumentKeyValuesFilter; DocumentType enum).
	h("ssm", "ListDocuments", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		var ids []any
		for _, name := range reg.ApprovalPolicies {
			ids = append(ids, map[string]any{"Name": name, "DocumentType": "ManualApprovalPolicy", "Owner": r.Account})
		}
		page, next := o.paged(r, ids, "NextToken", "MaxResults")
		return withToken(map[string]any{"DocumentIdentifiers": page}, "NextToken", next), nil
	})
	h("ssm", "GetServiceSetting", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		value, status := "$None", "Default"
		if reg.DHMCRole != "" {
			value, status = reg.DHMCRole, "Customized"
		}
		return map[string]any{"ServiceSetting": map[string]any{"SettingId": r.Str("SettingId"), "SettingValue": value, "Status": status}}, nil
	})
	h("ssm", "DescribeInstanceInformation", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		var items []any
		for _, n := range reg.Nodes {
			items = append(items, map[string]any{"InstanceId": n.InstanceID, "PingStatus": "Online", "ResourceType": "EC2Instance", "PlatformType": "Linux"})
		}
		page, next := o.paged(r, items, "NextToken", "MaxResults")
		return withToken(map[string]any{"InstanceInformationList": page}, "NextToken", next), nil
	})
	h("ssm-guiconnect", "GetConnectionRecordingPreferences", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		if reg.Recording == nil {
			return nil, &APIError{404, "ResourceNotFoundException", "No connection recording preferences found"}
		}
		return map[string]any{"ClientToken": "t", "ConnectionRecordingPreferences": map[string]any{"KMSKeyArn": reg.Recording.KMSKeyArn,
			"RecordingDestinations": map[string]any{"S3Buckets": []any{map[string]any{"BucketName": reg.Recording.Bucket, "BucketOwner": reg.Recording.Owner}}}}}, nil
	})
	h("iam", "ListInstanceProfiles", func(r *Request) (any, error) {
		a, _, err := o.region(r)
		if err != nil {
			return nil, err
		}
		var names []string
		for n := range a.Profiles {
			names = append(names, n)
		}
		sort.Strings(names)
		var items []any
		for _, n := range names {
			role := a.Profiles[n]
			items = append(items, map[string]any{"InstanceProfileName": n, "InstanceProfileId": "AIPAFAKE", "Path": "/", "CreateDate": "2024-01-01T00:00:00Z",
				"Arn": "arn:aws:iam::" + a.ID + ":instance-profile/" + n, "Roles": []any{map[string]any{"RoleName": role, "RoleId": "AROAFAKE", "Path": "/",
					"Arn": "arn:aws:iam::" + a.ID + ":role/" + role, "CreateDate": "2024-01-01T00:00:00Z"}}})
		}
		page, next := o.paged(r, items, "Marker", "MaxItems")
		return iamPage(map[string]any{"InstanceProfiles": page}, next), nil
	})
	h("iam", "ListAttachedRolePolicies", func(r *Request) (any, error) {
		a, _, err := o.region(r)
		if err != nil {
			return nil, err
		}
		policies, ok := a.RolePolicies[r.Str("RoleName")]
		if !ok {
			return nil, &APIError{404, "NoSuchEntity", "The role with name " + r.Str("RoleName") + " cannot be found."}
		}
		var items []any
		for _, p := range policies {
			arn := "arn:aws:iam::aws:policy/" + p
			if strings.HasPrefix(p, "SessionAudit") {
				arn = "arn:aws:iam::" + a.ID + ":policy/" + p
			}
			items = append(items, map[string]any{"PolicyName": p, "PolicyArn": arn})
		}
		page, next := o.paged(r, items, "Marker", "MaxItems")
		return iamPage(map[string]any{"AttachedPolicies": page}, next), nil
	})
	h("ec2", "DescribeInstances", func(r *Request) (any, error) {
		a, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		wanted := map[string]bool{}
		for i := 1; r.Form.Get(fmt.Sprintf("InstanceId.%d", i)) != ""; i++ {
			wanted[r.Form.Get(fmt.Sprintf("InstanceId.%d", i))] = true
		}
		var items []any
		for _, n := range reg.Nodes {
			if len(wanted) > 0 && !wanted[n.InstanceID] {
				continue
			}
			inst := map[string]any{"instanceId": n.InstanceID, "vpcId": n.VPC, "subnetId": n.Subnet, "instanceState": map[string]any{"code": 16, "name": "running"}}
			if n.Profile != "" {
				inst["iamInstanceProfile"] = map[string]any{"arn": "arn:aws:iam::" + a.ID + ":instance-profile/" + n.Profile, "id": "AIPAFAKE"}
			}
			items = append(items, map[string]any{"reservationId": "r-" + n.InstanceID, "ownerId": a.ID, "instancesSet": []any{inst}})
		}
		page, next := o.paged(r, items, "NextToken", "MaxResults")
		return withToken(map[string]any{"reservationSet": page}, "nextToken", next), nil
	})
	h("ec2", "DescribeVpcEndpoints", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		var items []any
		for _, vpc := range ec2Filter(r, "vpc-id") {
			for i, svc := range reg.Endpoints[vpc] {
				typ := "Interface"
				if strings.HasSuffix(svc, ".s3") {
					typ = "Gateway"
				}
				state := "available" // the API answers states in lower case (EC2 API reference, VpcEndpoint)
				if st, ok := reg.EndpointStates[svc]; ok {
					state = st
				}
				items = append(items, map[string]any{"vpcEndpointId": fmt.Sprintf("vpce-%s%d", vpc, i), "vpcId": vpc, "serviceName": svc, "vpcEndpointType": typ,
					"state": state, "privateDnsEnabled": typ == "Interface" && !reg.NoPrivateDNS[svc]})
			}
		}
		page, next := o.paged(r, items, "NextToken", "MaxResults")
		return withToken(map[string]any{"vpcEndpointSet": page}, "nextToken", next), nil
	})
	h("ec2", "DescribeRouteTables", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		var items []any
		for _, vpc := range ec2Filter(r, "vpc-id") {
			subnets := map[string]bool{}
			for _, n := range reg.Nodes {
				if n.VPC == vpc {
					subnets[n.Subnet] = true
				}
			}
			for subnet := range subnets {
				routes := []any{map[string]any{"destinationCidrBlock": "10.0.0.0/16", "gatewayId": "local", "state": "active"}}
				if !reg.NoDefaultRoute[subnet] {
					routes = append(routes, map[string]any{"destinationCidrBlock": "0.0.0.0/0", "natGatewayId": "nat-0fake", "state": "active"})
				}
				items = append(items, map[string]any{"routeTableId": "rtb-" + subnet, "vpcId": vpc,
					"associationSet": []any{map[string]any{"routeTableAssociationId": "rtbassoc-" + subnet, "subnetId": subnet, "main": false}}, "routeSet": routes})
			}
		}
		page, next := o.paged(r, items, "NextToken", "MaxResults")
		return withToken(map[string]any{"routeTableSet": page}, "nextToken", next), nil
	})
	h("logs", "DescribeLogGroups", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		var items []any
		for _, name := range slices.Sorted(maps.Keys(reg.LogGroups)) {
			if strings.HasPrefix(name, r.Str("logGroupNamePrefix")) {
				items = append(items, map[string]any{"logGroupName": name, "arn": "arn:aws:logs:" + r.Region + ":" + r.Account + ":log-group:" + name + ":*", "kmsKeyId": "arn:aws:kms:" + r.Region + ":" + o.LogArchive + ":key/key-log-" + r.Region})
			}
		}
		page, next := o.paged(r, items, "nextToken", "limit")
		return withToken(map[string]any{"logGroups": page}, "nextToken", next), nil
	})
	h("logs", "DescribeSubscriptionFilters", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		if !reg.LogGroups[r.Str("logGroupName")] {
			return nil, &APIError{400, "ResourceNotFoundException", "The specified log group does not exist."}
		}
		var items []any
		for i, d := range reg.Filters[r.Str("logGroupName")] {
			items = append(items, map[string]any{"filterName": fmt.Sprintf("filter-%d", i), "logGroupName": r.Str("logGroupName"), "destinationArn": d, "filterPattern": ""})
		}
		page, next := o.paged(r, items, "nextToken", "limit")
		return withToken(map[string]any{"subscriptionFilters": page}, "nextToken", next), nil
	})
	h("events", "ListRules", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		var items []any
		for _, name := range slices.Sorted(maps.Keys(reg.Rules)) {
			state := reg.Rules[name]
			if strings.HasPrefix(name, r.Str("NamePrefix")) {
				items = append(items, map[string]any{"Name": name, "State": state, "EventBusName": "default", "Arn": "arn:aws:events:" + r.Region + ":" + r.Account + ":rule/" + name})
			}
		}
		page, next := o.paged(r, items, "NextToken", "Limit")
		return withToken(map[string]any{"Rules": page}, "NextToken", next), nil
	})
	h("sqs", "GetQueueUrl", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		if reg.DLQ < 0 {
			return nil, &APIError{400, "QueueDoesNotExist", "The specified queue does not exist."}
		}
		return map[string]any{"QueueUrl": "https://sqs." + r.Region + ".amazonaws.com/" + r.Account + "/" + r.Str("QueueName")}, nil
	})
	h("sqs", "GetQueueAttributes", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		return map[string]any{"Attributes": map[string]any{"ApproximateNumberOfMessages": fmt.Sprint(max(reg.DLQ, 0))}}, nil
	})
}

func iamPage(m map[string]any, next string) map[string]any {
	m["IsTruncated"] = next != ""
	if next != "" {
		m["Marker"] = next
	}
	return m
}
