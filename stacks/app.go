package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/sessionaudit/sessionaudit/config"
)

// App holds every stack of a sessionaudit deployment.
type App struct {
	// LogArchive is the SessionAudit-LogArchive stack.
	LogArchive *LogArchive
}

// New adds every sessionaudit stack for the validated configuration c to app.
func New(app awscdk.App, c config.Config) *App {
	return &App{
		LogArchive: NewLogArchive(app, c),
	}
}
