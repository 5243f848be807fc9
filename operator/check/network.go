package check

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/cost"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

type node struct {
	id, vpc, subnet, profile string
}

// managedNodes are the region's EC2 managed nodes (ssm:DescribeInstanceInformation) with their
// VPC, subnet and instance profile (ec2:DescribeInstances, at most 100 IDs a call).
func managedNodes(ctx context.Context, e *Env, cfg aws.Config, account, region string) ([]node, error) {
	var ids []string
	p := ssm.NewDescribeInstanceInformationPaginator(ssm.NewFromConfig(cfg), &ssm.DescribeInstanceInformationInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, call(err, "ssm:DescribeInstanceInformation", account, region)
		}
		for _, i := range out.InstanceInformationList {
			if id := aws.ToString(i.InstanceId); strings.HasPrefix(id, "i-") {
				ids = append(ids, id)
			}
		}
	}
	client := ec2.NewFromConfig(cfg)
	var nodes []node
	for start := 0; start < len(ids); start += 100 {
		batch := ids[start:min(start+100, len(ids))]
		p := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{InstanceIds: batch})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, call(err, "ec2:DescribeInstances", account, region)
			}
			for _, r := range out.Reservations {
				for _, i := range r.Instances {
					n := node{id: aws.ToString(i.InstanceId), vpc: aws.ToString(i.VpcId), subnet: aws.ToString(i.SubnetId)}
					if i.IamInstanceProfile != nil {
						arn := aws.ToString(i.IamInstanceProfile.Arn)
						n.profile = arn[strings.LastIndex(arn, "/")+1:]
					}
					nodes = append(nodes, n)
				}
			}
		}
	}
	return nodes, nil
}

// requiredEndpoints are the VPC endpoints a node without a route to the internet needs for a
// session in region (docs/private-networks.md, "The endpoints each region's VPCs need"): what
// Session Manager needs anyway and what sessionaudit adds in the configured rollout phase (one list,
// cost/endpoints.go, which the cost report prices), and the S3 gateway in the home region.
func requiredEndpoints(c config.Config, region string) []string {
	logging := c.Rollout.Phase != config.PhasePermissions
	out := slices.Concat(cost.SessionManagerEndpoints, cost.AddedEndpoints(cost.EndpointScale{
		Logging:           logging,
		SessionEncryption: logging && c.Session.EncryptionKey != config.SessionKeyNone,
	}))
	if region == c.HomeRegion {
		out = append(out, "s3")
	}
	return out
}

