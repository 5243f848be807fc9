package fakeaws

import (
	"fmt"
	"time"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/logbucket"
)

// ObjectLock is a bucket's Object Lock configuration: enabled, with a default retention of Mode
// for Days or Years (Mode "": enabled without a default retention).
type ObjectLock struct {
	Mode        string
	Days, Years int
}

// LifecycleRule is one lifecycle rule: Prefix is its filter's prefix, ExpireDays its expiration
// (0: none), MinSize an ObjectSizeGreaterThan filter (0: none).
type LifecycleRule struct {
	ID, Prefix string
	Disabled   bool
	ExpireDays int
	MinSize    int64
}

// healthyRetention sets the central bucket as SessionAudit-LogArchive deploys it for c, and one
// forwarded object per region on the day after the stack's creation (DescribeStacks answers
// stackCreated).
func (o *Org) healthyRetention(c config.Config, now time.Time) {
	if c.Retention.ObjectLockMode != config.ObjectLockNone {
		o.BucketLock = &ObjectLock{Mode: c.Retention.ObjectLockMode, Days: c.Retention.ArchiveDays}
	}
	o.Lifecycle = []LifecycleRule{
		{ID: logbucket.RuleExpire, ExpireDays: c.Retention.ArchiveDays},
		{ID: logbucket.RuleArchive, MinSize: logbucket.DefaultArchiveMinObjectBytes},
	}
	first := stackCreated.AddDate(0, 0, 1)
	if age := int(now.Sub(first).Hours() / 24); age > c.Retention.ArchiveDays {
		first = now.AddDate(0, 0, -c.Retention.ArchiveDays+1) // what the lifecycle has left
	}
	for _, r := range c.Regions {
		o.Objects[fmt.Sprintf("%s%s/%s/first.json.gz", archivelayout.ForwardedPrefix+r+"/", first.Format("2006/01/02"), AccountID(0))] = first
	}
}

// stackCreated is the CreationTime DescribeStacks answers.
var stackCreated = time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)

// serveRetention answers the central bucket's Object Lock and lifecycle configurations in the
// shapes of the S3 API reference (GetObjectLockConfiguration, GetBucketLifecycleConfiguration),
// with their 404 errors when there is none.
func (o *Org) serveRetention(s *Server) {
	s.Handle("s3", "GetObjectLockConfiguration", func(r *Request) (any, error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.BucketLock == nil || r.Account != o.LogArchive {
			return nil, &APIError{404, "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket"}
		}
		body := map[string]any{"ObjectLockEnabled": "Enabled"}
		if o.BucketLock.Mode != "" {
			dr := map[string]any{"Mode": o.BucketLock.Mode}
			if o.BucketLock.Years > 0 {
				dr["Years"] = o.BucketLock.Years
			} else {
				dr["Days"] = o.BucketLock.Days
			}
			body["Rule"] = map[string]any{"DefaultRetention": dr}
		}
		return XMLDoc{Root: "ObjectLockConfiguration", Body: body}, nil
	})
	s.Handle("s3", "GetBucketLifecycleConfiguration", func(r *Request) (any, error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.Lifecycle == nil || r.Account != o.LogArchive {
			return nil, &APIError{404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist"}
		}
		var rules []any
		for _, l := range o.Lifecycle {
			filter := map[string]any{"Prefix": l.Prefix}
			if l.MinSize > 0 {
				filter = map[string]any{"ObjectSizeGreaterThan": l.MinSize}
			}
			status := "Enabled"
			if l.Disabled {
				status = "Disabled"
			}
			rule := map[string]any{"ID": l.ID, "Filter": filter, "Status": status}
			if l.ExpireDays > 0 {
				rule["Expiration"] = map[string]any{"Days": l.ExpireDays}
				rule["NoncurrentVersionExpiration"] = map[string]any{"NoncurrentDays": 1}
			} else {
				rule["Transition"] = []any{map[string]any{"Days": 90, "StorageClass": "GLACIER_IR"}}
			}
			rules = append(rules, rule)
		}
		return XMLDoc{Root: "LifecycleConfiguration", Body: map[string]any{"Rule": rules}}, nil
	})
}
