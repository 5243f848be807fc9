// Package sessiondocs holds what sessionaudit knows about Session Manager's session documents, for
// the notifications and the guardrails alike: which document's sessions the preferences it
// manages log, which AWS documents are never logged and why, and who starts sessions on a user's
// behalf. It has no dependencies, so that any package can use it.
//
// Sources: Session Manager user guide, "Logging session activity": "Logging isn't available for
// Session Manager sessions that connect through port forwarding or SSH"; "Start a session with a
// document by specifying the session documents in IAM policies": "If you use the start-session
// AWS CLI command using the default session document, you can omit the document name. The system
// automatically calls the SSM-SessionManagerRunShell session document." The SSM agent logs only
// sessions of its shell plugin (Standard_Stream, InteractiveCommands, NonInteractiveCommands),
// with the S3 and CloudWatch settings of the document content the service sends
// (amazon-ssm-agent agent/framework/docparser/docparser.go, agent/session/shell/shell.go); the
// Port plugin logs nothing (agent/session/plugins/port). AWS does not document that any AWS-owned
// document (AWS-StartInteractiveCommand, say) gets the account's preferences, so only the
// preferences document itself counts as logged.
package sessiondocs

import "strings"

// Preferences is the document Session Manager reads the account's preferences from, and the one
// it uses when a request names no document.
const Preferences = "SSM-SessionManagerRunShell"

// Logged are the session documents whose sessions the preferences that sessionaudit manages log:
// the preferences document itself (named, or used by default).
var Logged = []string{Preferences}

// PortForwarding, PortForwardingToRemoteHost and SSH are the AWS documents of Session Manager's
// Port plugin: never logged, nor encrypted with the session key.
const (
	PortForwarding             = "AWS-StartPortForwardingSession"
	PortForwardingToRemoteHost = "AWS-StartPortForwardingSessionToRemoteHost"
	SSH                        = "AWS-StartSSHSession"
)

// Unlogged are the AWS session documents that are documented never to be logged.
var Unlogged = []string{PortForwarding, PortForwardingToRemoteHost, SSH}

// FleetManagerRemoteDesktop is the service that starts Fleet Manager's Remote Desktop sessions
// (AWS-StartPortForwardingSession) with the user's credentials (aws:CalledVia): AWS's managed
// policy AWSSystemsManagerJustInTimeAccessTokenSessionPolicy allows that document only with
// aws:CalledViaFirst ssm-guiconnect.amazonaws.com. Those connections are recorded instead.
const FleetManagerRemoteDesktop = "ssm-guiconnect.amazonaws.com"

// SessionManagerSource and SignInSource are the CloudTrail event sources (eventSource) of Session
// Manager's API calls and of console sign-ins; with FleetManagerRemoteDesktop (GUI Connect), the
// sources of the events sessionaudit announces (constructs/loginnotifier) and so needs a trail to
// record (operator/check). CloudTrail user guide, "CloudTrail record contents" (eventSource), and
// "AWS Management Console sign-in events".
const (
	SessionManagerSource = "ssm.amazonaws.com"
	SignInSource         = "signin.amazonaws.com"
)

// IsLogged reports whether a session that names document (as given in the request: empty for the
// default, a name, or an ARN) in account is logged by the account's preferences: the default or
// a Logged document of the account itself, never another account's document of the same name.
func IsLogged(document, account string) bool {
	if document == "" {
		return true
	}
	name := document
	if strings.HasPrefix(document, "arn:") {
		parts := strings.SplitN(document, ":", 6)
		if len(parts) != 6 || parts[4] != account || !strings.HasPrefix(parts[5], "document/") {
			return false
		}
		name = strings.TrimPrefix(parts[5], "document/")
	}
	for _, l := range Logged {
		if name == l {
			return true
		}
	}
	return false
}
