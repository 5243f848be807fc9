package check

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// The checks of the open doors: ways into a node that Session Manager's logging does not capture
// (docs/preflight-verify.md, "Open doors"; docs/guardrails.md, "Ways into a node").
const (
	CheckSerialConsole            = "ec2.serial-console"
	CheckInstanceConnectEndpoints = "ec2.instance-connect-endpoints"
	CheckECSExecLogging           = "ecs.exec-logging"
)

// describeClustersBatch is how many clusters one DescribeClusters call names (ECS API reference,
// DescribeClusters: "clusters … up to 100 cluster names or full cluster ARN entries").
const describeClustersBatch = 100

// doorChecks reads the open doors of account and region: serial console access, EC2 Instance
// Connect Endpoints and ECS clusters whose ECS Exec sessions are not logged. Each door is reported
// with the severity of its way's setting in force (doorSeverity); a door whose answer cannot be
// read is an access.* finding, one whose answer is empty or unknown a finding of its check, never
// clean. verify is true in verify (after deploying), false in preflight.
func doorChecks(ctx context.Context, e *Env, account, region string, verify bool) {
	cfg := e.cfg(account, region)
	d := doors{e: e, account: account, region: region, verify: verify}
	if err := d.serialConsole(ctx, ec2.NewFromConfig(cfg)); err != nil {
		e.failed(CheckSerialConsole, account, region, err)
	}
	if err := d.instanceConnectEndpoints(ctx, ec2.NewFromConfig(cfg)); err != nil {
		e.failed(CheckInstanceConnectEndpoints, account, region, err)
	}
	if err := d.ecsExec(ctx, ecs.NewFromConfig(cfg)); err != nil {
		e.failed(CheckECSExecLogging, account, region, err)
	}
}

type doors struct {
	e               *Env
	account, region string
	verify          bool
}

// doorSeverity is the severity of an open door whose way has setting in force: deny is a fail in
// verify (the guardrail refuses the way's calls to all but the exempt principals, yet the door
// stands open: it predates the guardrail or an exempt principal opened it) and a warn in
// preflight (deploying refuses the calls; the door stays open); notify is a warn (every use is
// announced, and none is logged by Session Manager); allow is info (the operator chose neither
// notice nor refusal: the report still names the door). A setting this version does not know is
// a warn.
func doorSeverity(setting string, verify bool) report.Severity {
	switch setting {
	case config.UnloggedDeny:
		if verify {
			return report.Fail
		}
		return report.Warn
	case config.UnloggedAllow:
		return report.Info
	}
	return report.Warn
}

// unknownSeverity is the severity of a door whose answer is empty or unknown: the door may be
// open, so at least a warn.
func unknownSeverity(s report.Severity) report.Severity {
	if s == report.Info {
		return report.Warn
	}
	return s
}

// maybeSeverity is one step below s: a door that is open only where a task definition lacks the
// awslogs driver (ECS Exec logging DEFAULT), which the check does not read.
func maybeSeverity(s report.Severity) report.Severity {
	switch s {
	case report.Fail:
		return report.Warn
	case report.Warn:
		return report.Info
	}
	return report.Info
}

// wayMeaning says what the way's setting in force means for a door that is open.
func wayMeaning(way, setting string) string {
	field := "guardrails.ways." + way
	switch setting {
	case config.UnloggedDeny:
		return fmt.Sprintf("%s is deny: the guardrail refuses this way to every principal but guardrails.exemptPrincipalArns, yet the door stands open (it predates the guardrail, or an exempt principal opened it), and what passes through it is not logged by Session Manager", field)
	case config.UnloggedAllow:
		return fmt.Sprintf("%s is allow: connections through this door are neither announced nor logged by Session Manager", field)
	case config.UnloggedNotify:
		return fmt.Sprintf("%s is notify: each connection through this door is announced, and none is logged by Session Manager", field)
	}
	return fmt.Sprintf("%s is %q, a setting this version does not know: connections through this door are not logged by Session Manager", field, setting)
}

func (d doors) add(check, way string, sev report.Severity, subject, msg, fix string) {
	d.e.Report.Add(report.Finding{Check: check, Severity: sev, Account: d.account, Region: d.region, Subject: subject,
		Message: msg, Meaning: wayMeaning(way, d.e.Config.Guardrails.Way(way)), Fix: fix})
}

func (d doors) severity(way string) report.Severity {
	return doorSeverity(d.e.Config.Guardrails.Way(way), d.verify)
}

