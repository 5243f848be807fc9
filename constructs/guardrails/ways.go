package guardrails

// Statement IDs of the ways into a node (WaysStatements).
const (
	SidWays       = "DenyWaysIntoNodes"
	SidRunCommand = "DenyRunCommandDocuments"
)

// Ways are the ways into a node besides Session Manager sessions; a true field denies that way to
// every principal but the exempt ones (WaysPolicy).
type Ways struct {
	// InstanceConnect denies EC2 Instance Connect: ec2-instance-connect:SendSSHPublicKey.
	InstanceConnect bool
	// InstanceConnectEndpoint denies EC2 Instance Connect Endpoint tunnels:
	// ec2-instance-connect:OpenTunnel. Creating an endpoint stays allowed: without OpenTunnel it
	// carries nothing (EC2 user guide, "Grant permissions to use EC2 Instance Connect Endpoint":
	// a tunnel needs ec2-instance-connect:OpenTunnel), and preflight and verify list the endpoints.
	InstanceConnectEndpoint bool
	// SerialConsole denies the EC2 serial console: pushing its key
	// (ec2-instance-connect:SendSerialConsoleSSHPublicKey) and turning access on for the account
	// (ec2:EnableSerialConsoleAccess). Turning it off stays allowed.
	SerialConsole bool
	// RunCommand denies Run Command with any document but RunCommandDocuments: sending a command
	// (ssm:SendCommand), making or changing a State Manager association that runs one
	// (ssm:CreateAssociation, ssm:CreateAssociationBatch, ssm:UpdateAssociation), and registering
	// or changing maintenance window tasks (ssm:RegisterTaskWithMaintenanceWindow,
	// ssm:UpdateMaintenanceWindowTask), which may run as Systems Manager's service-linked role, a
	// principal SCPs do not affect.
	RunCommand bool
	// ECSExec denies ECS Exec: ecs:ExecuteCommand (interactive is its only mode).
	ECSExec bool
}

// Any reports whether w denies any way.
func (w Ways) Any() bool {
	return w.InstanceConnect || w.InstanceConnectEndpoint || w.SerialConsole || w.RunCommand || w.ECSExec
}

// RunCommandDocuments are the AWS-owned Command documents that run only AWS's own code on a node,
// whatever their parameters: patching (not AWS-RunPatchBaselineWithHooks, whose hooks run other
// documents), the agent's update, inventory and re-applying associations. With Ways.RunCommand
// every other document is denied to principals that are not exempt: the shell documents
// (AWS-RunShellScript, AWS-RunPowerShellScript), those that fetch and run a script or playbook
// (AWS-RunRemoteScript, AWS-RunDocument, AWS-ApplyAnsiblePlaybooks…), AWS-ConfigureAWSPackage
// (a Distributor package the account owns runs the account's scripts), and every document an
// account owns or shares. Only AWS names documents so: CreateDocument reserves the prefixes aws,
// amazon, amzn (SSM API reference, CreateDocument, Name), so "document/AWS-…" with any account
// (an AWS-owned document's ARN has none) is AWS's.
var RunCommandDocuments = []string{"AWS-RunPatchBaseline", "AWS-RunPatchBaselineAssociation", "AWS-UpdateSSMAgent",
	"AWS-GatherSoftwareInventory", "AWS-RefreshAssociation"}

// Actions per way (Service Authorization Reference: ec2-instance-connect, ec2, ssm, ecs).
var (
	instanceConnectActions = []string{"ec2-instance-connect:SendSSHPublicKey"}
	endpointActions        = []string{"ec2-instance-connect:OpenTunnel"}
	serialConsoleActions   = []string{"ec2-instance-connect:SendSerialConsoleSSHPublicKey", "ec2:EnableSerialConsoleAccess"}
	// Maintenance window tasks: their resources are the window and task only (no document), so
	// the statement of documents cannot tell a patching task from a shell one.
	maintenanceWindowActions = []string{"ssm:RegisterTaskWithMaintenanceWindow", "ssm:UpdateMaintenanceWindowTask"}
	ecsExecActions           = []string{"ecs:ExecuteCommand"}
	// What runs a document on nodes; the document is a resource of each (required but for
	// UpdateAssociation, where a request that names no document keeps the association's).
	runCommandActions = []string{"ssm:SendCommand", "ssm:CreateAssociation", "ssm:CreateAssociationBatch", "ssm:UpdateAssociation"}
	// The other resource types of those actions (Service Authorization Reference): instance,
	// managed-instance, association and the output bucket, which the allow-list of documents must
	// not deny.
	runCommandTargets = []string{"arn:*:ec2:*:*:instance/*", "arn:*:ssm:*:*:managed-instance/*", "arn:*:ssm:*:*:association/*", "arn:*:s3:::*"}
)

// WaysPolicy denies the ways into a node p.Ways names (WaysStatements).
func WaysPolicy(p Props) map[string]any {
	return map[string]any{"Version": "2012-10-17", "Statement": WaysStatements(p)}
}

// WaysStatements are the statements that deny the ways p.Ways names, each sparing the exempt
// principals (aws:PrincipalArn ArnNotLike, as every statement of the policies):
//   - DenyWaysIntoNodes, Resource "*": the actions of each denied way that name no document
//     (Instance Connect, endpoint tunnels, serial console, ECS Exec; for Run Command, maintenance
//     window tasks);
//   - DenyRunCommandDocuments (Run Command): running, or associating, any document but
//     RunCommandDocuments (NotResource: the actions' other resource types and those documents).
//
// Run Command's deny spares patching (AWS-RunPatchBaseline through State Manager, Patch Manager's
// Quick Setup or a maintenance window set up by an exempt role) and the exempt principals, such as
// deployment automation's roles; Automation's aws:runCommand calls SendCommand as its assume role
// or the caller, which the policy covers like any principal. It returns none when p.Ways names none.
func WaysStatements(p Props) []any {
	w := p.Ways
	var actions []string
	for _, way := range []struct {
		on      bool
		actions []string
	}{{w.InstanceConnect, instanceConnectActions}, {w.InstanceConnectEndpoint, endpointActions}, {w.SerialConsole, serialConsoleActions},
		{w.RunCommand, maintenanceWindowActions}, {w.ECSExec, ecsExecActions}} {
		if way.on {
			actions = append(actions, way.actions...)
		}
	}
	var statements []any
	if len(actions) > 0 {
		statements = append(statements, map[string]any{"Sid": SidWays, "Effect": "Deny", "Action": actions, "Resource": "*", "Condition": exempt(p)})
	}
	if w.RunCommand {
		allowed := append([]string{}, runCommandTargets...)
		for _, d := range RunCommandDocuments {
			allowed = append(allowed, "arn:*:ssm:*:*:document/"+d)
		}
		statements = append(statements, map[string]any{"Sid": SidRunCommand, "Effect": "Deny", "Action": runCommandActions, "NotResource": allowed, "Condition": exempt(p)})
	}
	return statements
}
