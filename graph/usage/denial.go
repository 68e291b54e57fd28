package usage

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/accessdenied"
	"github.com/keyhound/keyhound/graph/eval"
)

// deniedCode reports whether an error code is a refusal keyhound explains:
// AccessDenied in its spellings (AccessDenied, AccessDeniedException,
// KMS.AccessDeniedException), EC2's UnauthorizedOperation, and KMS's
// key-state and not-found errors.
func deniedCode(code, source string) bool {
	switch {
	case strings.Contains(code, "AccessDenied"), strings.Contains(code, "UnauthorizedOperation"), strings.HasPrefix(code, "KMS."):
		return true
	case source == "kms.amazonaws.com":
		return code == "KMSInvalidStateException" || code == "DisabledException" || code == "NotFoundException"
	}
	return false
}

// denialSig identifies denials that read alike: the caller's session ARN
// is cut out of the message, so the sessions of one role share a sig.
type denialSig struct {
	code, source, name, principal, key, region, via, message string
}

// EventRef names one event of a group.
type EventRef struct {
	EventID string    `json:"event_id,omitempty"`
	Time    time.Time `json:"time"`
	Caller  string    `json:"caller,omitempty"`
}

// maxRefs bounds the events a denial group lists.
const maxRefs = 20

type denialAcc struct {
	count       int
	first, last time.Time
	refs        []EventRef
	// sample is one event of the sig, to explain.
	sample Event
}

func (d *denialAcc) merge(o *denialAcc) {
	d.count += o.count
	d.first = minTime(d.first, o.first)
	d.last = maxTime(d.last, o.last)
	for _, r := range o.refs {
		d.refs = addRef(d.refs, r)
	}
	if earlier(o.sample.Time, o.sample.EventID, d.sample.Time, d.sample.EventID) {
		d.sample = o.sample
	}
}

// earlier orders events by time, then event ID: what a group keeps does
// not depend on the order events come in (files read concurrently).
func earlier(t1 time.Time, id1 string, t2 time.Time, id2 string) bool {
	return t1.Before(t2) || t1.Equal(t2) && id1 < id2
}

func refCmp(a, b EventRef) int {
	return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.EventID, b.EventID), strings.Compare(a.Caller, b.Caller))
}