// serialConsole: GetSerialConsoleAccessStatus answers whether access to the serial console of
// every instance is enabled for the account in the region (EC2 API reference,
// GetSerialConsoleAccessStatus: SerialConsoleAccessEnabled; ManagedBy account or
// declarative-policy). An answer without SerialConsoleAccessEnabled is reported as unknown.
func (d doors) serialConsole(ctx context.Context, client *ec2.Client) error {
	out, err := client.GetSerialConsoleAccessStatus(ctx, &ec2.GetSerialConsoleAccessStatusInput{})
	if err != nil {
		return call(err, "ec2:GetSerialConsoleAccessStatus", d.account, d.region)
	}
	sev := d.severity(config.WaySerialConsole)
	fix := "`aws ec2 disable-serial-console-access --region <region>` in each listed account and region where nobody needs the serial console (EC2 user guide, \"Configure access to the EC2 Serial Console\"), or, with declarative policies enabled, the organization's EC2 declarative policy (serial console access); docs/guardrails.md, \"Ways into a node\""
	if out.ManagedBy == ec2types.ManagedByDeclarativePolicy {
		fix = "access is managed by a declarative policy and cannot be changed in the account: change the organization's EC2 declarative policy (serial console access) in the management account"
	}
	switch {
	case out.SerialConsoleAccessEnabled == nil:
		d.add(CheckSerialConsole, config.WaySerialConsole, unknownSeverity(sev), "serial console access",
			"GetSerialConsoleAccessStatus answered without SerialConsoleAccessEnabled: serial console access may be enabled", fix)
	case *out.SerialConsoleAccessEnabled:
		d.add(CheckSerialConsole, config.WaySerialConsole, sev, "serial console access",
			fmt.Sprintf("serial console access is enabled for every instance of the account in this region (managed by %s)", orNone(string(out.ManagedBy))), fix)
	}
	return nil
}

// endpointOpen tells the states of an EC2 Instance Connect Endpoint (EC2 API reference,
// Ec2InstanceConnectEndpoint State: create-in-progress | create-complete | create-failed |
// delete-in-progress | delete-complete | delete-failed | update-in-progress | update-complete |
// update-failed) in which it is, or is about to be, a door (open), from those in which it is not
// (closed). An endpoint that is being updated, or whose update or delete failed, still exists.
func endpointOpen(state ec2types.Ec2InstanceConnectEndpointState) (open, known bool) {
	switch state {
	case ec2types.Ec2InstanceConnectEndpointStateCreateInProgress, ec2types.Ec2InstanceConnectEndpointStateCreateComplete,
		ec2types.Ec2InstanceConnectEndpointStateUpdateInProgress, ec2types.Ec2InstanceConnectEndpointStateUpdateComplete,
		ec2types.Ec2InstanceConnectEndpointStateUpdateFailed, ec2types.Ec2InstanceConnectEndpointStateDeleteFailed:
		return true, true
	case ec2types.Ec2InstanceConnectEndpointStateCreateFailed, ec2types.Ec2InstanceConnectEndpointStateDeleteInProgress,
		ec2types.Ec2InstanceConnectEndpointStateDeleteComplete:
		return false, true
	}
	return false, false
}

// instanceConnectEndpoints: DescribeInstanceConnectEndpoints through every page (EC2 API
// reference: NextToken); each endpoint in an open state is a door into every instance its
// security groups reach, SSH or RDP through OpenTunnel.
func (d doors) instanceConnectEndpoints(ctx context.Context, client *ec2.Client) error {
	sev := d.severity(config.WayInstanceConnectEndpoint)
	fix := "`aws ec2 delete-instance-connect-endpoint --region <region> --instance-connect-endpoint-id <endpoint>` in the listed account, for each listed endpoint nobody needs; docs/guardrails.md, \"Ways into a node\""
	p := ec2.NewDescribeInstanceConnectEndpointsPaginator(client, &ec2.DescribeInstanceConnectEndpointsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return call(err, "ec2:DescribeInstanceConnectEndpoints", d.account, d.region)
		}
		for _, ep := range out.InstanceConnectEndpoints {
			id := orNone(aws.ToString(ep.InstanceConnectEndpointId))
			where := fmt.Sprintf("VPC %s, subnet %s", orNone(aws.ToString(ep.VpcId)), orNone(aws.ToString(ep.SubnetId)))
			switch open, known := endpointOpen(ep.State); {
			case !known || aws.ToString(ep.InstanceConnectEndpointId) == "":
				d.add(CheckInstanceConnectEndpoints, config.WayInstanceConnectEndpoint, unknownSeverity(sev), id,
					fmt.Sprintf("EC2 Instance Connect Endpoint %s (%s) in state %q, which this version does not know: it may accept tunnels", id, where, ep.State), fix)
			case open:
				d.add(CheckInstanceConnectEndpoints, config.WayInstanceConnectEndpoint, sev, id,
					fmt.Sprintf("EC2 Instance Connect Endpoint %s (%s, %s): SSH and RDP tunnels to private IP addresses", id, where, ep.State), fix)
			}
		}
	}
	return nil
}

// execLogging is what a cluster's ECS Exec sessions log.
type execLogging int

const (
	execLogged     execLogging = iota // OVERRIDE to a log group or bucket
	execNotLogged                     // NONE, or OVERRIDE without a destination
	execMaybe                         // DEFAULT: the awslogs driver of the task definition, if any
	execUnknownLog                    // a value this version does not know
)

