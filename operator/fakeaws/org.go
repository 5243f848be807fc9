package fakeaws

import (
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Org is the state of a fake organization: what Organizations, CloudTrail and the member and
// log-archive accounts answer. Tests build a healthy one (Healthy) and break one thing.
type Org struct {
	mu sync.Mutex

	ID, Root, Management, LogArchive, Home string
	// Regions are the regions where member accounts have resources (the governed ones).
	Regions    []string
	FeatureSet string
	SCPEnabled bool
	// DeclarativeEC2Enabled: the root has the DECLARATIVE_POLICY_EC2 policy type enabled.
	DeclarativeEC2Enabled bool
	// RCPEnabled: the root has the RESOURCE_CONTROL_POLICY policy type enabled.
	RCPEnabled      bool
	TrustedAccess   []string
	DelegatedAdmins map[string][]string
	OUs             []*OU
	Accounts        []*Account
	Policies        []*Policy
	Trails          []*Trail
	// RoleName is the role that can be assumed in every account (Account.NoRole refuses it).
	RoleName string
	// PageSize is how many items a list operation returns per page (pagination tests).
	PageSize int
	// AccountFields is how Organizations describes an account's lifecycle: StateOnly (the
	// default, AWS since the retirement of Account.Status on 2026-09-09), StateAndStatus (before
	// it), or StatusOnly (an answer that carries only the retired field).
	AccountFields AccountFields
	// NoRoots makes ListRoots answer with no root.
	NoRoots bool

	// Deployment state (verify).
	Stacks       map[string]string // "<account>/<region>/<stack>" → status
	StackSets    map[string][]*StackInstance
	Keys         map[string]*Key // "<region>/<alias>"
	Destinations map[string]string
	Streams      map[string]string
	// Objects of the central bucket by key: their LastModified (an object is listed from then on:
	// the probe's delivery appears DeliveryDelay after PutLogEvents) and their body (Bodies; GZIP).
	Objects map[string]time.Time
	Bodies  map[string][]byte
	// Versions is the versioned model of the central bucket (PutVersion): GetObject with and
	// without versionId and ListObjectVersions answer from it for its keys (handlers_versions.go).
	Versions map[string][]ObjectVersion
	// DeniedKeys answer GetObject of these keys (any version) with 403 AccessDenied, as a bucket
	// or key policy that denies the caller would.
	DeniedKeys    map[string]bool
	Subscriptions map[string][]string // topic ARN → subscription ARNs ("PendingConfirmation")
	// BucketLock is the central bucket's Object Lock configuration (nil: none); Lifecycle its
	// rules (nil: none); see handlers_retention.go.
	BucketLock *ObjectLock
	Lifecycle  []LifecycleRule
	Alarms     []Alarm

	// Canned are the answers of queries other than the saved ones, by their exact text (Canned).
	Canned map[string]*Canned
	// The probe's pipeline: PutLogEvents to a subscribed session log group delivers the events
	// (GZIP, one per line) under the region's forwarded prefix DeliveryDelay later, or, with
	// DeliveryBroken, under the Firehose errors prefix (a failing record processor). Athena runs
	// the saved queries over the delivered objects; QueryPolls is how many GetQueryExecution
	// calls see it QUEUED or RUNNING, QueryFails fails it with that reason, SearchBroken makes it
	// find nothing (a table that does not read the layout).
	DeliveryDelay  time.Duration
	DeliveryBroken bool
	QueryPolls     int
	QueryFails     string
	SearchBroken   bool
	queries        map[string]*query
	delivered      int
}

// AccountFields selects the fields of an account in ListAccountsForParent's answer.
type AccountFields int

// The answers AWS gave over time (Organizations API reference, Account: "The Status parameter in
// the API response will be retired on September 9, 2026 … use the State parameter").
const (
	StateOnly AccountFields = iota
	StateAndStatus
	StatusOnly
)

// statusOf is the retired Account.Status for a state (ACTIVE, SUSPENDED or PENDING_CLOSURE; a
// closed account was SUSPENDED), "" when Status had no value for it.
func statusOf(state string) string {
	switch state {
	case "ACTIVE", "SUSPENDED", "PENDING_CLOSURE":
		return state
	case "CLOSED":
		return "SUSPENDED"
	}
	return ""
}

// OU is an organizational unit.
type OU struct{ ID, Name, Parent string }

// Policy is a service control policy with the targets it is attached to.
type Policy struct {
	ID, Name, Content string
	// Type is the policy type ("": SERVICE_CONTROL_POLICY; RESOURCE_CONTROL_POLICY).
	Type       string
	AWSManaged bool
	Targets    []string
}

// Trail is a CloudTrail trail of the management account.
type Trail struct {
	Name, HomeRegion      string
	Organization, Multi   bool
	Logging               bool
	ReadWriteType         string
	IncludeManagement     bool
	ExcludeManagementKind bool
	// Advanced are the trail's advanced event selectors in the API's JSON shape (FieldSelectors
	// of Field, Equals, NotEquals, ...); when set, GetEventSelectors answers them instead of
	// the basic selector (a trail has one kind or the other).
	Advanced []any
}

// StackInstance is one instance of a StackSet.
type StackInstance struct {
	Account, Region, OU, Status, Detailed, Reason string
}

// Key is a KMS key in the log-archive account.
type Key struct {
	ID, State   string
	MultiRegion bool
	Rotation    bool
	Primary     bool
}

// Alarm is a CloudWatch alarm of the log-archive account's home region.
type Alarm struct{ Name, State, Reason string }

// Account is a member account.
type Account struct {
	// State is the account's Account.State (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED,
	// PENDING_ACTIVATION, or anything a test wants AWS to answer).
	ID, Name, Parent, State string
	// NoRole makes AssumeRole into the account fail with AccessDenied.
	NoRole bool
	// Profiles maps instance profile names to their role; RolePolicies a role to its attached
	// managed policies (names).
	Profiles     map[string]string
	RolePolicies map[string][]string
	Regions      map[string]*Region
	// Roles and Users are the account's other IAM roles and users (handlers_iam.go); OptIn maps
	// an opt-in region to the EC2 OptInStatus the account answers (absent: "opted-in").
	Roles, Users []Principal
	OptIn        map[string]string
}

// Region is an account's state in one region.
type Region struct {
	// Document is the content of SSM-SessionManagerRunShell ("" = none).
	Document string
	// Recording is the RDP recording preferences (nil = none).
	Recording *Recording
	// DHMCRole is the Default Host Management Configuration role ("" = off).
	DHMCRole string
	// ApprovalPolicies are the names of the just-in-time node access approval policies (SSM
	// documents of type ManualApprovalPolicy or AutoApprovalPolicy) of the account and region.
	ApprovalPolicies []string
	Nodes            []Node
	// Endpoints maps a VPC to the service names of its VPC endpoints.
	Endpoints map[string][]string
	// EndpointStates sets the state of the region's endpoints of a service name ("available"
	// when absent); NoPrivateDNS are the service names whose interface endpoints have private
	// DNS off.
	EndpointStates map[string]string
	NoPrivateDNS   map[string]bool
	// NoDefaultRoute are subnets whose route table has no 0.0.0.0/0 route.
	NoDefaultRoute map[string]bool
	LogGroups      map[string]bool
	// Filters maps a log group to the destination ARNs of its subscription filters.
	Filters map[string][]string
	// Rules maps rule names to their state.
	Rules map[string]string
	// DLQ is the number of messages in the member notification dead-letter queue (-1: none).
	DLQ int
	// LogStreams are the streams created by CreateLogStream ("<group>/<stream>").
	LogStreams map[string]bool
	// The open doors (handlers_doors.go). SerialConsole is the text of GetSerialConsoleAccessStatus's
	// serialConsoleAccessEnabled ("" answers false, NoAnswer leaves the element out); ICEndpoints
	// are the EC2 Instance Connect Endpoints; Clusters the ECS clusters.
	SerialConsole string
	// SerialConsoleManagedBy is its managedBy ("" answers account).
	SerialConsoleManagedBy string
	ICEndpoints            []ICEndpoint
	Clusters               []Cluster
}

// NoAnswer, as a field of the model, makes the fake leave the element out of its answer.
const NoAnswer = "-"

// ICEndpoint is an EC2 Instance Connect Endpoint (State as the API answers it; "" leaves it out).
type ICEndpoint struct{ ID, VPC, Subnet, State string }

// Cluster is an ECS cluster. Logging is executeCommandConfiguration.logging ("" leaves the
// execute command configuration out); LogGroup and Bucket its logConfiguration's
// cloudWatchLogGroupName and s3BucketName. Missing lists the cluster but makes DescribeClusters
// answer a failure (reason MISSING) for it.
type Cluster struct {
	Name, Status, Logging, LogGroup, Bucket string
	Missing                                 bool
}

// Recording is RDP recording preferences.
type Recording struct{ KMSKeyArn, Bucket, Owner string }

// Node is a managed EC2 instance.
type Node struct{ InstanceID, VPC, Subnet, Profile string }

// AccountID is the i-th generated account ID.
func AccountID(i int) string { return fmt.Sprintf("%012d", 300000000000+i) }

// Account returns the account with id, or nil.
func (o *Org) Account(id string) *Account {
	for _, a := range o.Accounts {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (o *Org) page(items []any, token string) ([]any, string) {
	start, _ := strconv.Atoi(token)
	size := o.PageSize
	if size <= 0 {
		size = 20
	}
	if start > len(items) {
		start = len(items)
	}
	end := start + size
	if end >= len(items) {
		return items[start:], ""
	}
	return items[start:end], strconv.Itoa(end)
}

// Lock and Unlock guard the model while a test changes it between runs.
func (o *Org) Lock() { o.mu.Lock() }

// Unlock releases Lock.
func (o *Org) Unlock() { o.mu.Unlock() }

// TypeOf is the policy's type (SERVICE_CONTROL_POLICY unless set).
func (p *Policy) TypeOf() string {
	if p.Type == "" {
		return "SERVICE_CONTROL_POLICY"
	}
	return p.Type
}
