package cost

import (
	"fmt"
	"math"
	"strings"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
)

// PreferencesType is the member's preferences document resource (constructs/sessionprefs
// ResourceType; not imported, so that the cost model does not pull in the CDK).
const PreferencesType = "Custom::SessionManagerPreferences"

// kbPerGiB is the model's unit of volume: 1 GiB of session transcript (prices per GB are applied
// to GiB, which overstates them by 7%).
const kbPerGiB = 1024 * 1024

// daysPerMonth converts retention days to billed months.
const daysPerMonth = 30.4375

// Plan is the storage plan and data path read from the templates.
type Plan struct {
	// RetentionDays objects stay in the central bucket (Expire rule).
	RetentionDays float64
	// ArchiveAfterDays, ArchiveClass and ArchiveMinBytes are the Archive rule; ArchiveClass is ""
	// without one.
	ArchiveAfterDays float64
	ArchiveClass     string
	ArchiveMinBytes  float64
	// LogRetentionDays of the member session log group.
	LogRetentionDays float64
	// BufferSeconds and BufferMiB of the Firehose streams of forwarded logs; Compressed when they
	// write GZIP.
	BufferSeconds, BufferMiB float64
	Compressed               bool
	// ProcessorBatchMiB, ProcessorMemoryMiB and ProcessorArch of the record processor.
	ProcessorBatchMiB, ProcessorMemoryMiB float64
	ProcessorArch                         string
	// Logging is true when the member stack manages the preferences document, so that sessions
	// are logged to the member log group (rollout phases logging and enforced); false in the
	// permissions phase, which keeps each account's preferences (config.PhasePermissions).
	Logging bool
	// SessionEncryption is true when the preferences name a session key.
	SessionEncryption bool
	// Emails subscribed to the notification topic.
	Emails int
	// LedgerBufferSeconds of the ledger's stream (archivelayout.LedgerPrefix); 0 without one.
	LedgerBufferSeconds float64
	// DigesterMemoryMiB and DigesterArch of the digester's function (DigesterDescription); 0
	// without one.
	DigesterMemoryMiB float64
	DigesterArch      string
	// CoverageCheckMemoryMiB and CoverageCheckArch of the daily coverage check's function
	// (CoverageCheckDescription); 0 without one.
	CoverageCheckMemoryMiB float64
	CoverageCheckArch      string
}

// ReadPlan reads the storage plan and data path from the templates.
func ReadPlan(a *App) (Plan, error) {
	la, member := a.Templates[logArchiveStack], a.Templates[memberStack]
	var p Plan
	for _, b := range la.of("AWS::S3::Bucket") {
		if dig(b.Properties, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm") != "aws:kms" {
			continue // the access-log bucket
		}
		for _, rule := range list(dig(b.Properties, "LifecycleConfiguration", "Rules")) {
			switch dig(rule, "Id") {
			case "Expire":
				p.RetentionDays = number(dig(rule, "ExpirationInDays"))
			case "Archive":
				p.ArchiveAfterDays = number(dig(rule, "Transitions", 0, "TransitionInDays"))
				p.ArchiveClass = fmt.Sprint(dig(rule, "Transitions", 0, "StorageClass"))
				p.ArchiveMinBytes = number(dig(rule, "ObjectSizeGreaterThan"))
			}
		}
	}
	lg, err := member.first("AWS::Logs::LogGroup", "SessionPreferencesLogGroup")
	if err != nil {
		return p, err
	}
	p.LogRetentionDays = number(lg.Properties["RetentionInDays"])
	for _, s := range la.of("AWS::KinesisFirehose::DeliveryStream") {
		d := dig(s.Properties, "ExtendedS3DestinationConfiguration")
		if prefix, _ := dig(d, "Prefix").(string); strings.HasPrefix(prefix, archivelayout.LedgerPrefix) {
			p.LedgerBufferSeconds = number(dig(d, "BufferingHints", "IntervalInSeconds"))
			continue
		}
		p.BufferSeconds = number(dig(d, "BufferingHints", "IntervalInSeconds"))
		p.BufferMiB = number(dig(d, "BufferingHints", "SizeInMBs"))
		p.Compressed = dig(d, "CompressionFormat") == "GZIP"
		for _, param := range list(dig(d, "ProcessingConfiguration", "Processors", 0, "Parameters")) {
			if dig(param, "ParameterName") == "BufferSizeInMBs" {
				p.ProcessorBatchMiB = number(dig(param, "ParameterValue"))
			}
		}
	}
	for _, f := range la.of("AWS::Lambda::Function") {
		if f.Properties["Description"] == DigesterDescription {
			p.DigesterMemoryMiB = number(f.Properties["MemorySize"])
			p.DigesterArch = fmt.Sprint(dig(f.Properties, "Architectures", 0))
		}
		if f.Properties["Description"] == CoverageCheckDescription {
			p.CoverageCheckMemoryMiB = number(f.Properties["MemorySize"])
			p.CoverageCheckArch = fmt.Sprint(dig(f.Properties, "Architectures", 0))
		}
	}
	fn, err := la.first("AWS::Lambda::Function", "LogReceiverProcessor")
	if err != nil {
		return p, err
	}
	p.ProcessorMemoryMiB = number(fn.Properties["MemorySize"])
	p.ProcessorArch = fmt.Sprint(dig(fn.Properties, "Architectures", 0))
	// The preferences document is the member's only in the logging and enforced phases; without
	// one (the permissions phase) sessions are logged as each account has it, and sessionaudit's
	// log path carries nothing yet. A configuration next to the templates that says another phase
	// makes a missing document an error, not a permissions phase.
	docs := member.of(PreferencesType)
	switch {
	case len(docs) > 1:
		return p, fmt.Errorf("%d %s resources in the member template, want at most one", len(docs), PreferencesType)
	case len(docs) == 0 && a.Phase != "" && a.Phase != config.PhasePermissions:
		return p, fmt.Errorf("no %s in the member template, but the configuration's rollout phase is %q (only %q keeps each account's preferences)", PreferencesType, a.Phase, config.PhasePermissions)
	case len(docs) == 1 && a.Phase == config.PhasePermissions:
		return p, fmt.Errorf("a %s in the member template, but the configuration's rollout phase is %q, which keeps each account's preferences", PreferencesType, a.Phase)
	}
	for _, doc := range docs {
		content := fmt.Sprint(doc.Properties["Content"])
		p.Logging = true
		p.SessionEncryption = !strings.Contains(content, `"kmsKeyId":""`)
	}
	for _, sub := range la.of("AWS::SNS::Subscription") {
		if sub.Properties["Protocol"] == "email" {
			p.Emails++
		}
	}
	var missing []string
	for name, v := range map[string]float64{"bucket expiry": p.RetentionDays, "log retention": p.LogRetentionDays,
		"Firehose buffer": p.BufferSeconds * p.BufferMiB, "processor batch": p.ProcessorBatchMiB, "processor memory": p.ProcessorMemoryMiB} {
		if v == 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return p, fmt.Errorf("the templates do not show: %s", strings.Join(missing, ", "))
	}
	return p, nil
}

