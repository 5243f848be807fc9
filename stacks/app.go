package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/sessionaudit/sessionaudit/config"
)

// App holds every stack of a sessionaudit deployment.
type App struct {
	// LogArchive is the SessionAudit-LogArchive stack.
	LogArchive *LogArchive
	// Receivers are the SessionAudit-Receiver-<region> stacks of the governed regions, by region.
	Receivers map[string]*Receiver
	// Member is the SessionAudit-Member stack (the StackSet's template).
	Member *Member
	// MemberStackSet is the SessionAudit-MemberStackSet stack.
	MemberStackSet *MemberStackSet
	// SignIn is the SessionAudit-SignIn stack; nil when every sign-in region is governed (or
	// console sign-ins are not announced).
	SignIn *SignIn
	// Forwarders is the SessionAudit-Forwarders stack; nil without config forwarders.
	Forwarders *Forwarders
	// Guardrails is the SessionAudit-Guardrails stack; nil unless guardrails.enabled.
	Guardrails *Guardrails
}

// New adds every sessionaudit stack for the validated configuration c to app.
func New(app awscdk.App, c config.Config) *App {
	a := &App{LogArchive: NewLogArchive(app, c), Receivers: map[string]*Receiver{}}
	for _, region := range c.Regions {
		a.Receivers[region] = NewReceiver(app, c, region, a.LogArchive)
	}
	a.Member = NewMember(app, c)
	if len(c.ExtraSignInRegions()) > 0 {
		a.SignIn = NewSignIn(app, c)
	}
	a.MemberStackSet = NewMemberStackSet(app, c, a.Member, a.SignIn)
	if len(c.Forwarders) > 0 {
		a.Forwarders = NewForwarders(app, c)
	}
	if c.Guardrails.Enabled {
		a.Guardrails = NewGuardrails(app, c)
	}
	return a
}
