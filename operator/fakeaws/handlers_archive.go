package fakeaws

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

func (o *Org) serveArchive(s *Server, h func(string, string, Handler)) {
	h("cloudformation", "DescribeStacks", func(r *Request) (any, error) {
		name := r.Str("StackName")
		status, ok := o.Stacks[r.Account+"/"+r.Region+"/"+name]
		if !ok {
			return nil, &APIError{400, "ValidationError", "Stack with id " + name + " does not exist"}
		}
		return map[string]any{"Stacks": []any{map[string]any{"StackName": name, "StackStatus": status, "CreationTime": stackCreated,
			"StackId": "arn:aws:cloudformation:" + r.Region + ":" + r.Account + ":stack/" + name + "/fake"}}}, nil
	})
	h("cloudformation", "ListStackInstances", func(r *Request) (any, error) {
		list, ok := o.StackSets[r.Str("StackSetName")]
		if !ok {
			return nil, &APIError{404, "StackSetNotFoundException", "StackSet " + r.Str("StackSetName") + " not found"}
		}
		var items []any
		for _, i := range list {
			m := map[string]any{"StackSetId": r.Str("StackSetName") + ":fake", "Account": i.Account, "Region": i.Region, "OrganizationalUnitId": i.OU,
				"Status": i.Status, "StackInstanceStatus": map[string]any{"DetailedStatus": i.Detailed}, "DriftStatus": "NOT_CHECKED"}
			if i.Reason != "" {
				m["StatusReason"] = i.Reason
			}
			items = append(items, m)
		}
		page, next := o.paged(r, items, "NextToken", "MaxResults")
		return withToken(map[string]any{"Summaries": page}, "NextToken", next), nil
	})
	h("kms", "DescribeKey", func(r *Request) (any, error) {
		k := o.Keys[r.Region+"/"+r.Str("KeyId")]
		if k == nil || r.Account != o.LogArchive {
			return nil, &APIError{400, "NotFoundException", "Alias " + r.Str("KeyId") + " is not found."}
		}
		typ := "REPLICA"
		if k.Primary {
			typ = "PRIMARY"
		}
		return map[string]any{"KeyMetadata": map[string]any{"KeyId": k.ID, "Arn": "arn:aws:kms:" + r.Region + ":" + r.Account + ":key/" + k.ID, "KeyState": k.State,
			"Enabled": k.State == "Enabled", "MultiRegion": k.MultiRegion, "KeyManager": "CUSTOMER", "MultiRegionConfiguration": map[string]any{"MultiRegionKeyType": typ}}}, nil
	})
	h("kms", "GetKeyRotationStatus", func(r *Request) (any, error) {
		for _, k := range o.Keys {
			if k.ID == r.Str("KeyId") || strings.HasSuffix(r.Str("KeyId"), "/"+k.ID) {
				return map[string]any{"KeyRotationEnabled": k.Rotation, "KeyId": k.ID}, nil
			}
		}
		return nil, &APIError{400, "NotFoundException", "key not found"}
	})
	h("logs", "DescribeDestinations", func(r *Request) (any, error) {
		var items []any
		if t, ok := o.Destinations[r.Region]; ok && r.Account == o.LogArchive {
			items = append(items, map[string]any{"destinationName": "session-audit", "targetArn": t, "arn": "arn:aws:logs:" + r.Region + ":" + r.Account + ":destination:session-audit"})
		}
		page, next := o.paged(r, items, "nextToken", "limit")
		return withToken(map[string]any{"destinations": page}, "nextToken", next), nil
	})
	h("firehose", "DescribeDeliveryStream", func(r *Request) (any, error) {
		status, ok := o.Streams[r.Str("DeliveryStreamName")]
		if !ok || r.Region != o.Home {
			return nil, &APIError{400, "ResourceNotFoundException", "Firehose " + r.Str("DeliveryStreamName") + " not found"}
		}
		return map[string]any{"DeliveryStreamDescription": map[string]any{"DeliveryStreamName": r.Str("DeliveryStreamName"), "DeliveryStreamStatus": status,
			"DeliveryStreamARN": "arn:aws:firehose:" + r.Region + ":" + r.Account + ":deliverystream/" + r.Str("DeliveryStreamName"), "DeliveryStreamType": "DirectPut",
			"VersionId": "1", "Destinations": []any{}, "HasMoreDestinations": false}}, nil
	})
	s.Handle("s3", "ListObjectsV2", func(r *Request) (any, error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		bucket := strings.SplitN(strings.TrimPrefix(r.Path, "/"), "/", 2)[0]
		prefix := r.Query.Get("prefix")
		delimiter := r.Query.Get("delimiter")
		// Keys and common prefixes in key order, paged together: MaxKeys counts both (S3 API
		// reference, ListObjectsV2).
		var entries []any
		seen := map[string]bool{}
		now := time.Now()
		for _, k := range slices.Sorted(maps.Keys(o.Objects)) {
			if !strings.HasPrefix(k, prefix) || o.Objects[k].After(now) {
				continue // objects appear at their LastModified (the probe's delivery delay)
			}
			if i := strings.Index(k[len(prefix):], delimiter); delimiter != "" && i >= 0 {
				if p := k[:len(prefix)+i+len(delimiter)]; !seen[p] {
					seen[p] = true
					entries = append(entries, map[string]any{"Prefix": p})
				}
				continue
			}
			entries = append(entries, map[string]any{"Key": k, "LastModified": o.Objects[k], "Size": max(len(o.Bodies[k]), 1024), "StorageClass": "STANDARD", "ETag": `"fake"`})
		}
		page, next := o.paged(r, entries, "continuation-token", "max-keys")
		var contents, common []any
		for _, e := range page {
			if _, ok := e.(map[string]any)["Prefix"]; ok {
				common = append(common, e)
			} else {
				contents = append(contents, e)
			}
		}
		body := map[string]any{"Name": bucket, "Prefix": prefix, "KeyCount": len(page), "MaxKeys": 1000, "IsTruncated": next != "", "Contents": contents}
		if delimiter != "" {
			body["Delimiter"] = delimiter
			body["CommonPrefixes"] = common
		}
		if next != "" {
			body["NextContinuationToken"] = next
		}
		return XMLDoc{Root: "ListBucketResult", Body: body}, nil
	})
	h("sns", "ListSubscriptionsByTopic", func(r *Request) (any, error) {
		subs, ok := o.Subscriptions[r.Str("TopicArn")]
		if !ok {
			return nil, &APIError{404, "NotFound", "Topic does not exist"}
		}
		var items []any
		for _, s := range subs {
			arn := s
			if strings.HasSuffix(s, "PendingConfirmation") {
				arn = "PendingConfirmation"
			}
			items = append(items, map[string]any{"SubscriptionArn": arn, "Protocol": "email", "Endpoint": "secops@example.com", "TopicArn": r.Str("TopicArn"), "Owner": r.Account})
		}
		page, next := o.paged(r, items, "NextToken", "") // no limit parameter (SNS API reference)
		return withToken(map[string]any{"Subscriptions": page}, "NextToken", next), nil
	})
	h("monitoring", "DescribeAlarms", func(r *Request) (any, error) {
		var items []any
		for _, a := range o.Alarms {
			if strings.HasPrefix(a.Name, r.Str("AlarmNamePrefix")) && (r.Str("StateValue") == "" || r.Str("StateValue") == a.State) {
				items = append(items, map[string]any{"AlarmName": a.Name, "StateValue": a.State, "StateReason": a.Reason,
					"AlarmArn": fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", r.Region, r.Account, a.Name)})
			}
		}
		page, next := o.paged(r, items, "NextToken", "MaxRecords")
		return withToken(map[string]any{"MetricAlarms": page}, "NextToken", next), nil
	})
}