// endpointCheck finds the VPCs whose managed nodes sit in subnets without a default route (no
// internet gateway, NAT or transit path: the route table associated with the subnet, else the
// VPC's main table) and lack a required endpoint.
func endpointCheck(ctx context.Context, e *Env, cfg aws.Config, account, region string, nodes []node) error {
	byVPC := map[string][]node{}
	for _, n := range nodes {
		if n.vpc != "" {
			byVPC[n.vpc] = append(byVPC[n.vpc], n)
		}
	}
	client := ec2.NewFromConfig(cfg)
	vpcs := make([]string, 0, len(byVPC))
	for v := range byVPC {
		vpcs = append(vpcs, v)
	}
	sort.Strings(vpcs)
	for _, vpc := range vpcs {
		filter := []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc}}}
		routed := map[string]bool{} // subnet → has a default route
		mainRouted, haveMain := false, false
		p := ec2.NewDescribeRouteTablesPaginator(client, &ec2.DescribeRouteTablesInput{Filters: filter})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return call(err, "ec2:DescribeRouteTables", account, region)
			}
			for _, t := range out.RouteTables {
				def := hasDefaultRoute(t)
				for _, a := range t.Associations {
					if aws.ToBool(a.Main) {
						mainRouted, haveMain = def, true
					}
					if a.SubnetId != nil {
						routed[aws.ToString(a.SubnetId)] = def
					}
				}
			}
		}
		var private []string
		for _, n := range byVPC[vpc] {
			def, ok := routed[n.subnet]
			if !ok && haveMain {
				def = mainRouted
			}
			if !def {
				private = append(private, n.id)
			}
		}
		if len(private) == 0 {
			continue
		}
		have := map[string]bool{}
		unusable := map[string][]string{} // service → why each of its endpoints does not count
		pe := ec2.NewDescribeVpcEndpointsPaginator(client, &ec2.DescribeVpcEndpointsInput{Filters: filter})
		for pe.HasMorePages() {
			out, err := pe.NextPage(ctx)
			if err != nil {
				return call(err, "ec2:DescribeVpcEndpoints", account, region)
			}
			for _, ep := range out.VpcEndpoints {
				name := aws.ToString(ep.ServiceName)
				svc := name[strings.LastIndex(name, ".")+1:]
				if why := endpointUnusable(ep); why != "" {
					unusable[svc] = append(unusable[svc], aws.ToString(ep.VpcEndpointId)+" "+why)
					continue
				}
				have[svc] = true
			}
		}
		var missing, notes []string
		for _, s := range requiredEndpoints(e.Config, region) {
			if !have[s] {
				missing = append(missing, s)
				notes = append(notes, unusable[s]...)
			}
		}
		if len(missing) == 0 {
			continue
		}
		sort.Strings(private)
		e.Report.Add(report.Finding{Check: "ec2.vpc-endpoints", Severity: report.Fail, Account: account, Region: region, Subject: vpc,
			Message: fmt.Sprintf("%d managed nodes without a route to the internet (%s) and no usable endpoint for %s%s", len(private), abbreviate(private), strings.Join(missing, ", "), unusableNote(notes)),
			Meaning: "a logged session on these nodes cannot reach CloudWatch Logs, KMS or S3 and fails at start (the agent checks encryption first)",
			Fix:     fmt.Sprintf("create the VPC endpoints com.amazonaws.%s.{%s} in %s, interface endpoints with private DNS enabled, and wait for the state available (docs/private-networks.md, \"The endpoints each region's VPCs need\")", region, strings.Join(missing, ","), vpc)})
	}
	return nil
}

// endpointUnusable says why a VPC endpoint does not serve the SSM agent, or "" when it does. Only
// an endpoint in the state available carries traffic (EC2 API reference, VpcEndpoint.State:
// PendingAcceptance, Pending, Available, Deleting, Deleted, Rejected, Failed, Expired, Partial;
// the API answers them in lower case, "available", hence the case-insensitive comparison). An
// interface endpoint serves the agent only with private DNS, since the agent calls the services'
// default regional names (Systems Manager user guide, "Use VPC endpoints": "enable private DNS";
// PrivateLink guide, "Private DNS names"). A gateway endpoint (S3) needs no DNS; other endpoint
// types (GatewayLoadBalancer, Resource, ServiceNetwork) do not serve these services.
func endpointUnusable(ep ec2types.VpcEndpoint) string {
	if !strings.EqualFold(string(ep.State), string(ec2types.StateAvailable)) {
		return "is " + orNone(string(ep.State))
	}
	switch {
	case strings.EqualFold(string(ep.VpcEndpointType), string(ec2types.VpcEndpointTypeGateway)):
		return ""
	case strings.EqualFold(string(ep.VpcEndpointType), string(ec2types.VpcEndpointTypeInterface)):
		if !aws.ToBool(ep.PrivateDnsEnabled) {
			return "has private DNS off"
		}
		return ""
	}
	return "is of type " + orNone(string(ep.VpcEndpointType))
}

func unusableNote(notes []string) string {
	if len(notes) == 0 {
		return ""
	}
	return " (" + strings.Join(notes, "; ") + ")"
}

func hasDefaultRoute(t ec2types.RouteTable) bool {
	for _, r := range t.Routes {
		if aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" && r.State != ec2types.RouteStateBlackhole {
			return true
		}
	}
	return false
}

func abbreviate(ids []string) string {
	if len(ids) > 3 {
		return strings.Join(ids[:3], ", ") + fmt.Sprintf(", … %d more", len(ids)-3)
	}
	return strings.Join(ids, ", ")
}
