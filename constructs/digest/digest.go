// Package digest is the hourly digester of the archive bucket (docs/evidence.md, "Signed
// digests"): the bucket's "Object Created" events, sent to EventBridge and collected in a queue,
// are listed each hour in a digest signed with an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY),
// written under archivelayout.DigestPrefix in the bucket itself (its Object Lock retention
// applies). Package evidence defines the format and validates it.
//
// The LogArchive stack has one, on the central bucket and the LogKey.
package digest

import (
	_ "embed"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/inlinefn"
	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/install"
)

//go:embed digester.js
var digester string

// Descriptions of the digester's rules (on the default bus: the bucket's events and the schedule).
const (
	ObjectsRuleDescription  = "sessionaudit: objects written to the archive, for the hourly digest"
	ScheduleRuleDescription = "sessionaudit: the hourly digest"
)

// Schedule is when the digester runs: five minutes past each hour (UTC), after the hour's
// events have arrived (EventBridge cron expressions are in UTC).
const Schedule = "cron(5 * * * ? *)"

// Props configures a Digester.
type Props struct {
	// Bucket is the archive bucket. Required. When it is an awss3.Bucket of this app, its
	// EventBridge notifications are turned on; otherwise they must be on already.
	Bucket awss3.IBucket
	// BucketKey is the bucket's encryption key (the LogKey): the digester decrypts the objects it
	// hashes and encrypts the digests with it. Required.
	BucketKey awskms.IKey
	// KeyAlias names the signing key. Default: install.DigestKeyAlias.
	KeyAlias *string
}

// Digester is the signing key, the event queue, the rules and the function.
type Digester struct {
	// Construct is this construct in the tree.
	Construct constructs.Construct
	// SigningKey signs the digests; its public key (kms get-public-key) checks them.
	SigningKey awskms.Key
	// Events collects the bucket's "Object Created" events between two runs.
	Events awssqs.Queue
	// Function is the digester.
	Function *inlinefn.Function
}

// New creates a Digester.
func New(scope constructs.Construct, id string, props *Props) *Digester {
	if props == nil || props.Bucket == nil || props.BucketKey == nil {
		invalid.Panic("digest", "Props.Bucket and Props.BucketKey are required")
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	alias := props.KeyAlias
	if alias == nil {
		alias = jsii.String(install.DigestKeyAlias)
	}
	// ECC_NIST_P256 with ECDSA_SHA_256: DER signatures of about 72 bytes that openssl verifies as
	// they are (AWS KMS Developer Guide, "Asymmetric key specs"; KeyUsage SIGN_VERIFY).
	key := awskms.NewKey(this, jsii.String("SigningKey"), &awskms.KeyProps{
		KeySpec:       awskms.KeySpec_ECC_NIST_P256,
		KeyUsage:      awskms.KeyUsage_SIGN_VERIFY,
		Alias:         alias,
		Description:   jsii.String("sessionaudit: signs the archive's hourly digests (docs/evidence.md)"),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
	})
	// The queue keeps an event until the run after its hour has listed it; a missed run is caught
	// up within the retention. The visibility timeout covers one run (the function's timeout).
	events := awssqs.NewQueue(this, jsii.String("Events"), &awssqs.QueueProps{
		RetentionPeriod:   awscdk.Duration_Days(jsii.Number(14)),
		VisibilityTimeout: awscdk.Duration_Minutes(jsii.Number(16)),
		Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:        jsii.Bool(true),
	})
	if b, ok := props.Bucket.(awss3.Bucket); ok {
		// S3 user guide, "Using EventBridge": the bucket sends every event to the default bus.
		b.Node().DefaultChild().(awss3.CfnBucket).AddPropertyOverride(jsii.String("NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled"), true)
	}
	awsevents.NewRule(this, jsii.String("ObjectCreated"), &awsevents.RuleProps{
		Description: jsii.String(ObjectsRuleDescription),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.s3"),
			DetailType: jsii.Strings("Object Created"),
			Detail:     &map[string]any{"bucket": map[string]any{"name": []any{props.Bucket.BucketName()}}},
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewSqsQueue(events, nil)},
	})
	dead := awssqs.NewQueue(this, jsii.String("DeadLetters"), &awssqs.QueueProps{
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
	})
	objects := props.Bucket.ArnForObjects(jsii.String("*"))
	fn := inlinefn.New(this, "Function", &inlinefn.Props{
		Source:      digester,
		Plain:       true,
		Description: jsii.String("sessionaudit: writes the archive's signed hourly digest"),
		Timeout:     awscdk.Duration_Minutes(jsii.Number(15)),
		Environment: &map[string]*string{
			"BUCKET":    props.Bucket.BucketName(),
			"QUEUE_URL": events.QueueUrl(),
			"KEY_ID":    key.KeyArn(),
		},
		Caller:          "the hourly EventBridge schedule",
		DeadLetterQueue: dead,
		Statements: []awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("sqs:ReceiveMessage", "sqs:DeleteMessage"), Resources: jsii.Strings(*events.QueueArn()),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("s3:GetObject", "s3:GetObjectVersion"), Resources: &[]*string{objects},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("s3:PutObject"),
				Resources: &[]*string{props.Bucket.ArnForObjects(jsii.String(archivelayout.DigestPrefix + "*"))},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"), Resources: jsii.Strings(*props.BucketKey.KeyArn()),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("kms:Sign", "kms:GetPublicKey"), Resources: jsii.Strings(*key.KeyArn()),
			}),
		},
	})
	acknowledge.On(events, acknowledge.Finding{ID: "AwsSolutions-SQS3",
		Reason: "the digester deletes each event once a signed digest lists it; a dead-letter queue would move events out of the digests instead of keeping them for the next run"})
	acknowledge.On(fn.Role.Node().FindChild(jsii.String("DefaultPolicy")),
		acknowledge.Finding{ID: "AwsSolutions-IAM5[" + acknowledge.Resource(this, objects) + "]",
			Reason: "the digester reads every object version written to the archive, whatever its key; it may only read them (GetObject, GetObjectVersion)"},
		acknowledge.Finding{ID: "AwsSolutions-IAM5[" + acknowledge.Resource(this, props.Bucket.ArnForObjects(jsii.String(archivelayout.DigestPrefix+"*"))) + "]",
			Reason: "the digests are named by their hour (digests/<yyyy>/<MM>/<dd>/<HH>.json); the wildcard is below the digests prefix and allows only writing"})
	awsevents.NewRule(this, jsii.String("Hourly"), &awsevents.RuleProps{
		Description: jsii.String(ScheduleRuleDescription),
		Schedule:    awsevents.Schedule_Expression(jsii.String(Schedule)),
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn.Function, &awseventstargets.LambdaFunctionProps{
			DeadLetterQueue: dead,
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(1)),
			RetryAttempts:   jsii.Number(2),
		})},
	})
	awscdk.NewCfnOutput(this, jsii.String("SigningKeyArn"), &awscdk.CfnOutputProps{
		Value:       key.KeyArn(),
		Description: jsii.String("The digests' signing key: aws kms get-public-key --key-id <this> --query PublicKey --output text | base64 -d > public-key.der (docs/evidence.md)"),
	})
	return &Digester{Construct: this, SigningKey: key, Events: events, Function: fn}
}
