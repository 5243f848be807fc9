package config

import (
	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
	"github.com/sessionaudit/sessionaudit/install"
)

// StackNamePrefix starts the name of every stack of the app, and so what CloudFormation names
// after a stack (functions and roles without a name of their own); the log-archive policies
// protect stacks, functions and roles by it (test/archive_policies_test.go keeps the stack names so).
const StackNamePrefix = "SessionAudit-"

// ArchiveProps names what the log-archive policies (guardrails.protectArchive) protect: the
// central bucket, the keys' aliases, streams, destinations, the central bus and the stacks.
func (c Config) ArchiveProps() guardrails.ArchiveProps {
	in := install.Install{LogArchiveAccountID: c.LogArchiveAccountID, HomeRegion: c.HomeRegion}
	// The digest signing key too: without it no new digest is signed (docs/evidence.md).
	aliases := []string{install.LogKeyAlias, install.DigestKeyAlias}
	if c.Session.EncryptionKey == SessionKeyOrganization {
		aliases = append(aliases, install.SessionKeyAlias)
	}
	return guardrails.ArchiveProps{
		AccountID: c.LogArchiveAccountID, ExemptPrincipalArns: c.Guardrails.ExemptPrincipalArns,
		BucketName: in.CentralBucketName(), KeyAliases: aliases,
		StreamNamePrefix: install.StreamNamePrefix, DestinationName: install.DestinationName, BusName: install.BusName,
		StackNamePrefix: StackNamePrefix, PolicyNamePrefix: PolicyNamePrefix,
	}
}