// clusterLogging reads a cluster's configuration.executeCommandConfiguration (ECS API reference,
// ExecuteCommandConfiguration.logging): NONE "the execute command session is not logged";
// DEFAULT "the awslogs configuration in the task definition is used … If no awslogs log driver is
// configured in the task definition, the output won't be logged", and the value when none is
// set; OVERRIDE the logConfiguration's cloudWatchLogGroupName or s3BucketName.
func clusterLogging(c ecstypes.Cluster) execLogging {
	if c.Configuration == nil || c.Configuration.ExecuteCommandConfiguration == nil {
		return execMaybe
	}
	ecc := c.Configuration.ExecuteCommandConfiguration
	switch ecc.Logging {
	case "", ecstypes.ExecuteCommandLoggingDefault:
		return execMaybe
	case ecstypes.ExecuteCommandLoggingNone:
		return execNotLogged
	case ecstypes.ExecuteCommandLoggingOverride:
		if lc := ecc.LogConfiguration; lc != nil && (aws.ToString(lc.CloudWatchLogGroupName) != "" || aws.ToString(lc.S3BucketName) != "") {
			return execLogged
		}
		return execNotLogged
	}
	return execUnknownLog
}

// ecsExec lists the clusters (ListClusters through every page) and describes them with their
// configuration, at most describeClustersBatch a call; a listed cluster that DescribeClusters
// does not describe (a failure, or left out) is reported as unknown. Inactive clusters run no
// task and are skipped.
func (d doors) ecsExec(ctx context.Context, client *ecs.Client) error {
	var arns []string
	p := ecs.NewListClustersPaginator(client, &ecs.ListClustersInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return call(err, "ecs:ListClusters", d.account, d.region)
		}
		arns = append(arns, out.ClusterArns...)
	}
	sev := d.severity(config.WayECSExec)
	for batch := range slices.Chunk(arns, describeClustersBatch) {
		out, err := client.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: batch, Include: []ecstypes.ClusterField{ecstypes.ClusterFieldConfigurations}})
		if err != nil {
			return call(err, "ecs:DescribeClusters", d.account, d.region)
		}
		described := map[string]bool{}
		for _, c := range out.Clusters {
			described[aws.ToString(c.ClusterArn)] = true
			d.cluster(c, sev)
		}
		for _, f := range out.Failures {
			described[aws.ToString(f.Arn)] = true
			d.add(CheckECSExecLogging, config.WayECSExec, unknownSeverity(sev), aws.ToString(f.Arn),
				fmt.Sprintf("DescribeClusters could not describe the cluster (%s %s): whether its ECS Exec sessions are logged is unknown", orNone(aws.ToString(f.Reason)), aws.ToString(f.Detail)), "run again; if it persists, read the cluster with `aws ecs describe-clusters --include CONFIGURATIONS`")
		}
		for _, arn := range batch {
			if !described[arn] {
				d.add(CheckECSExecLogging, config.WayECSExec, unknownSeverity(sev), arn,
					"DescribeClusters answered neither the cluster nor a failure for it: whether its ECS Exec sessions are logged is unknown", "run again; if it persists, read the cluster with `aws ecs describe-clusters --include CONFIGURATIONS`")
			}
		}
	}
	return nil
}

func (d doors) cluster(c ecstypes.Cluster, sev report.Severity) {
	if aws.ToString(c.Status) == "INACTIVE" {
		return
	}
	name := orNone(aws.ToString(c.ClusterName))
	fix := "`aws ecs update-cluster --region <region> --cluster <cluster> --configuration 'executeCommandConfiguration={logging=OVERRIDE,logConfiguration={cloudWatchLogGroupName=<log group>}}'` in the listed account, for each listed cluster (ECS developer guide, \"Monitor Amazon ECS containers with ECS Exec\", logging); docs/guardrails.md, \"Ways into a node\""
	switch clusterLogging(c) {
	case execNotLogged:
		d.add(CheckECSExecLogging, config.WayECSExec, sev, name,
			fmt.Sprintf("cluster %s logs no ECS Exec session (executeCommandConfiguration.logging %s)", name, logValue(c)), fix)
	case execMaybe:
		d.add(CheckECSExecLogging, config.WayECSExec, maybeSeverity(sev), name,
			fmt.Sprintf("cluster %s logs ECS Exec sessions only where the task definition configures the awslogs log driver (executeCommandConfiguration.logging %s): the others are not logged, and this check does not read task definitions", name, logValue(c)), fix)
	case execUnknownLog:
		d.add(CheckECSExecLogging, config.WayECSExec, unknownSeverity(sev), name,
			fmt.Sprintf("cluster %s has executeCommandConfiguration.logging %s, a value this version does not know: its ECS Exec sessions may not be logged", name, logValue(c)), fix)
	}
}

// logValue is the cluster's logging setting as the answer gave it ("DEFAULT (unset)" when none).
func logValue(c ecstypes.Cluster) string {
	if c.Configuration == nil || c.Configuration.ExecuteCommandConfiguration == nil || c.Configuration.ExecuteCommandConfiguration.Logging == "" {
		return "DEFAULT (unset)"
	}
	ecc := c.Configuration.ExecuteCommandConfiguration
	if ecc.Logging == ecstypes.ExecuteCommandLoggingOverride && clusterLogging(c) == execNotLogged {
		return "OVERRIDE without a log group or bucket"
	}
	return string(ecc.Logging)
}
