package usage

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
)

// Unexplained is the uses the graph says their caller cannot make, grouped
// by root cause: one principal, calling directly or through one service,
// refused by the same layers and statements. A month of a large
// organization has tens of thousands of such uses and a handful of causes;
// a group keeps keyhound's answer for its first use only and its
// maxExamples busiest uses, so memory and output grow with the causes.
type Unexplained struct {
	Principal string `json:"principal"`
	// ViaService is the path asked about: the kms:ViaService value
	// ("s3.us-east-1.amazonaws.com"), "" for direct calls.
	ViaService string `json:"via_service,omitempty"`
	// Layer is the failing layers ("key-policy", "identity, key-policy"),
	// "error" when keyhound could not answer; Statement the statement at
	// fault ("no statement allows" for an implicit deny).
	Layer     string `json:"layer"`
	Statement string `json:"statement"`
	// Uses counts the group's (key, operation) pairs, Calls their calls.
	Uses  int       `json:"uses"`
	Calls int       `json:"calls"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Examples are the group's busiest uses (at most 20), most calls first.
	Examples []UnexplainedUse `json:"examples"`
	// Answer is keyhound's answer for the group's first use (in key,
	// operation order), for the maxAnswers busiest groups (an answer is
	// kilobytes; a month of a large organization can have tens of
	// thousands of groups); Error when it could not answer.
	Answer *graph.Answer `json:"answer,omitempty"`
	Error  string        `json:"error,omitempty"`

	query graph.Query // the first use's question
}

// maxAnswers bounds the unexplained groups that carry keyhound's answer.
const maxAnswers = 100

// UnexplainedUse is one use of an unexplained group.
type UnexplainedUse struct {
	Key    string    `json:"key"`
	Action string    `json:"action"`
	Calls  int       `json:"calls"`
	First  time.Time `json:"first"`
	Last   time.Time `json:"last"`
}

// maxExamples bounds the uses an unexplained group lists.
const maxExamples = 20

type unexplainedKey struct{ principal, via, layer, statement string }

func exampleCmp(a, b UnexplainedUse) int {
	return cmp.Or(b.Calls-a.Calls, strings.Compare(a.Key, b.Key), strings.Compare(a.Action, b.Action))
}

// addExample keeps the maxExamples busiest uses, in order.
func addExample(xs []UnexplainedUse, x UnexplainedUse) []UnexplainedUse {
	if len(xs) == maxExamples && exampleCmp(x, xs[len(xs)-1]) >= 0 {
		return xs
	}
	i, _ := slices.BinarySearchFunc(xs, x, exampleCmp)
	xs = slices.Insert(xs, i, x)
	if len(xs) > maxExamples {
		xs = xs[:maxExamples]
	}
	return xs
}

// unexplained asks the graph once per (triple, via service) whether the
// caller can: a DENY is a use the snapshot does not explain. The uses are
// grouped by cause, busiest group first.
func (j *Joiner) unexplained(uses []Use) []Unexplained {
	groups := map[unexplainedKey]*Unexplained{}
	for _, u := range uses {
		if u.service {
			continue
		}
		vias := []ViaCount{}
		if u.Direct > 0 {
			vias = append(vias, ViaCount{Count: u.Direct})
		}
		vias = append(vias, u.Via...)
		for _, v := range vias {
			q := graph.Query{Principal: u.Principal, Action: u.Action, Resource: u.Key}
			viaService := ""
			if v.Service != "" {
				svc, _, _ := strings.Cut(v.Service, ".")
				viaService = svc + "." + keyRegion(u.Key) + ".amazonaws.com"
				q.Context = map[string][]string{"kms:ViaService": {viaService}, "aws:ViaAWSService": {"true"}}
			} else {
				q.Context = map[string][]string{"kms:ViaService": nil, "aws:ViaAWSService": {"false"}}
			}
			a, err := j.g.Can(q)
			gk := unexplainedKey{principal: u.Principal, via: viaService}
			switch {
			case err != nil:
				gk.layer, gk.statement = "error", err.Error()
			case a.Decision != eval.Deny:
				continue
			default:
				gk.layer, gk.statement = answerCause(a)
			}
			g := groups[gk]
			if g == nil {
				g = &Unexplained{Principal: u.Principal, ViaService: viaService, Layer: gk.layer, Statement: gk.statement, First: u.First, Last: u.Last, query: q}
				if err != nil {
					g.Error = err.Error()
				}
				groups[gk] = g
			}
			g.Uses++
			g.Calls += v.Count
			g.First = minTime(g.First, u.First)
			g.Last = maxTime(g.Last, u.Last)
			g.Examples = addExample(g.Examples, UnexplainedUse{Key: u.Key, Action: u.Action, Calls: v.Count, First: u.First, Last: u.Last})
		}
	}
	out := make([]Unexplained, 0, len(groups))
	for _, g := range groups {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b Unexplained) int {
		return cmp.Or(b.Calls-a.Calls, strings.Compare(a.Principal, b.Principal), strings.Compare(a.ViaService, b.ViaService),
			strings.Compare(a.Layer, b.Layer), strings.Compare(a.Statement, b.Statement))
	})
	// The answers, asked again for the busiest groups only: keeping one per
	// group as they were found held them all.
	for i := range out[:min(maxAnswers, len(out))] {
		g := &out[i]
		if g.Error != "" {
			continue
		}
		if a, err := j.g.Can(g.query); err == nil {
			a.Request = nil // the evaluated request: large, and not printed
			g.Answer = a
		}
	}
	return out
}

// answerCause reads a DENY answer's cause: the layers that deny (in the
// answer's order) and the statement at fault — the first explicit Deny's,
// else "no statement allows".
func answerCause(a *graph.Answer) (layer, statement string) {
	var layers []string
	explicit := eval.Denial{}
	for _, d := range a.DeniedBy {
		if l := d.Layer.String(); !slices.Contains(layers, l) {
			layers = append(layers, l)
		}
		if d.Explicit && !explicit.Explicit {
			explicit = d
		}
	}
	layer = strings.Join(layers, ", ")
	switch {
	case !explicit.Explicit:
		return layer, "no statement allows"
	case explicit.Layer == eval.LayerKeyState:
		return layer, "the key's state refuses the operation"
	}
	for _, r := range a.Reasons {
		if r.Layer == explicit.Layer && r.Outcome == eval.OutcomeDenies {
			s := r.Policy + " statement " + strconv.Itoa(r.Statement)
			if r.Sid != "" {
				s += " " + strconv.Quote(r.Sid)
			}
			return layer, s
		}
	}
	return layer, "an explicit deny"
}