// model prices objects over their life in the bucket.
type model struct {
	p    pricer
	plan Plan
}

// objectLife is what one object of sizeKB costs in the bucket from upload to expiry, following
// the plan: S3 Standard, then the archive class when it is larger than the threshold (billed
// sizes and per-object overheads as the prices file says), plus the transition request.
func (m model) objectLife(sizeKB float64, archive bool) float64 {
	std := m.p.usd("s3.storage.STANDARD") / kbPerGiB
	months := m.plan.RetentionDays / daysPerMonth
	if !archive {
		return sizeKB * std * months
	}
	before := m.plan.ArchiveAfterDays / daysPerMonth
	cls := m.p.usd("s3.storage."+m.plan.ArchiveClass) / kbPerGiB
	billed, overheadStd, overheadCls := sizeKB, 0.0, 0.0
	switch m.plan.ArchiveClass {
	case "GLACIER_IR", "STANDARD_IA":
		billed = math.Max(sizeKB, 128) // S3 user guide, storage classes: 128 KB minimum billable size
	case "GLACIER", "DEEP_ARCHIVE":
		overheadStd, overheadCls = 8, 32 // "8 KB ... at S3 Standard rates" + "32 KB ... at archive rates"
	}
	return sizeKB*std*before + (billed*cls+overheadStd*std+overheadCls*cls)*(months-before) + m.p.usd("s3.transition."+m.plan.ArchiveClass)
}

// archives says whether the plan moves an object of sizeKB.
func (m model) archives(sizeKB float64) bool {
	return m.plan.ArchiveClass != "" && sizeKB*1024 > m.plan.ArchiveMinBytes
}

// BreakEvenKB is the smallest object that costs less over its life in the archive class than in
// S3 Standard; 0 without an archive rule.
func BreakEvenKB(p *Prices, plan Plan) float64 { return breakEvenKB(p, plan) }

func breakEvenKB(p pricer, plan Plan) float64 {
	m := model{p, plan}
	if plan.ArchiveClass == "" {
		return 0
	}
	for kb := 1.0; kb <= 4096; kb++ {
		if m.objectLife(kb, true) < m.objectLife(kb, false) {
			return kb
		}
	}
	return math.Inf(1)
}

// classPrices checks that the prices file prices the plan's archive class.
func classPrices(p *Prices, plan Plan) error {
	if plan.ArchiveClass == "" {
		return nil
	}
	for _, id := range []string{"s3.storage." + plan.ArchiveClass, "s3.transition." + plan.ArchiveClass} {
		if _, ok := p.Prices[id]; !ok {
			return fmt.Errorf("the bucket archives to %s, but the prices file has no %s", plan.ArchiveClass, id)
		}
	}
	return nil
}
