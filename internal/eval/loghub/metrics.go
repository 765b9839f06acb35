package loghub

import "strings"

// Scores are the accuracy figures of one system.
type Scores struct {
	GroupingAccuracy float64 `json:"grouping_accuracy"`
	ParsingAccuracy  float64 `json:"parsing_accuracy"`
	TemplateF1       float64 `json:"template_f1"`
	LinesPerSec      float64 `json:"lines_per_sec"`
}

// Score compares parsed templates (one per line, in line order) with the ground truth.
// Ground-truth groups are by EventId unless byTemplate, as Loghub-2.0 groups by template
// text. Template text is compared with runs of white space folded to one space.
func Score(lines []Line, parsed []string, byTemplate bool) Scores {
	truth := make([]string, len(lines))
	for i, l := range lines {
		truth[i] = l.EventID
		if byTemplate {
			truth[i] = l.Template
		}
	}
	return Scores{
		GroupingAccuracy: groupingAccuracy(truth, parsed),
		ParsingAccuracy:  parsingAccuracy(lines, parsed),
		TemplateF1:       templateF1(lines, parsed),
	}
}

// groupingAccuracy is the share of messages whose parsed group holds exactly the messages
// of their ground-truth group.
func groupingAccuracy(truth, parsed []string) float64 {
	if len(truth) == 0 {
		return 0
	}
	// Two groupings agree on a message when the (truth, parsed) pair's size equals the
	// size of both its truth group and its parsed group.
	pair := map[[2]string]int{}
	tsize, psize := map[string]int{}, map[string]int{}
	for i := range truth {
		pair[[2]string{truth[i], parsed[i]}]++
		tsize[truth[i]]++
		psize[parsed[i]]++
	}
	correct := 0
	for k, n := range pair {
		if tsize[k[0]] == n && psize[k[1]] == n {
			correct += n
		}
	}
	return float64(correct) / float64(len(truth))
}

func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

// parsingAccuracy is the share of messages whose parsed template equals the truth.
func parsingAccuracy(lines []Line, parsed []string) float64 {
	if len(lines) == 0 {
		return 0
	}
	ok := 0
	for i, l := range lines {
		if norm(l.Template) == norm(parsed[i]) {
			ok++
		}
	}
	return float64(ok) / float64(len(lines))
}

// templateF1 is FTA: a parsed template is correct when every message it covers has one
// ground-truth template, that template covers no other message, and the texts are equal.
func templateF1(lines []Line, parsed []string) float64 {
	truthOf := map[string]map[string]bool{} // parsed template -> truth templates
	size := map[[2]string]int{}
	tsize := map[string]int{}
	for i, l := range lines {
		t, p := norm(l.Template), norm(parsed[i])
		if truthOf[p] == nil {
			truthOf[p] = map[string]bool{}
		}
		truthOf[p][t] = true
		size[[2]string{t, p}]++
		tsize[t]++
	}
	correct := 0
	for p, ts := range truthOf {
		if len(ts) == 1 && ts[p] && size[[2]string{p, p}] == tsize[p] {
			correct++
		}
	}
	if correct == 0 {
		return 0
	}
	prec := float64(correct) / float64(len(truthOf))
	rec := float64(correct) / float64(len(tsize))
	return 2 * prec * rec / (prec + rec)
}
