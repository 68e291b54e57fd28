package graph

import (
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// S3 Block Public Access (S3 UG, "Blocking public access to your Amazon S3
// storage"; S3 API Reference, PublicAccessBlockConfiguration): with
// RestrictPublicBuckets on — at the bucket or at the account level, the
// most restrictive combination wins — a bucket whose policy is public is
// reachable only by AWS service principals and principals of the bucket
// owner's account; every other account's access through it is blocked,
// public statements or not. BlockPublicPolicy only refuses new public
// policies ("doesn't affect existing bucket policies") and the ACL
// settings concern ACLs, which keyhound does not read: neither changes an
// answer.

// publicBlock is what Block Public Access makes of one bucket.
type publicBlock struct {
	// restrict says whether RestrictPublicBuckets is on; public whether the
	// bucket's policy is public in S3's meaning.
	restrict, public policy.Tri
	// level names the setting that restricts ("bucket", "account").
	level string
	// gaps are the settings (or the policy) that are not known.
	gaps []Issue
}

// accountBlock is an account's part of its buckets' Block Public Access
// (s3control), worked out once for all of them: restrict is True when
// RestrictPublicBuckets is on for the account, Unknown when its setting was
// not collected; gaps then says so, one slice shared, read-only, by every
// bucket that needs it (clipped: a bucket's own gap appends to a copy). An
// Issue made for each bucket was 52 MB of 5,000 generated accounts' graph.
type accountBlock struct {
	restrict policy.Tri
	gaps     []Issue
}

// accountBlockOf works out account's accountBlock.
func (b *builder) accountBlockOf(account string) *accountBlock {
	acct := b.g.Snapshot.Accounts[account]
	switch {
	case acct == nil || acct.S3Control == nil:
		return &accountBlock{restrict: policy.Unknown, gaps: []Issue{{
			Account: account, Item: account, Path: "accounts[\"" + account + "\"].s3control",
			Message: "the S3 Block Public Access of account " + account + " was not collected",
		}}}
	case acct.S3Control.PublicAccessBlockConfiguration != nil && acct.S3Control.PublicAccessBlockConfiguration.RestrictPublicBuckets:
		return &accountBlock{restrict: policy.True}
	}
	return &accountBlock{restrict: policy.False}
}

// bucketBlock works out a bucket's Block Public Access from its own setting,
// its account's (ab) and its policy. failed tells whether its own
// setting's call failed.
func (b *builder) bucketBlock(r *Resource, bk *snapshot.Bucket, ab *accountBlock, failed failures) {
	pb := &publicBlock{}
	switch e := failed.of("GetPublicAccessBlock", r.ARN, "arn:aws:s3:::"+bk.Name); {
	case bk.PublicAccessBlockConfiguration != nil:
		pb.restrict = policy.TriOf(bk.PublicAccessBlockConfiguration.RestrictPublicBuckets)
		pb.level = "bucket"
	case e != nil:
		pb.restrict = policy.Unknown
		pb.gaps = append(pb.gaps, Issue{
			Account: r.Account, Region: r.Region, Item: r.ARN, Path: r.Path() + ".PublicAccessBlockConfiguration",
			Message: "the Block Public Access of bucket " + bk.Name + " was not collected (" + describeFailure(e) + ")",
		})
	}
	if pb.restrict != policy.True {
		switch ab.restrict {
		case policy.Unknown:
			pb.restrict = pb.restrict.Or(policy.Unknown)
			if pb.gaps == nil {
				pb.gaps = slices.Clip(ab.gaps)
			} else {
				pb.gaps = append(pb.gaps, ab.gaps...)
			}
		case policy.True:
			pb.restrict, pb.level = policy.True, "account"
		}
	}
	r.block = pb
	if r.side == nil { // no policy to parse (or not collected)
		pb.policyPart(r, nil, r.collGap != nil)
	}
}

// policyPart works out whether the bucket's policy (np: nil when it has
// none or gapped says it is not known) is public, once it is parsed.
func (pb *publicBlock) policyPart(r *Resource, np *eval.NamedPolicy, gapped bool) {
	switch {
	case gapped:
		pb.public = policy.Unknown // and the resource policy layer is unknown anyway
	case np != nil:
		pb.public = publicPolicy(np.Policy)
	}
	if pb.public == policy.Unknown && !gapped {
		pb.gaps = append(pb.gaps, Issue{
			Account: r.Account, Region: r.Region, Item: r.ARN, Path: r.Path() + ".Policy",
			Message: "whether S3 counts the policy of bucket " + bucketName(r) + " as public is not certain (a statement open to everyone whose conditions S3's list of restricting keys does not settle)",
		})
	}
}

// blockPublic adds to a bucket answer the step Block Public Access takes:
// for a caller of another account (not an AWS service), a bucket with a
// public policy and RestrictPublicBuckets on is closed.
func (g *Graph) blockPublic(dr *direct, res *Resource, caller arn.Principal, principal, action, target string) {
	pb := res.blockOf()
	if pb == nil || caller.Kind == arn.KindService || caller.AccountID == res.Account {
		return
	}
	st := Step{Action: action, Resource: target, Principal: principal, DeniedBy: []eval.Denial{}}
	switch pb.public.And(pb.restrict) {
	case policy.False:
		return
	case policy.True:
		st.Decision = eval.Deny
		st.DeniedBy = []eval.Denial{{Layer: eval.LayerResourcePolicy}}
		st.Note = "S3 Block Public Access: RestrictPublicBuckets is on (" + pb.level + " level) and the bucket policy is public, so only AWS services and principals of account " +
			res.Account + " can use the bucket"
	default:
		st.Decision = eval.Conditional
		st.Note = "S3 Block Public Access may close the bucket to other accounts: RestrictPublicBuckets blocks every other account when the bucket policy is public, and the snapshot does not settle both"
		dr.unknowns = append(dr.unknowns, pb.gaps...)
	}
	dr.steps = append(dr.steps, st)
	dr.verdict = dr.verdict.And(st.Decision)
}

// publicPolicy says whether S3 counts a bucket policy as public (S3 UG,
// "The meaning of 'public'"; S3 API Reference,
// PublicAccessBlockConfiguration): it is, unless every Allow statement
// grants only to fixed principals or is limited by a fixed value of one of
// S3's restricting condition keys. A statement that only grants actions
// other than the "bad" ones (s3:Get*, s3:List*, s3:Put*, s3:Delete*,
// s3:AbortMultipartUpload, s3:RestoreObject) does not make it public.
func publicPolicy(p *policy.Policy) policy.Tri {
	out := policy.False
	for i := range p.Statements {
		if st := &p.Statements[i]; st.Effect == policy.Allow {
			out = out.Or(publicStatement(st))
		}
	}
	return out
}

func publicStatement(st *policy.Statement) policy.Tri {
	if st.Principal != nil && !st.NotPrincipal && fixedPrincipals(st.Principal) {
		return policy.False
	}
	limit := policy.False // whether a condition limits it to fixed values
	for i := range st.Conditions {
		limit = limit.Or(restricting(&st.Conditions[i]))
	}
	return limit.Not().And(badActions(st))
}

// fixedPrincipals reports whether a Principal element names only fixed
// principals: no "*", no wildcard in any of them.
func fixedPrincipals(p *policy.Principals) bool {
	if p.Any {
		return false
	}
	for _, list := range [][]string{p.AWS, p.Service, p.Federated, p.CanonicalUser} {
		for _, v := range list {
			if strings.ContainsAny(v, "*?") {
				return false
			}
		}
	}
	return true
}

// s3RestrictingKeys are the condition keys whose fixed values make a
// statement non-public for S3.
var s3RestrictingKeys = map[string]bool{
	"aws:sourceip": true, "aws:sourcearn": true, "aws:sourcevpc": true, "aws:sourcevpce": true,
	"aws:sourceowner": true, "aws:sourceaccount": true, "aws:userid": true,
	"s3:dataaccesspointarn": true, "s3:dataaccesspointaccount": true,
	"s3:x-amz-server-side-encryption-aws-kms-key-id": true,
}

// uncertainKeys limit who may call like the restricting keys but are not in
// S3's list: whether S3 counts them is not documented, so keyhound does not
// decide.
var uncertainKeys = map[string]bool{
	"aws:principalorgid": true, "aws:principalaccount": true, "aws:principalarn": true,
	"aws:principalorgpaths": true, "aws:resourceorgid": true,
}

// restricting says whether a condition limits a statement to fixed values
// of a restricting key: a positive string, ARN or IP comparison (not
// ...IfExists, which passes without the key) whose values have no
// wildcard or policy variable. A CIDR wider than /8 (IPv4) or /32 (IPv6) is
// left uncertain.
func restricting(c *policy.Condition) policy.Tri {
	key := strings.ToLower(c.Key)
	if !s3RestrictingKeys[key] && !uncertainKeys[key] {
		return policy.False
	}
	fixed := !c.Negated && len(c.Values) > 0
	switch c.Family {
	case policy.OpStringEquals, policy.OpStringEqualsIgnoreCase, policy.OpStringLike, policy.OpArnEquals, policy.OpArnLike:
		for _, v := range c.Values {
			fixed = fixed && !strings.ContainsAny(v, "*?") && !strings.Contains(v, "${")
		}
	case policy.OpIPAddress:
		for _, v := range c.Values {
			pfx, ok := policy.ParseIPPrefix(v)
			switch {
			case !ok || pfx.Bits() == 0:
				fixed = false
			case pfx.Addr().Is4() && pfx.Bits() < 8 || !pfx.Addr().Is4() && pfx.Bits() < 32:
				return policy.Unknown
			}
		}
	default:
		fixed = false
	}
	switch {
	case !fixed:
		return policy.False
	case c.IfExists || uncertainKeys[key]:
		return policy.Unknown
	}
	return policy.True
}

// badActions says whether a statement may grant one of S3's "bad" actions.
func badActions(st *policy.Statement) policy.Tri {
	if st.NotAction {
		return policy.True
	}
	out := policy.False
	for i := range st.Actions {
		a := &st.Actions[i]
		raw := strings.ToLower(a.String())
		switch {
		case isBadAction(raw):
			return policy.True
		case strings.ContainsAny(raw, "*?"):
			for _, bad := range badSamples {
				if a.Matches(bad) {
					return policy.True
				}
			}
			if strings.HasPrefix(raw, "s3:") || strings.HasPrefix(raw, "*") {
				out = policy.Unknown // a pattern that may still cover one
			}
		}
	}
	return out
}

var badSamples = []string{"s3:getobject", "s3:putobject", "s3:listbucket", "s3:deleteobject", "s3:abortmultipartupload", "s3:restoreobject"}

func isBadAction(a string) bool {
	for _, p := range []string{"s3:get", "s3:list", "s3:put", "s3:delete"} {
		if strings.HasPrefix(a, p) {
			return true
		}
	}
	return a == "s3:abortmultipartupload" || a == "s3:restoreobject"
}

// bucketName is a bucket resource's name (its ARN's last part).
func bucketName(r *Resource) string {
	_, name, _ := strings.Cut(r.ARN, ":::")
	return name
}
