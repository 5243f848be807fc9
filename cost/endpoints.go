package cost

// hoursPerMonth is the planning month of the endpoint prices (730 hours).
const hoursPerMonth = 730

// EndpointScale is where the VPCs of an organization's private subnets are: how many accounts and
// regions have them, how many VPCs each account has per region, and in how many Availability
// Zones each interface endpoint is placed.
type EndpointScale struct {
	Accounts, Regions, VPCs, AZs int
	// Logging adds the CloudWatch Logs endpoint: the member preferences log sessions to the
	// member log group (Plan.Logging; not in the permissions phase).
	Logging bool
	// SessionEncryption adds the KMS endpoint (the agent's kms:Decrypt of the session key).
	SessionEncryption bool
	// In are the governed regions, each priced at its own prices (Regions of them); without a
	// home region every region is priced at the prices file's own region.
	In Governed
}

// The interface endpoints of a private subnet without a route to the internet, from the Systems
// Manager user guide, "Improve the security of EC2 instances by using VPC endpoints for Systems
// Manager" (setup-create-vpc): com.amazonaws.<region>.ssm, ec2messages and ssmmessages for Systems
// Manager and Session Manager ("ssmmessages: This endpoint is required only if you are connecting
// to your instances through a secure data channel using Session Manager"; the same page says
// that from SSM Agent 3.3.40.0 Systems Manager uses ssmmessages instead of ec2messages whenever
// available, "Reference: ec2messages, ssmmessages, and other API operations" likewise, so older
// agents need ec2messages); "kms: This endpoint
// is optional but can be created if you want to use AWS Key Management Service (AWS KMS)
// encryption for Session Manager"; and for CloudWatch Logs: "If you do not allow your instances to
// access the internet, you must create a VPC endpoint for CloudWatch Logs to use features that
// send logs to CloudWatch Logs".
var (
	// SessionManagerEndpoints are what any Session Manager session from a private subnet needs,
	// with or without sessionaudit.
	SessionManagerEndpoints = []string{"ssm", "ssmmessages", "ec2messages"}
	// LoggingEndpoint is what sessionaudit's logging adds: the agent sends every session to the
	// member log group (DescribeLogGroups at session start, then PutLogEvents).
	LoggingEndpoint = "logs"
	// EncryptionEndpoint is what session encryption adds: the agent decrypts the session's data
	// key with the session key.
	EncryptionEndpoint = "kms"
)

// AddedEndpoints are the interface endpoints sessionaudit adds to what Session Manager needs
// anyway, per VPC of a private subnet in every governed region.
func AddedEndpoints(s EndpointScale) []string {
	var out []string
	if s.Logging {
		out = append(out, LoggingEndpoint)
	}
	if s.SessionEncryption {
		out = append(out, EncryptionEndpoint)
	}
	return out
}

// Endpoints is the monthly cost of the VPC endpoints a private subnet needs for logged Session
// Manager sessions with only its own region's endpoints (docs/private-networks.md), billed per
// endpoint, Availability Zone and hour whether used or not, in two parts: added, the interface
// endpoints sessionaudit adds (AddedEndpoints), and anyway, those any Session Manager session from
// a private subnet needs (SessionManagerEndpoints), with the S3 gateway endpoint, which is free
// (Systems Manager uses it too; sessionaudit's transcripts use it in the home region). The VPCs
// are the teams', not sessionaudit's: this prices the option for the organization, it is not in
// the fixed cost of what sessionaudit deploys.
func Endpoints(p *Prices, s EndpointScale) (added, anyway []Line) {
	added = interfaceEndpoints(p, s, "interface endpoint sessionaudit adds", AddedEndpoints(s))
	anyway = interfaceEndpoints(p, s, "interface endpoint Session Manager needs anyway", SessionManagerEndpoints)
	vpcs := float64(s.Accounts * s.Regions * s.VPCs)
	anyway = append(anyway, Line{Where: "gateway endpoint", What: "com.amazonaws.<region>.s3 (free; transcripts in the home region)", Count: vpcs, Unit: "VPCs", Each: 0, USD: 0})
	return added, anyway
}

// interfaceEndpoints prices services' interface endpoints in every VPC of s.
func interfaceEndpoints(p *Prices, s EndpointScale, where string, services []string) []Line {
	g := s.In
	g.Count = s.Regions
	var lines []Line
	for _, sh := range g.shares() {
		vpcs := float64(s.Accounts*s.VPCs) * sh.n
		for _, svc := range services {
			at := p.in(sh.region)
			each := at.usd("vpc.interfaceEndpointHour") * hoursPerMonth * float64(s.AZs)
			lines = append(lines, Line{Where: where, Region: sh.region, Fallback: at.fallback, What: "com.amazonaws.<region>." + svc + " in " + itoa(s.AZs) + " AZs", Count: vpcs, Unit: "VPCs", Each: each, USD: vpcs * each})
		}
	}
	return lines
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}
