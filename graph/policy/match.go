package policy

import "strings"

// Matches reports whether the resource pattern matches resource, an ARN or
// `*`. ARNs are matched segment by segment, case-sensitively; in the
// resource segment a wildcard matches anything, colons and slashes included,
// and a pattern with fewer than six segments lets its last segment match the
// rest of the ARN. In the Resource element, a segment whose last character
// is `*` may also match past the colons that end it (IAM UG,
// reference_policies_elements_resource.html, "Using wildcards in resource
// ARNs": "If the * wildcard is the last character of a resource ARN
// segment, it can expand to match beyond the colon boundaries"), so
// arn:aws:kms:*:key/* names every key; any other wildcard stays within its
// segment. The Arn condition operators match strictly segment by segment.
func (r *Resource) Matches(resource string, ctx *Context) Tri {
	if r.any {
		return True
	}
	if !r.arn {
		return r.flat.Match(resource, ctx, true, false)
	}
	return matchResourceARN(r.segs, resource, ctx)
}

// matchResourceARN is matchARN with the Resource element's expansion: a
// segment ending in `*` tries every number of the ARN's colon-separated
// parts; the answer is the best over the ways to split the ARN.
func matchResourceARN(segs []Pattern, s string, ctx *Context) Tri {
	if len(segs) == 0 {
		return TriOf(s == "")
	}
	if len(segs) == 1 {
		return segs[0].Match(s, ctx, true, false)
	}
	best := False
	for end := strings.IndexByte(s, ':'); end >= 0; {
		if res := segs[0].Match(s[:end], ctx, true, false); res != False {
			res = res.And(matchResourceARN(segs[1:], s[end+1:], ctx))
			if res == True {
				return True
			}
			best = best.Or(res)
		}
		if !segs[0].endsWithStar() {
			break
		}
		next := strings.IndexByte(s[end+1:], ':')
		if next < 0 {
			break
		}
		end += 1 + next
	}
	return best
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
