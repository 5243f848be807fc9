package audit

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

func TestFrames(t *testing.T) {
	at := func(sec int) time.Time { return time.Date(2026, 11, 22, 10, 0, sec, 0, time.UTC) }
	s := &Session{ID: "s", Events: []Event{{at(0), []string{"a"}}, {at(0), []string{"b"}}, {at(3), []string{"c", "d"}}, {at(59), nil}}}
	tests := []struct {
		speed float64
		idle  time.Duration
		want  []time.Duration
	}{
		{1, 2 * time.Second, []time.Duration{0, 0, 2 * time.Second, 4 * time.Second}},
		{1, time.Minute, []time.Duration{0, 0, 3 * time.Second, 59 * time.Second}},
		{4, 2 * time.Second, []time.Duration{0, 0, 500 * time.Millisecond, time.Second}},
		{1, 0, []time.Duration{0, 0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("speed %v idle %v", tc.speed, tc.idle), func(t *testing.T) {
			fs := Frames(s, tc.speed, tc.idle)
			var got []time.Duration
			var data string
			for _, f := range fs {
				got = append(got, f.At)
				data += f.Data
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("times %v, want %v", got, tc.want)
			}
			if data != "a\r\nb\r\nc\r\nd\r\n" {
				t.Errorf("data %q", data)
			}
			var out bytes.Buffer
			var slept time.Duration
			if err := Play(&out, fs, func(d time.Duration) { slept += d }); err != nil || out.String() != data || slept != tc.want[len(tc.want)-1] {
				t.Errorf("Play: err %v, wrote %q, slept %v", err, out.String(), slept)
			}
		})
	}
}
