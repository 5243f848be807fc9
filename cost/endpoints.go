package cost

// hoursPerMonth is the planning month of the endpoint prices (730 hours).
const hoursPerMonth = 730

// EndpointScale is where the VPCs of an organization's private subnets are: how many accounts and
// regions have them, how many VPCs each account has per region, and in how many Availability
// Zones each interface endpoint is placed.
type EndpointScale struct {
	Accounts, Regions, VPCs, AZs int
	// SessionEncryption adds the KMS endpoint (the agent's kms:Decrypt of the session key).
	SessionEncryption bool
	// In are the governed regions, each priced at its own prices (Regions of them); without a
	// home region every region is priced at the prices file's own region.
	In Governed
}

// Endpoints is the monthly cost of the VPC endpoints a private subnet needs for logged Session
// Manager sessions with only its own region's endpoints (docs/private-networks.md): interface
// endpoints for ssm, ssmmessages, ec2messages and logs (and kms with session encryption), billed
// per endpoint, Availability Zone and hour whether used or not, and the S3 gateway endpoint (home
// region, transcripts), which is free. The VPCs are the teams', not sessionaudit's: this prices the
// option for the organization, it is not in the fixed cost of what sessionaudit deploys.
func Endpoints(p *Prices, s EndpointScale) []Line {
	services := []string{"ssm", "ssmmessages", "ec2messages", "logs"}
	if s.SessionEncryption {
		services = append(services, "kms")
	}
	g := s.In
	g.Count = s.Regions
	var lines []Line
	for _, sh := range g.shares() {
		vpcs := float64(s.Accounts*s.VPCs) * sh.n
		for _, svc := range services {
			at := p.in(sh.region)
			each := at.usd("vpc.interfaceEndpointHour") * hoursPerMonth * float64(s.AZs)
			lines = append(lines, Line{Where: "interface endpoint", Region: sh.region, Fallback: at.fallback, What: "com.amazonaws.<region>." + svc + " in " + itoa(s.AZs) + " AZs", Count: vpcs, Unit: "VPCs", Each: each, USD: vpcs * each})
		}
	}
	vpcs := float64(s.Accounts * s.Regions * s.VPCs)
	lines = append(lines, Line{Where: "gateway endpoint", What: "com.amazonaws.<region>.s3 (free; transcripts in the home region)", Count: vpcs, Unit: "VPCs", Each: 0, USD: 0})
	return lines
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}
