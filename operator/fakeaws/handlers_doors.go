package fakeaws

import (
	"fmt"
	"strings"
)

// serveDoors registers the reads of the open doors (operator/check/doors.go), shaped as the API
// references define them: EC2 GetSerialConsoleAccessStatus (serialConsoleAccessEnabled,
// managedBy) and DescribeInstanceConnectEndpoints (instanceConnectEndpointSet, nextToken) in the
// EC2 query protocol; ECS ListClusters (clusterArns, nextToken) and DescribeClusters (clusters,
// failures; at most 100 clusters a call; the configuration only with include CONFIGURATIONS) in
// AWS JSON 1.1.
func (o *Org) serveDoors(h func(string, string, Handler)) {
	h("ec2", "GetSerialConsoleAccessStatus", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		out := map[string]any{"managedBy": "account"}
		if reg.SerialConsoleManagedBy != "" {
			out["managedBy"] = reg.SerialConsoleManagedBy
		}
		switch reg.SerialConsole {
		case NoAnswer:
		case "":
			out["serialConsoleAccessEnabled"] = "false"
		default:
			out["serialConsoleAccessEnabled"] = reg.SerialConsole
		}
		return out, nil
	})
	h("ec2", "DescribeInstanceConnectEndpoints", func(r *Request) (any, error) {
		a, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		var items []any
		for _, ep := range reg.ICEndpoints {
			item := map[string]any{"instanceConnectEndpointId": ep.ID, "ownerId": a.ID, "vpcId": ep.VPC, "subnetId": ep.Subnet,
				"instanceConnectEndpointArn": "arn:aws:ec2:" + r.Region + ":" + a.ID + ":instance-connect-endpoint/" + ep.ID,
				"dnsName":                    ep.ID + ".ec2-instance-connect-endpoint." + r.Region + ".amazonaws.com", "preserveClientIp": false}
			if ep.State != "" {
				item["state"] = ep.State
			}
			items = append(items, item)
		}
		page, next := o.paged(r, items, "NextToken", "MaxResults")
		return withToken(map[string]any{"instanceConnectEndpointSet": page}, "nextToken", next), nil
	})
	arn := func(r *Request, name string) string {
		return "arn:aws:ecs:" + r.Region + ":" + r.Account + ":cluster/" + name
	}
	h("ecs", "ListClusters", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		var items []any
		for _, c := range reg.Clusters {
			items = append(items, arn(r, c.Name))
		}
		page, next := o.paged(r, items, "nextToken", "maxResults")
		return withToken(map[string]any{"clusterArns": page}, "nextToken", next), nil
	})
	h("ecs", "DescribeClusters", func(r *Request) (any, error) {
		_, reg, err := o.region(r)
		if err != nil {
			return nil, err
		}
		wanted, _ := r.Params["clusters"].([]any)
		if len(wanted) > 100 {
			return nil, &APIError{400, "InvalidParameterException", fmt.Sprintf("Clusters cannot have more than 100 elements (got %d)", len(wanted))}
		}
		configurations := false
		include, _ := r.Params["include"].([]any)
		for _, i := range include {
			configurations = configurations || i == "CONFIGURATIONS"
		}
		clusters, failures := []any{}, []any{}
		for _, w := range wanted {
			name, _ := w.(string)
			name = name[strings.LastIndex(name, "/")+1:]
			var found *Cluster
			for i := range reg.Clusters {
				if reg.Clusters[i].Name == name && !reg.Clusters[i].Missing {
					found = &reg.Clusters[i]
				}
			}
			if found == nil {
				failures = append(failures, map[string]any{"arn": arn(r, name), "reason": "MISSING"})
				continue
			}
			status := found.Status
			if status == "" {
				status = "ACTIVE"
			}
			c := map[string]any{"clusterArn": arn(r, name), "clusterName": name, "status": status, "registeredContainerInstancesCount": 0, "runningTasksCount": 1}
			if configurations && found.Logging != "" {
				ecc := map[string]any{"logging": found.Logging}
				lc := map[string]any{}
				if found.LogGroup != "" {
					lc["cloudWatchLogGroupName"], lc["cloudWatchEncryptionEnabled"] = found.LogGroup, false
				}
				if found.Bucket != "" {
					lc["s3BucketName"], lc["s3EncryptionEnabled"] = found.Bucket, false
				}
				if len(lc) > 0 {
					ecc["logConfiguration"] = lc
				}
				c["configuration"] = map[string]any{"executeCommandConfiguration": ecc}
			}
			clusters = append(clusters, c)
		}
		return map[string]any{"clusters": clusters, "failures": failures}, nil
	})
}
