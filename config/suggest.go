package config

import (
	"strings"
	"unicode/utf8"
)

// suggest names the known fields an unknown one was probably meant to be: those within two
// edits (Levenshtein, ignoring case) of it, the closest first; else those that share its first
// four characters or more, or that contain it or are contained in it (idleTimeout:
// idleSessionTimeoutMinutes; pattern: filterPattern). None when nothing is close.
func suggest(unknown string, known []string) []string {
	u := strings.ToLower(unknown)
	best, closest := 3, []string(nil)
	for _, k := range known {
		switch d := levenshtein(u, strings.ToLower(k)); {
		case d < best:
			best, closest = d, []string{k}
		case d == best:
			closest = append(closest, k)
		}
	}
	if closest != nil {
		return closest
	}
	const minShared = 4
	var like []string
	for _, k := range known {
		l := strings.ToLower(k)
		shorter := min(utf8.RuneCountInString(u), utf8.RuneCountInString(l))
		if shorter >= minShared && (sharedPrefix(u, l) >= minShared || strings.Contains(l, u) || strings.Contains(u, l)) {
			like = append(like, k)
		}
	}
	return like
}

// didYouMean words suggestions as "did you mean a?" or "did you mean a or b?" ("" for none).
func didYouMean(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return "did you mean " + names[0] + "?"
	}
	return "did you mean " + strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1] + "?"
}

// levenshtein is the number of single-character insertions, deletions and substitutions that
// turn a into b.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// sharedPrefix is the number of leading runes a and b have in common.
func sharedPrefix(a, b string) int {
	n := 0
	for ra, rb := []rune(a), []rune(b); n < len(ra) && n < len(rb) && ra[n] == rb[n]; n++ {
	}
	return n
}
