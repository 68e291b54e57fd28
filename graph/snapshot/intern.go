package snapshot

import "sync"

// interner shares the policy documents an organization repeats (trust
// policies, templates, managed policies: in a generated organization of
// 1,000 accounts, 289,000 documents, 54,000 distinct, 52 MB of text of which
// 12 MB distinct) and a few short strings, across the accounts decoded at
// once. Equal documents then are one string: less to keep, and the access
// graph's cache of parsed documents compares them by pointer at once.
type interner struct {
	mu sync.Mutex
	m  map[string]string
}

func (in *interner) get(s string) string {
	if in == nil || s == "" {
		return s
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if t, ok := in.m[s]; ok {
		return t
	}
	if in.m == nil {
		in.m = map[string]string{}
	}
	in.m[s] = s
	return s
}

func (in *interner) ptr(p *string) {
	if p != nil {
		*p = in.get(*p)
	}
}

func (in *interner) attr(m map[string]string) {
	if p, ok := m["Policy"]; ok {
		m["Policy"] = in.get(p)
	}
}

func (in *interner) inline(ps []PolicyDetail) {
	for i := range ps {
		ps[i].PolicyDocument = in.get(ps[i].PolicyDocument)
	}
}

func (in *interner) attached(ps []AttachedPolicy) {
	for i := range ps {
		ps[i].PolicyArn = in.get(ps[i].PolicyArn)
		ps[i].PolicyName = in.get(ps[i].PolicyName)
	}
}

// account interns a decoded account's documents.
func (in *interner) account(a *Account) {
	if in == nil || a == nil {
		return
	}
	if iam := a.IAM; iam != nil {
		for i := range iam.RoleDetailList {
			r := &iam.RoleDetailList[i]
			r.Path = in.get(r.Path)
			r.AssumeRolePolicyDocument = in.get(r.AssumeRolePolicyDocument)
			in.inline(r.RolePolicyList)
			in.attached(r.AttachedManagedPolicies)
		}
		for i := range iam.UserDetailList {
			u := &iam.UserDetailList[i]
			u.Path = in.get(u.Path)
			in.inline(u.UserPolicyList)
			in.attached(u.AttachedManagedPolicies)
		}
		for i := range iam.GroupDetailList {
			g := &iam.GroupDetailList[i]
			in.inline(g.GroupPolicyList)
			in.attached(g.AttachedManagedPolicies)
		}
		for i := range iam.Policies {
			for j := range iam.Policies[i].PolicyVersionList {
				v := &iam.Policies[i].PolicyVersionList[j]
				v.Document = in.get(v.Document)
			}
		}
	}
	for _, r := range a.Regions {
		in.region(r)
	}
}

func (in *interner) region(r *Region) {
	if r.KMS != nil {
		for i := range r.KMS.Keys {
			in.ptr(r.KMS.Keys[i].Policy)
		}
	}
	if r.S3 != nil {
		for i := range r.S3.Buckets {
			in.ptr(r.S3.Buckets[i].Policy)
		}
	}
	if r.EC2 != nil {
		for i := range r.EC2.VpcEndpoints {
			e := &r.EC2.VpcEndpoints[i]
			e.PolicyDocument = in.get(e.PolicyDocument)
		}
	}
	if r.SQS != nil {
		for i := range r.SQS.Queues {
			in.attr(r.SQS.Queues[i].Attributes)
		}
	}
	if r.SecretsManager != nil {
		for i := range r.SecretsManager.Secrets {
			in.ptr(r.SecretsManager.Secrets[i].ResourcePolicy)
		}
	}
	if r.SNS != nil {
		for i := range r.SNS.Topics {
			in.attr(r.SNS.Topics[i].Attributes)
		}
	}
	if r.DynamoDB != nil {
		for i := range r.DynamoDB.Tables {
			in.ptr(r.DynamoDB.Tables[i].ResourcePolicy)
		}
	}
	if r.Lambda != nil {
		for i := range r.Lambda.Functions {
			in.ptr(r.Lambda.Functions[i].Policy)
		}
	}
}
