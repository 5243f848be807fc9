package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/sessionaudit/sessionaudit/operator/audit"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

const playUsage = `  play       replays session SESSION with its recorded timing, control sequences as recorded:
             play SESSION [-from DAY] [-to DAY] [-file PATH] [-speed N] [-idle SECONDS] [-cast OUT]
             (-cast: writes an asciicast v2 file)
show and play exit 0 when shown, 1 when SESSION is not in the file or the ledger, nothing of it is
recorded, or its transcript was rewritten; 2 when they could not run. For an RDP connection (SESSION
its ARN), show exits 0 when the digests list its recording (a video: play exits 1), 1 when not
found or a digest of its hours is missing, 2 when a digest could not be read.
`

// playSleep waits during a replay; tests replace it.
var playSleep = time.Sleep

func playCommand(ctx context.Context, args []string, d Deps) int {
	fs := flag.NewFlagSet("play", flag.ContinueOnError)
	fs.SetOutput(d.Stderr)
	path := fs.String("file", "", "`PATH` of a downloaded archive object: a transcript (<session ID>.log) or forwarded output (.json.gz)")
	speed := fs.Float64("speed", 1, "replay speed (2: twice as fast)")
	idle := fs.Float64("idle", 2, "longest wait between two pieces of output, in recorded seconds")
	cast := fs.String("cast", "", "write an asciicast v2 file to `OUT` instead of replaying")
	fl := addOnlineFlags(fs, d)
	id, ok := sessionArgs(fs, args, d.Stderr)
	if !ok {
		return report.ExitCouldNot
	}
	if *speed <= 0 || *idle < 0 {
		fmt.Fprintf(d.Stderr, "sessionaudit play: -speed must be above 0 (got %v), -idle 0 or above (got %v)\n", *speed, *idle)
		return report.ExitCouldNot
	}
	var s *audit.Session
	var f *found
	code, source := report.ExitClean, *path
	if *path != "" {
		s, code = loadSession("play", *path, id, d.Stderr)
	} else {
		// Online, the forwarded output comes first: it has the timing a replay needs.
		s, f, code = lookupOnline(ctx, "play", id, fl, true, d)
		if f != nil {
			source = f.Key
		}
	}
	if s == nil {
		if f != nil && f.Recorded == recordedRDP {
			// A video, not terminal output: exit 1, as for a session with nothing to replay.
			fmt.Fprintf(d.Stderr, "sessionaudit play: %s is an RDP connection: its recording %s is a video, not terminal output; nothing to replay (download the object to watch it)\n",
				id, audit.Escape(f.Recording.Key))
			return report.ExitFindings
		}
		if f != nil {
			return onlineFindings("play", f, d.Stderr)
		}
		return code
	}
	if s.Transcript {
		fmt.Fprintf(d.Stderr, "sessionaudit play: %s is a transcript, which has no timing: its output is one frame\n", source)
	}
	frames := audit.Frames(s, *speed, time.Duration(*idle*float64(time.Second)))
	if *cast != "" {
		out, err := os.Create(*cast)
		if err != nil {
			fmt.Fprintf(d.Stderr, "sessionaudit play: %v\n", err)
			return report.ExitCouldNot
		}
		err = audit.WriteCast(out, s, frames)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintf(d.Stderr, "sessionaudit play: writing %s: %v\n", *cast, err)
			return report.ExitCouldNot
		}
		fmt.Fprintf(d.Stderr, "sessionaudit play: wrote %s (%d frames)\n", *cast, len(frames))
		return onlineFindings("play", f, d.Stderr)
	}
	// The replay passes the recorded control sequences to the terminal, as recorded: that is what
	// a replay is (docs/audit.md, "Terminal safety"); show escapes them.
	if err := audit.Play(d.Stdout, frames, playSleep); err != nil {
		return report.ExitCouldNot
	}
	return onlineFindings("play", f, d.Stderr)
}
