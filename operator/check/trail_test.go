package check

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

func TestWritesManagementEvents(t *testing.T) {
	sources := []string{"ssm.amazonaws.com", "signin.amazonaws.com"}
	field := func(name string, f func(*cttypes.AdvancedFieldSelector)) cttypes.AdvancedFieldSelector {
		s := cttypes.AdvancedFieldSelector{Field: aws.String(name)}
		f(&s)
		return s
	}
	management := field("eventCategory", func(s *cttypes.AdvancedFieldSelector) { s.Equals = []string{"Management"} })
	adv := func(fields ...cttypes.AdvancedFieldSelector) *cloudtrail.GetEventSelectorsOutput {
		return &cloudtrail.GetEventSelectorsOutput{AdvancedEventSelectors: []cttypes.AdvancedEventSelector{{FieldSelectors: fields}}}
	}
	basic := func(rw cttypes.ReadWriteType, include bool, exclude ...string) *cloudtrail.GetEventSelectorsOutput {
		return &cloudtrail.GetEventSelectorsOutput{EventSelectors: []cttypes.EventSelector{{ReadWriteType: rw, IncludeManagementEvents: aws.Bool(include), ExcludeManagementEventSources: exclude}}}
	}
	cases := []struct {
		name string
		sel  *cloudtrail.GetEventSelectorsOutput
		want bool
	}{
		{"empty answer", &cloudtrail.GetEventSelectorsOutput{}, false},
		{"basic All", basic(cttypes.ReadWriteTypeAll, true), true},
		{"basic WriteOnly", basic(cttypes.ReadWriteTypeWriteOnly, true), true},
		{"basic ReadOnly", basic(cttypes.ReadWriteTypeReadOnly, true), false},
		{"basic without management events", basic(cttypes.ReadWriteTypeAll, false), false},
		{"basic excluding KMS", basic(cttypes.ReadWriteTypeAll, true, "kms.amazonaws.com"), true},
		{"basic excluding a notified source", basic(cttypes.ReadWriteTypeAll, true, "signin.amazonaws.com"), false},
		{"basic of an unknown read/write type", basic("Sometimes", true), false},
		{"advanced, readOnly absent", adv(management), true},
		{"advanced, readOnly false", adv(management, field("readOnly", func(s *cttypes.AdvancedFieldSelector) { s.Equals = []string{"false"} })), true},
		{"advanced, readOnly true", adv(management, field("readOnly", func(s *cttypes.AdvancedFieldSelector) { s.Equals = []string{"true"} })), false},
		{"advanced, readOnly not true", adv(management, field("readOnly", func(s *cttypes.AdvancedFieldSelector) { s.NotEquals = []string{"true"} })), true},
		{"advanced, readOnly not false", adv(management, field("readOnly", func(s *cttypes.AdvancedFieldSelector) { s.NotEquals = []string{"false"} })), false},
		{"advanced, one source only", adv(management, field("eventSource", func(s *cttypes.AdvancedFieldSelector) { s.Equals = []string{"ssm.amazonaws.com"} })), false},
		{"advanced, sources by prefix", adv(management, field("eventSource", func(s *cttypes.AdvancedFieldSelector) { s.StartsWith = []string{"ssm.", "signin."} })), true},
		{"advanced, a field this check does not know", adv(management, field("userIdentity.arn", func(s *cttypes.AdvancedFieldSelector) { s.NotStartsWith = []string{"arn:aws:sts::1:"} })), false},
		{"advanced without eventCategory", adv(field("readOnly", func(s *cttypes.AdvancedFieldSelector) { s.Equals = []string{"false"} })), false},
		{"advanced for data events", adv(field("eventCategory", func(s *cttypes.AdvancedFieldSelector) { s.Equals = []string{"Data"} })), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := writesManagementEvents(tc.sel, sources); got != tc.want {
				t.Errorf("writesManagementEvents = %v, want %v", got, tc.want)
			}
		})
	}
}