// addRef keeps the maxRefs earliest events, in order.
func addRef(refs []EventRef, r EventRef) []EventRef {
	if len(refs) == maxRefs && refCmp(r, refs[len(refs)-1]) >= 0 {
		return refs
	}
	i, _ := slices.BinarySearchFunc(refs, r, refCmp)
	refs = slices.Insert(refs, i, r)
	if len(refs) > maxRefs {
		refs = refs[:maxRefs]
	}
	return refs
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func (j *Joiner) addDenial(e *Event, c Caller, k *graph.Key) {
	if !deniedCode(e.ErrorCode, e.Source) {
		return
	}
	if c.Principal == "" {
		c = j.caller(e)
	}
	sig := denialSig{code: e.ErrorCode, source: e.Source, name: e.Name, principal: c.Principal, region: e.Region, via: c.Via, key: e.KeyID}
	if k != nil {
		sig.key = k.ARN
	}
	sig.message = e.ErrorMessage
	if e.Identity.ARN != "" {
		sig.message = strings.ReplaceAll(sig.message, e.Identity.ARN, "\x00")
	}
	d := j.denials[sig]
	if d == nil || earlier(e.Time, e.EventID, d.sample.Time, d.sample.EventID) {
		if d == nil {
			d = &denialAcc{first: e.Time, last: e.Time}
			j.denials[sig] = d
		}
		d.sample = *e
		d.sample.EncryptionContext, d.sample.GrantOperations = nil, nil
		d.sample.Resources = slices.Clone(e.Resources)
	}
	d.count++
	d.first = minTime(d.first, e.Time)
	d.last = maxTime(d.last, e.Time)
	d.refs = addRef(d.refs, EventRef{EventID: e.EventID, Time: e.Time, Caller: e.Identity.ARN})
}

// DenialGroup is the denials of one root cause: the same operation by the
// same principal on the same key, failing at the same layer and statement,
// with the same fix.
type DenialGroup struct {
	Count     int       `json:"count"`
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`
	Action    string    `json:"action"`
	Principal string    `json:"principal"`
	Key       string    `json:"key,omitempty"`
	Codes     []string  `json:"error_codes"`
	// Layer is the failing layer ("key-policy", "scp", …), Statement the
	// statement at fault ("no statement allows" for an implicit deny), Fix
	// the smallest fix's summary; when keyhound does not deny, Layer says
	// what it answers instead ("allow", "conditional", "error").
	Layer     string `json:"layer"`
	Statement string `json:"statement"`
	Fix       string `json:"fix,omitempty"`
	// Report is keyhound's explanation of the group's first event, as
	// `keyhound denied` gives it; Error when it could not explain.
	Report *graph.DeniedReport `json:"report,omitempty"`
	Error  string              `json:"error,omitempty"`
	// Events are the first events of the group (at most 20).
	Events []EventRef `json:"events"`
}

type groupKey struct{ action, principal, key, layer, statement, fix string }

// Denials explains each distinct denial once and groups them by root
// cause, most frequent first.
func (j *Joiner) Denials() []DenialGroup {
	groups := map[groupKey]*DenialGroup{}
	sigs := make([]denialSig, 0, len(j.denials))
	for sig := range j.denials {
		sigs = append(sigs, sig)
	}
	// In a deterministic order, so that a group's report is its earliest
	// denial's whatever the map's order.
	slices.SortFunc(sigs, func(a, b denialSig) int {
		da, db := j.denials[a], j.denials[b]
		return cmp.Or(da.sample.Time.Compare(db.sample.Time), strings.Compare(da.sample.EventID, db.sample.EventID),
			strings.Compare(a.principal, b.principal), strings.Compare(a.key, b.key), strings.Compare(a.code, b.code),
			strings.Compare(a.name, b.name), strings.Compare(a.source, b.source), strings.Compare(a.region, b.region),
			strings.Compare(a.via, b.via), strings.Compare(a.message, b.message))
	})
	for _, sig := range sigs {
		d := j.denials[sig]
		g := j.explain(sig, d)
		gk := groupKey{g.Action, g.Principal, g.Key, g.Layer, g.Statement, g.Fix}
		cur := groups[gk]
		if cur == nil {
			groups[gk] = &g
			continue
		}
		cur.Count += g.Count
		cur.First = minTime(cur.First, g.First)
		cur.Last = maxTime(cur.Last, g.Last)
		for _, c := range g.Codes {
			if !slices.Contains(cur.Codes, c) {
				cur.Codes = append(cur.Codes, c)
			}
		}
		for _, r := range g.Events {
			cur.Events = addRef(cur.Events, r)
		}
	}
	out := make([]DenialGroup, 0, len(groups))
	for _, g := range groups {
		slices.Sort(g.Codes)
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b DenialGroup) int {
		return cmp.Or(b.Count-a.Count, strings.Compare(a.Action, b.Action), strings.Compare(a.Principal, b.Principal),
			strings.Compare(a.Key, b.Key), strings.Compare(a.Layer, b.Layer), strings.Compare(a.Statement, b.Statement))
	})
	return out
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// ctRecord is the record accessdenied.Parse reads for one denial.
type ctRecord struct {
	EventSource       string              `json:"eventSource"`
	EventName         string              `json:"eventName"`
	AWSRegion         string              `json:"awsRegion"`
	ErrorCode         string              `json:"errorCode"`
	ErrorMessage      string              `json:"errorMessage"`
	RequestID         string              `json:"requestID,omitempty"`
	UserIdentity      map[string]string   `json:"userIdentity"`
	Resources         []map[string]string `json:"resources,omitempty"`
	RequestParameters map[string]string   `json:"requestParameters,omitempty"`
}

// explain runs `keyhound denied` on a sig's sample event.
func (j *Joiner) explain(sig denialSig, d *denialAcc) DenialGroup {
	e := &d.sample
	g := DenialGroup{Count: d.count, First: d.first, Last: d.last, Principal: sig.principal, Key: sig.key, Codes: []string{sig.code}, Events: slices.Clone(d.refs)}
	g.Action = strings.TrimSuffix(sig.source, ".amazonaws.com") + ":" + sig.name
	rec := ctRecord{
		EventSource: e.Source, EventName: e.Name, AWSRegion: e.Region, ErrorCode: e.ErrorCode, ErrorMessage: e.ErrorMessage,
		RequestID: e.RequestID, UserIdentity: map[string]string{"arn": e.Identity.ARN},
	}
	for _, r := range e.Resources {
		rec.Resources = append(rec.Resources, map[string]string{"ARN": r.ARN})
	}
	if e.KeyID != "" {
		rec.RequestParameters = map[string]string{"keyId": e.KeyID}
	}
	raw, _ := json.Marshal(rec)
	m, err := accessdenied.Parse(string(raw))
	if err != nil {
		g.Layer, g.Statement, g.Error = "error", "not an AccessDenied keyhound reads", err.Error()
		return g
	}
	if m.Action != "" {
		g.Action = m.Action
	}
	o := graph.DeniedOptions{Principal: sig.principal}
	if e.Identity.ARN != "" {
		o.Principal = e.Identity.ARN
	}
	if strings.HasPrefix(sig.key, "arn:") {
		o.Key = sig.key
	}
	if sig.via != "" {
		svc, _, _ := strings.Cut(sig.via, ".")
		o.ViaService = svc + "." + e.Region + ".amazonaws.com"
	}
	rep, err := j.g.ExplainDenied(m, o)
	if err != nil {
		g.Layer, g.Statement, g.Error = "error", "keyhound could not evaluate it", err.Error()
		return g
	}
	g.Report = rep
	g.Layer, g.Statement, g.Fix = cause(rep)
	return g
}

// cause reads a report's root cause: the failing layer (AWS's, when
// keyhound agrees), the statement at fault and the smallest fix.
func cause(rep *graph.DeniedReport) (layer, statement, fix string) {
	if len(rep.Fixes) > 0 {
		fix = rep.Fixes[0].Summary
	}
	switch rep.Decision {
	case eval.Allow:
		return "allow", "keyhound would allow it now: the snapshot is newer than the denial, or a layer it cannot see denied (a session policy, a VPC endpoint policy)", fix
	case eval.Conditional:
		return "conditional", "keyhound's answer depends on the live request (encryption context, source VPC, …)", fix
	}
	var denies []eval.Denial
	denies = append(denies, rep.DeniedBy...)
	for _, st := range rep.Steps {
		denies = append(denies, st.DeniedBy...)
	}
	var d eval.Denial
	switch {
	case rep.AgreesWithMessage && rep.MessageLayer != "":
		for _, x := range denies {
			if x.Layer.String() == rep.MessageLayer {
				d = x
				break
			}
		}
	case len(denies) > 0:
		d = denies[0]
	}
	layer = d.Layer.String()
	if d.Layer == eval.LayerKeyState {
		return layer, "the key's state refuses the operation", fix
	}
	if !d.Explicit {
		return layer, "no statement allows", fix
	}
	for _, r := range rep.Reasons {
		if r.Layer == d.Layer && r.Outcome == eval.OutcomeDenies {
			s := r.Policy + " statement " + strconv.Itoa(r.Statement)
			if r.Sid != "" {
				s += " " + strconv.Quote(r.Sid)
			}
			return layer, s, fix
		}
	}
	return layer, "an explicit deny", fix
}
