package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Frame is one piece of output at its replay time, counted from the start.
type Frame struct {
	At   time.Duration
	Data string
}

// Frames is the session's output on the replay clock: each event at its recorded time, every gap
// between two events capped at idle, then divided by speed. A transcript is one frame at 0.
func Frames(s *Session, speed float64, idle time.Duration) []Frame {
	if s.Transcript {
		return []Frame{{Data: s.Text("")}}
	}
	var out []Frame
	var at time.Duration
	for i, e := range s.Events {
		if i > 0 {
			gap := e.Time.Sub(s.Events[i-1].Time)
			if gap > idle {
				gap = idle
			}
			at += time.Duration(float64(gap) / speed)
		}
		out = append(out, Frame{At: at, Data: eventData(e, "\r\n")})
	}
	return out
}

// Play writes the frames to w, waiting with sleep until each frame's time.
func Play(w io.Writer, frames []Frame, sleep func(time.Duration)) error {
	var now time.Duration
	for _, f := range frames {
		if f.At > now {
			sleep(f.At - now)
			now = f.At
		}
		if _, err := io.WriteString(w, f.Data); err != nil {
			return err
		}
	}
	return nil
}

// castHeader is the asciicast v2 header (docs.asciinema.org/manual/asciicast/v2): version, the
// initial terminal size, the Unix time of the start and a title.
type castHeader struct {
	Version   int    `json:"version"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Timestamp int64  `json:"timestamp,omitempty"`
	Title     string `json:"title,omitempty"`
}

// Terminal size of a cast: the archive does not hold the session's, so 24 rows and the longest
// line's width, at least 80 and at most 250 columns.
const (
	castRows    = 24
	castMinCols = 80
	castMaxCols = 250
)

// WriteCast writes the frames as an asciicast v2 file: the header line, then one
// [seconds, "o", data] line per frame.
func WriteCast(w io.Writer, s *Session, frames []Frame) error {
	h := castHeader{Version: 2, Width: castMinCols, Height: castRows, Title: title(s)}
	if !s.Start().IsZero() {
		h.Timestamp = s.Start().Unix()
	}
	for _, e := range s.Events {
		for _, l := range e.Lines {
			if n := utf8.RuneCountInString(l); n > h.Width {
				h.Width = min(n, castMaxCols)
			}
		}
	}
	enc := json.NewEncoder(w)
	if err := enc.Encode(h); err != nil {
		return err
	}
	for _, f := range frames {
		if err := enc.Encode([]any{json.Number(fmt.Sprintf("%.6f", f.At.Seconds())), "o", f.Data}); err != nil {
			return err
		}
	}
	return nil
}

func title(s *Session) string {
	t := "session " + s.ID
	if s.Node != "" {
		t += " on " + s.Node
	}
	if s.Who != "" || s.Name != "" {
		t += " by " + s.Person()
	}
	if s.Reason != "" {
		t += ", reason: " + strings.Join(strings.Fields(s.Reason), " ") // one line
	}
	return t
}
