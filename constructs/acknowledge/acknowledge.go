// Package acknowledge records, next to a resource, the security rule-pack findings (cdk-nag) that
// were accepted for it and why. They are written into the template as
//
//	"Metadata": {"cdk_nag": {"rules_to_suppress": [{"id": "...", "reason": "..."}]}}
//
// where cdk-nag looks for them. An id may name one finding: "AwsSolutions-IAM5[Resource::arn:…]".
//
// They are for the rule packs, not for CloudFormation, and they take a third of a small template:
// an app whose templates must stay small (the CDK CLI sends a template inline only up to 50 KiB as
// YAML) moves them out with Extract into a file next to the template (FileSuffix), which the
// harness in test/security reads back (sessionaudit's app.go does so for every stack).
package acknowledge

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/invalid"
)

// Finding is one accepted finding with the reason it is accepted for this resource.
type Finding struct {
	// ID is the rule ("AwsSolutions-SQS3") or one finding of it ("AwsSolutions-IAM5[Action::x]").
	ID string
	// Reason says why it is right for this resource; at least 40 characters.
	Reason string
}

// MinReasonLength is the shortest reason accepted: "not needed" is not a reason.
const MinReasonLength = 40

// compliancePacks are the prefixes of the compliance rule packs that share rule names.
var compliancePacks = []string{"NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"}

// InCompliancePacks returns the finding of rule (e.g. "LambdaInsideVPC") in the NIST 800-53 rev 5,
// HIPAA Security and PCI DSS 3.2.1 packs, or in the packs named (e.g. "NIST.800.53.R5").
func InCompliancePacks(rule, reason string, packs ...string) []Finding {
	if len(packs) == 0 {
		packs = compliancePacks
	}
	out := make([]Finding, len(packs))
	for i, p := range packs {
		out[i] = Finding{ID: p + "-" + rule, Reason: reason}
	}
	return out
}

// On adds findings to the CloudFormation resource of c (c itself if it is one, else its default
// child), keeping those already there.
func On(c constructs.IConstruct, findings ...Finding) {
	res, ok := c.(awscdk.CfnResource)
	if !ok {
		res, ok = c.Node().DefaultChild().(awscdk.CfnResource)
	}
	if !ok {
		invalid.Panic("acknowledge", "%s is not a CloudFormation resource and has none as its default child", *c.Node().Path())
	}
	var rules []any
	if existing, ok := res.GetMetadata(jsii.String("cdk_nag")).(map[string]any); ok {
		if list, ok := existing["rules_to_suppress"].([]any); ok {
			rules = list
		}
	}
	for _, f := range findings {
		if len(f.Reason) < MinReasonLength {
			invalid.Panic("acknowledge", "the reason for %s on %s must say why (at least %d characters), got %q", f.ID, *c.Node().Path(), MinReasonLength, f.Reason)
		}
		rules = append(rules, map[string]any{"id": f.ID, "reason": f.Reason})
	}
	res.AddMetadata(jsii.String("cdk_nag"), map[string]any{"rules_to_suppress": rules})
}

// Resource returns the finding ID suffix cdk-nag gives a policy resource ARN, "Resource::<arn>",
// with references rendered as it renders them: <AWS::Region>, <LogicalId.Attribute>.
func Resource(scope constructs.IConstruct, arn *string) string {
	return "Resource::" + render(awscdk.Stack_Of(scope).Resolve(arn))
}

func render(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case *string:
		return *x
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok {
			return "<" + ref + ">"
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
			return fmt.Sprintf("<%v.%v>", ga[0], ga[1])
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			parts, _ := j[1].([]any)
			out := ""
			for i, p := range parts {
				if i > 0 {
					out += fmt.Sprint(j[0])
				}
				out += render(p)
			}
			return out
		}
		// cdk-nag renders any other intrinsic (Fn::Select, Fn::Split) as its JSON.
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if enc.Encode(x) == nil {
			return strings.TrimSuffix(b.String(), "\n")
		}
	}
	return fmt.Sprint(v)
}

// FileSuffix ends the name of the file next to "<stack>.template.json" that holds the stack's
// acknowledgments: "<stack>" + FileSuffix, a JSON object of logical ID to its cdk_nag metadata.
const FileSuffix = ".acknowledgments.json"

// Extract removes the acknowledgments (Metadata.cdk_nag) from the resources of a synthesized
// template, and a Metadata left empty, and returns them by logical ID (empty when there are none).
func Extract(template map[string]any) map[string]any {
	out := map[string]any{}
	resources, _ := template["Resources"].(map[string]any)
	for id, r := range resources {
		res, _ := r.(map[string]any)
		meta, _ := res["Metadata"].(map[string]any)
		if meta == nil || meta["cdk_nag"] == nil {
			continue
		}
		out[id] = meta["cdk_nag"]
		delete(meta, "cdk_nag")
		if len(meta) == 0 {
			delete(res, "Metadata")
		}
	}
	return out
}
