package logbucket

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/constructs/orgkey"
)

// Access describes what a principal may do with objects of the central bucket. Every grant and
// every policy that sessionaudit writes for the bucket is built from it (Statements), so the
// actions and the key condition are spelled once.
type Access struct {
	// BucketArn of the central bucket. Required.
	BucketArn *string
	// Objects are object ARN patterns (bucket ARN + "/" + prefix + "*"). Required.
	Objects []*string
	// KeyArns are the keys S3 uses for the bucket (one ARN, or a pattern such as the log-archive
	// account's keys of a region). Required.
	KeyArns []*string
	// Region of the bucket: the key is used only through S3 there. Required.
	Region *string
	// Sid of the object statement, and of the key statement. Default: none.
	ObjectSid, KeySid *string
}

// Actions granted by Access.Statements.
var (
	// WriteActions put objects, in one request or in parts (the SSM agent's s3manager and Firehose
	// upload in parts and abort their own failed uploads).
	WriteActions = []string{"s3:PutObject", "s3:AbortMultipartUpload"}
	// WriteKeyActions: S3 needs kms:GenerateDataKey for every SSE-KMS upload and kms:Decrypt for a
	// multipart upload (S3 user guide, "Uploading and copying objects using multipart upload":
	// "you must have permission to the kms:Decrypt and kms:GenerateDataKey actions"). Through S3
	// and for this bucket only, kms:Decrypt serves no read: reading needs s3:GetObject.
	WriteKeyActions = []string{"kms:GenerateDataKey", "kms:Decrypt"}
	// ReadActions get objects.
	ReadActions = []string{"s3:GetObject"}
	// ReadKeyActions decrypt what is read.
	ReadKeyActions = []string{"kms:Decrypt"}
)

// WriteStatements allow writing the objects, using the keys only through S3 for this bucket.
func (a Access) WriteStatements() []awsiam.PolicyStatement {
	return toPolicyStatements(a.specs(WriteActions, WriteKeyActions))
}

// ReadStatements allow reading the objects, decrypting only through S3 for this bucket.
func (a Access) ReadStatements() []awsiam.PolicyStatement {
	return toPolicyStatements(a.specs(ReadActions, ReadKeyActions))
}

// spec is one statement before it becomes a policy statement or a grant.
type spec struct {
	sid       *string
	actions   []string
	resources []*string
	condition map[string]any // StringEquals
}

func (a Access) specs(objectActions, keyActions []string) []spec {
	if a.BucketArn == nil || len(a.Objects) == 0 || len(a.KeyArns) == 0 || a.Region == nil {
		invalid.Panic("logbucket", "Access.BucketArn, Access.Objects, Access.KeyArns and Access.Region are required")
	}
	return []spec{
		{sid: a.ObjectSid, actions: objectActions, resources: a.Objects},
		{sid: a.KeySid, actions: keyActions, resources: a.KeyArns, condition: orgkey.ThroughS3(a.Region, a.BucketArn)},
	}
}

func toPolicyStatements(specs []spec) []awsiam.PolicyStatement {
	out := make([]awsiam.PolicyStatement, len(specs))
	for i, sp := range specs {
		props := &awsiam.PolicyStatementProps{Sid: sp.sid, Actions: jsii.Strings(sp.actions...), Resources: &sp.resources}
		if sp.condition != nil {
			props.Conditions = &map[string]any{"StringEquals": sp.condition}
		}
		out[i] = awsiam.NewPolicyStatement(props)
	}
	return out
}

// ICentralLogBucket is a central bucket to grant on: one created here (CentralLogBucket) or one
// of another stack or app (FromAttributes).
type ICentralLogBucket interface {
	// BucketName of the central bucket.
	BucketName() *string
	// BucketArn of the central bucket.
	BucketArn() *string
	// GrantWritePrefix lets grantee put objects under prefix: WriteActions on prefix*, and
	// WriteKeyActions on the bucket's key only through S3 for this bucket. Only the grantee's
	// policy changes; the bucket policy must admit the grantee (it does for the bucket's account).
	GrantWritePrefix(grantee awsiam.IGrantable, prefix string) awsiam.Grant
	// GrantReadPrefix lets grantee read objects under prefix: ReadActions on prefix*, and
	// ReadKeyActions on the bucket's key only through S3 for this bucket.
	GrantReadPrefix(grantee awsiam.IGrantable, prefix string) awsiam.Grant
}

// BucketName is the central bucket's name.
func (c *CentralLogBucket) BucketName() *string { return c.Bucket.BucketName() }

