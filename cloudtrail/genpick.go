package cloudtrail

import (
	"fmt"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
)

// The generator's choice of who calls which key, and how: most calls by a
// principal the graph lets make them, so that a generated month reads as
// a real one (few uses the snapshot cannot explain, denials keyhound
// explains as DENY).

// genKind is what an event is to be.
type genKind uint8

const (
	genExplained   genKind = iota // a call the graph allows (or may)
	genUnexplained                // a successful call the graph denies
	genDenied                     // an AccessDenied the graph denies
)

// genCall is a drawn KMS call.
type genCall struct {
	p    *graph.Principal
	ki   int // index into keys
	op   int // index into kmsOps
	via  int // index into viaServices, -1 direct
	kind genKind
}

// genQuery is a question asked of the graph, cached: the cache grows with
// the distinct calls drawn, bounded by the organization, not the events.
type genQuery struct {
	principal string
	ki, op    int
	via       int
}

// maxDraws bounds the draws for a call of the wanted kind; past it the
// last draw stands (an organization where nobody may use a key).
const maxDraws = 8

// kindOf draws what the next KMS event is to be.
func (gn *Generator) kindOf() genKind {
	x := gn.rng.Float64()
	switch {
	case x < gn.o.Denied:
		return genDenied
	case x < gn.o.Denied+gn.o.Unexplained:
		return genUnexplained
	}
	return genExplained
}

// drawCall draws a KMS call of kind k by a principal near p (Zipf-drawn:
// a few busy callers, many quiet ones), mostly on their own account's keys.
func (gn *Generator) drawCall(p *graph.Principal, k genKind) genCall {
	r := gn.rng
	var c genCall
	for range maxDraws {
		c = genCall{p: p, kind: k, via: -1}
		c.ki = r.IntN(len(gn.keys))
		if own := gn.byAccount[p.Account]; len(own) > 0 && r.IntN(100) < 80 {
			c.ki = own[r.IntN(len(own))]
		}
		c.op = drawOp(r.IntN(100))
		if kmsOps[c.op].name != "DescribeKey" && r.IntN(2) == 0 {
			c.via = r.IntN(len(viaServices))
		}
		if k == genExplained {
			users := gn.users[c.ki][c.op]
			if len(users) == 0 {
				p = gn.principals[gn.zipf.Uint64()]
				continue
			}
			c.p = users[gn.zipf.Uint64()%uint64(len(users))]
			if gn.allowed(c) {
				return c
			}
			if c.via >= 0 { // the key may allow it directly only
				c.via = -1
				if gn.allowed(c) {
					return c
				}
			}
			continue
		}
		// Unexplained calls and denials: a caller the graph refuses, as
		// often as not on another account's key; Zipf-drawn too, so that
		// they come in bursts (an application retrying), as real ones do.
		if r.IntN(2) == 0 {
			c.ki = int(gn.keyZipf.Uint64()) //nolint:gosec // below len(keys)
		}
		if !gn.allowed(c) {
			return c
		}
		p = gn.principals[gn.zipf.Uint64()]
	}
	return c
}

func drawOp(x int) int {
	for i, op := range kmsOps {
		if x < op.pct {
			return i
		}
		x -= op.pct
	}
	return 0
}

// allowed asks the graph what keyhound usage asks of a use (its
// unexplained check): can c's principal make c's call, directly or
// through its service? CONDITIONAL counts as allowed.
func (gn *Generator) allowed(c genCall) bool {
	q := genQuery{c.p.ARN, c.ki, c.op, c.via}
	if v, ok := gn.asked[q]; ok {
		return v
	}
	k := gn.keys[c.ki]
	gq := graph.Query{Principal: c.p.ARN, Action: "kms:" + kmsOps[c.op].name, Resource: k.ARN}
	if c.via >= 0 {
		svc, _, _ := strings.Cut(viaServices[c.via].service, ".")
		gq.Context = map[string][]string{"kms:ViaService": {svc + "." + k.Region + ".amazonaws.com"}, "aws:ViaAWSService": {"true"}}
	} else {
		gq.Context = map[string][]string{"kms:ViaService": nil, "aws:ViaAWSService": {"false"}}
	}
	a, err := gn.g.Can(gq)
	ok := err == nil && a.Decision != eval.Deny
	gn.asked[q] = ok
	return ok
}

// whoMay lists, per key and operation, the principals who-can says may
// make it (ALLOW or CONDITIONAL, as themselves).
func whoMay(g *graph.Graph, keys []*graph.Key) ([][][]*graph.Principal, error) {
	out := make([][][]*graph.Principal, len(keys))
	for i, k := range keys {
		out[i] = make([][]*graph.Principal, len(kmsOps))
		for o, op := range kmsOps {
			whos, err := g.WhoCan("kms:"+op.name, k.ARN, k.Region, 0)
			if err != nil {
				return nil, fmt.Errorf("generate events: %w", err)
			}
			for _, w := range whos {
				if p := g.Principal(w.Principal); p != nil && !p.ServiceLinked() {
					out[i][o] = append(out[i][o], p)
				}
			}
		}
	}
	return out, nil
}
