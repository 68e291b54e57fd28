package gen

import (
	"slices"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// Chained is Organization with role chains of many hops across accounts:
// each account's data-reader role reads only its own account's keys (and
// S3), is trusted by the previous account's role-0 and data-reader, and may
// assume the next account's (role-0 → data-reader → data-reader …, round
// the accounts). For tests and benchmarks of who-can through chains.
func Chained(o Options) *snapshot.Snapshot {
	s := Organization(o)
	var ids []string
	for id := range s.Accounts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i, id := range ids {
		next, prev := ids[(i+1)%len(ids)], ids[(i+len(ids)-1)%len(ids)]
		roles := s.Accounts[id].IAM.RoleDetailList
		for j := range roles {
			if roles[j].RoleName != "data-reader" {
				continue
			}
			roles[j].AssumeRolePolicyDocument = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + prev + `:role/role-0","arn:aws:iam::` + prev + `:role/data-reader"]},"Action":"sts:AssumeRole"}]}`
			roles[j].RolePolicyList = []snapshot.PolicyDetail{{PolicyName: "read", PolicyDocument: `{"Version":"2012-10-17","Statement":[` +
				`{"Effect":"Allow","Action":["kms:Decrypt","s3:GetObject"],"Resource":["arn:aws:kms:*:` + id + `:key/*","arn:aws:s3:::*"]},` +
				`{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::` + next + `:role/data-reader"}]}`}}
		}
	}
	return s
}