// BucketArn is the central bucket's ARN.
func (c *CentralLogBucket) BucketArn() *string { return c.Bucket.BucketArn() }

// GrantWritePrefix implements ICentralLogBucket.
func (c *CentralLogBucket) GrantWritePrefix(grantee awsiam.IGrantable, prefix string) awsiam.Grant {
	return grant(grantee, c.access(prefix).specs(WriteActions, WriteKeyActions))
}

// GrantReadPrefix implements ICentralLogBucket.
func (c *CentralLogBucket) GrantReadPrefix(grantee awsiam.IGrantable, prefix string) awsiam.Grant {
	return grant(grantee, c.access(prefix).specs(ReadActions, ReadKeyActions))
}

func (c *CentralLogBucket) access(prefix string) Access {
	return Access{BucketArn: c.BucketArn(), Objects: []*string{c.Bucket.ArnForObjects(jsii.String(prefix + "*"))},
		KeyArns: []*string{c.key.KeyArn()}, Region: awscdk.Stack_Of(c.Bucket).Region()}
}

// Attributes name a central bucket of another stack or app.
type Attributes struct {
	// BucketName of the central bucket. Required.
	BucketName *string
	// KeyArn of its key (or a pattern, such as the log-archive account's keys of a region). Required.
	KeyArn *string
	// Region of the bucket. Default: the scope's stack region.
	Region *string
	// Partition of the bucket's ARN. Default: the scope's stack partition.
	Partition *string
}

// Imported is a central bucket of another stack or app.
type Imported struct {
	// Construct is this construct in the tree: pass it where CDK takes a construct (a scope,
	// awscdk.Tags_Of, Node().AddDependency). The struct itself is not one, so that passing it does
	// not compile instead of failing in jsii at run time.
	Construct constructs.Construct
	attrs     Attributes
}

// FromAttributes returns a grantable handle on a central bucket created elsewhere.
func FromAttributes(scope constructs.Construct, id string, attrs *Attributes) *Imported {
	if attrs == nil || attrs.BucketName == nil || attrs.KeyArn == nil {
		invalid.Panic("logbucket", "Attributes.BucketName and Attributes.KeyArn are required")
	}
	a := *attrs
	stack := awscdk.Stack_Of(scope)
	if a.Region == nil {
		a.Region = stack.Region()
	}
	if a.Partition == nil {
		a.Partition = stack.Partition()
	}
	return &Imported{Construct: constructs.NewConstruct(scope, jsii.String(id)), attrs: a}
}

// BucketName is the central bucket's name.
func (i *Imported) BucketName() *string { return i.attrs.BucketName }

// BucketArn is the central bucket's ARN.
func (i *Imported) BucketArn() *string {
	return jsii.String("arn:" + *i.attrs.Partition + ":s3:::" + *i.attrs.BucketName)
}

// GrantWritePrefix implements ICentralLogBucket.
func (i *Imported) GrantWritePrefix(grantee awsiam.IGrantable, prefix string) awsiam.Grant {
	return grant(grantee, i.access(prefix).specs(WriteActions, WriteKeyActions))
}

// GrantReadPrefix implements ICentralLogBucket.
func (i *Imported) GrantReadPrefix(grantee awsiam.IGrantable, prefix string) awsiam.Grant {
	return grant(grantee, i.access(prefix).specs(ReadActions, ReadKeyActions))
}

func (i *Imported) access(prefix string) Access {
	return Access{BucketArn: i.BucketArn(), Objects: []*string{jsii.String(*i.BucketArn() + "/" + prefix + "*")},
		KeyArns: []*string{i.attrs.KeyArn}, Region: i.attrs.Region}
}

// grant adds the statements to the grantee's policy (aws-cdk-lib's Grant.addToPrincipal, one
// statement at a time) and combines the grants.
func grant(grantee awsiam.IGrantable, specs []spec) awsiam.Grant {
	var out awsiam.Grant
	for _, sp := range specs {
		opts := &awsiam.GrantOnPrincipalOptions{Grantee: grantee, Actions: jsii.Strings(sp.actions...), ResourceArns: &sp.resources}
		if sp.condition != nil {
			opts.Conditions = &map[string]*map[string]any{"StringEquals": &sp.condition}
		}
		g := awsiam.Grant_AddToPrincipal(opts)
		if out == nil {
			out = g
		} else {
			out = out.Combine(g)
		}
	}
	return out
}

var (
	_ ICentralLogBucket = (*CentralLogBucket)(nil)
	_ ICentralLogBucket = (*Imported)(nil)
)
