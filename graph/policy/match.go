package policy

import "strings"

// Matches reports whether the resource pattern matches resource, an ARN or
// `*`. ARNs are matched segment by segment, case-sensitively, as AWS
// documents for the Resource element and the Arn condition operators: a
// wildcard in the partition, service, region or account segment does not
// cross a colon; in the resource segment it matches anything, colons and
// slashes included. A pattern with fewer than six segments lets its last
// segment match the rest of the ARN.
func (r *Resource) Matches(resource string, ctx *Context) Tri {
	if r.any {
		return True
	}
	if !r.arn {
		return r.flat.Match(resource, ctx, true, false)
	}
	return matchARN(r.segs, resource, ctx)
}

// matchARN matches an ARN against segment patterns without allocating.
func matchARN(segs []Pattern, s string, ctx *Context) Tri {
	res := True
	rest := s
	for i := range segs {
		var part string
		if i == len(segs)-1 {
			part = rest
		} else {
			j := strings.IndexByte(rest, ':')
			if j < 0 {
				return False
			}
			part, rest = rest[:j], rest[j+1:]
		}
		res = res.And(segs[i].Match(part, ctx, true, false))
		if res == False {
			return False
		}
	}
	return res
}

// MatchesAction reports whether the statement's Action (or NotAction) covers
// action, given in lower case.
func (s *Statement) MatchesAction(lowerAction string) bool {
	hit := false
	for i := range s.Actions {
		if s.Actions[i].Matches(lowerAction) {
			hit = true
			break
		}
	}
	return hit != s.NotAction
}

// MatchesResource reports whether the statement's Resource (or NotResource)
// covers resource. A statement without either covers the resource the policy
// is attached to.
func (s *Statement) MatchesResource(resource string, ctx *Context) Tri {
	if !s.HasResource {
		return True
	}
	res := False
	for i := range s.Resources {
		res = res.Or(s.Resources[i].Matches(resource, ctx))
		if res == True {
			break
		}
	}
	if s.NotResource {
		return res.Not()
	}
	return res
}

// EvalConditions evaluates the statement's Condition element: every operator
// block and every key must hold. results, if non-nil, receives each
// condition's result in order; it must have room for len(s.Conditions).
func (s *Statement) EvalConditions(ctx *Context, results []Tri) Tri {
	res := True
	for i := range s.Conditions {
		r := s.Conditions[i].Eval(ctx)
		if results != nil {
			results[i] = r
		}
		res = res.And(r)
		if res == False && results == nil {
			return False
		}
	}
	return res
}
