package cli

// identityCenterBreakGlass is the exemption of an IAM Identity Center break-glass permission set,
// the most common one in Control Tower organizations (issue 28).
const identityCenterBreakGlass = "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_PlatformBreakGlass_*"
