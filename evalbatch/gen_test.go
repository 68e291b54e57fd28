package evalbatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
)

// The synthetic organization behind mixedRequests: key owners, callers,
// and the management account.
var (
	genAccounts = []string{"111111111111", "222222222222", "333333333333", "444444444444", "555555555555"}
	genMgmt     = "999999999999"
	genOrgID    = "o-a1b2c3d4e5"
	genOutside  = "777777777777" // not in the organization
	genRegions  = []string{"us-east-1", "eu-west-1", "ap-east-1"}
)

type obj = map[string]any

func stmt(effect string, fields obj) obj {
	s := obj{"Effect": effect}
	for k, v := range fields {
		s[k] = v
	}
	return s
}

func doc(stmts ...obj) obj { return obj{"Version": "2012-10-17", "Statement": stmts} }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps and slices built here
	}
	return string(b)
}

// genKey is a KMS key with its policy and grants.
type genKey struct {
	arn, account, region string
	policy               any
	grants               []obj
	awsManaged           bool
}

// genPrincipal is a caller with its identity policies and boundary.
type genPrincipal struct {
	arn, account string
	policies     []any
	boundary     any
}

// mixedRequests returns n request documents, one per line, generated
// deterministically: sessions, roles, users, accounts and services of five
// accounts (and one outside the organization) calling KMS on keys whose
// policies delegate to IAM, name principals, or open to the organization
// under conditions; AWS managed keys; grants with constraints; managed
// policies (some as URL-encoded strings, as IAM returns them), boundaries,
// three levels of SCPs and RCPs; trust policies and bucket policies; and
// contexts from complete to mostly unknown, so that verdicts mix ALLOW, DENY
// and CONDITIONAL. Policy texts repeat across requests as in real use.
func mixedRequests(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 0x6b6579686f756e64)) //nolint:gosec // G404: repeatable synthetic data
	managed := genManagedPolicies()
	boundaries := []any{
		obj{"name": "DevBoundary", "arn": "arn:aws:iam::111111111111:policy/DevBoundary", "document": doc(
			stmt("Allow", obj{"Action": []any{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey", "s3:*", "sts:AssumeRole"}, "Resource": "*"}),
			stmt("Deny", obj{"Action": "kms:ScheduleKeyDeletion", "Resource": "*"}),
		)},
		obj{"name": "ReadOnlyBoundary", "document": doc(stmt("Allow", obj{"Action": []any{"kms:Decrypt", "kms:DescribeKey", "s3:GetObject"}, "Resource": "*"}))},
	}
	var keys []genKey
	for i := range 24 {
		keys = append(keys, genKeyAt(i))
	}
	var principals []genPrincipal
	for i := range 160 {
		acct := genAccounts[i%len(genAccounts)]
		if i%23 == 0 {
			acct = genOutside
		}
		p := genPrincipal{account: acct}
		switch i % 5 {
		case 0, 1:
			p.arn = fmt.Sprintf("arn:aws:sts::%s:assumed-role/team%d-app/i-%04d", acct, i%12, i)
		case 2:
			p.arn = fmt.Sprintf("arn:aws:iam::%s:role/team%d-app", acct, i%12)
		case 3:
			p.arn = fmt.Sprintf("arn:aws:iam::%s:user/dev%d", acct, i)
		default:
			p.arn = fmt.Sprintf("arn:aws:iam::%s:role/service-role/etl-%d", acct, i%7)
		}
		for j := range 1 + i%6 {
			p.policies = append(p.policies, managed[(i*7+j*3)%len(managed)])
		}
		if i%4 == 0 {
			p.boundary = boundaries[(i/4)%len(boundaries)]
		}
		principals = append(principals, p)
	}
	actions := []string{
		"kms:Decrypt", "kms:Decrypt", "kms:Decrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:GenerateDataKey",
		"kms:Encrypt", "kms:DescribeKey", "kms:ReEncryptFrom", "kms:CreateGrant", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy",
	}
	var out bytes.Buffer
	for range n {
		p := principals[rng.IntN(len(principals))]
		req := obj{"principal": p.arn}
		if len(p.policies) > 0 {
			req["identity_policies"] = p.policies
		}
		if p.boundary != nil {
			req["permissions_boundary"] = p.boundary
		}
		if p.account != genOutside {
			req["scps"] = genSCPs(p.account)
			req["management_account"] = genMgmt
		}
		ctx := genContext(rng, p)
		switch rng.IntN(10) {
		case 0: // a role's trust policy
			role := fmt.Sprintf("arn:aws:iam::%s:role/deploy-%d", genAccounts[rng.IntN(3)], rng.IntN(4))
			req["action"], req["resource"] = "sts:AssumeRole", role
			req["resource_policy"] = genTrustPolicy(rng.IntN(4))
		case 1: // an S3 object behind a bucket policy
			b := rng.IntN(3)
			req["action"] = []string{"s3:GetObject", "s3:PutObject"}[rng.IntN(2)]
			req["resource"] = fmt.Sprintf("arn:aws:s3:::reports-%d/2026/q%d.csv", b, rng.IntN(4)+1)
			req["resource_account"] = genAccounts[b]
			req["resource_policy"] = genBucketPolicy(b)
		default: // a KMS key, usually one of the caller's own account's
			key := keys[rng.IntN(len(keys))]
			for try := 0; try < 8 && key.account != p.account && rng.IntN(10) < 9; try++ {
				key = keys[rng.IntN(len(keys))]
			}
			if rng.IntN(5) != 0 {
				ctx["aws:RequestedRegion"] = key.region
			}
			req["action"], req["resource"] = actions[rng.IntN(len(actions))], key.arn
			req["resource_policy"] = key.policy
			if len(key.grants) > 0 {
				req["grants"] = key.grants
			}
			if key.awsManaged {
				req["key_manager"] = "AWS"
			}
			if key.account != genAccounts[0] {
				req["rcps"] = genRCPs()
			}
			if rng.IntN(3) == 0 {
				req["encryption_context"] = map[string]string{"aws:s3:arn": "arn:aws:s3:::reports-0/2026/q1.csv", "AppName": []string{"ExampleApp", "Payroll"}[rng.IntN(2)]}
			}
			if key.region == "ap-east-1" && rng.IntN(2) == 0 {
				req["principal_enabled_regions"] = []string{}
			}
			if rng.IntN(20) == 0 {
				req["key_state"] = "PendingDeletion"
			}
		}
		req["context"] = ctx
		if rng.IntN(3) == 0 {
			req["context_complete"] = true
		}
		out.WriteString(mustJSON(req))
		out.WriteByte('\n')
	}
	return out.Bytes()
}

func genKeyAt(i int) genKey {
	acct := genAccounts[i%3]
	region := genRegions[i%2]
	if i%8 == 7 {
		region = genRegions[2] // an opt-in Region
	}
	k := genKey{
		account: acct, region: region,
		arn: fmt.Sprintf("arn:aws:kms:%s:%s:key/%08x-1111-4222-8333-%012x", region, acct, i, i*7919),
	}
	root := stmt("Allow", obj{"Sid": "Enable IAM User Permissions", "Principal": obj{"AWS": "arn:aws:iam::" + acct + ":root"}, "Action": "kms:*", "Resource": "*"})
	admins := stmt("Allow", obj{
		"Sid": "Allow access for Key Administrators", "Principal": obj{"AWS": []any{"arn:aws:iam::" + acct + ":role/KeyAdmin", "arn:aws:iam::" + acct + ":role/SecurityAudit"}},
		"Action":   []any{"kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"},
		"Resource": "*",
	})
	var stmts []obj
	switch i % 4 {
	case 0: // the console's default policy, users through a service, another account
		stmts = append(stmts, root, admins,
			stmt("Allow", obj{
				"Sid": "Allow use of the key", "Principal": obj{"AWS": fmt.Sprintf("arn:aws:iam::%s:role/team%d-app", acct, i%12)},
				"Action": []any{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}, "Resource": "*",
				"Condition": obj{"StringEquals": obj{"kms:ViaService": []any{"s3." + region + ".amazonaws.com", "secretsmanager." + region + ".amazonaws.com"}}},
			}),
			stmt("Allow", obj{
				"Sid": "Allow attachment of persistent resources", "Principal": obj{"AWS": fmt.Sprintf("arn:aws:iam::%s:role/team%d-app", acct, i%12)},
				"Action": []any{"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"}, "Resource": "*",
				"Condition": obj{"Bool": obj{"kms:GrantIsForAWSResource": "true"}},
			}),
			stmt("Allow", obj{
				"Sid": "Reporting account", "Principal": obj{"AWS": "arn:aws:iam::" + genAccounts[(i+1)%len(genAccounts)] + ":root"},
				"Action": []any{"kms:Decrypt", "kms:DescribeKey"}, "Resource": "*",
			}))
	case 1: // principals named directly, teams by tag
		stmts = append(stmts, root, admins)
		for t := range 2 + i%9 {
			stmts = append(stmts, stmt("Allow", obj{
				"Sid": fmt.Sprintf("Team%d", t), "Principal": obj{"AWS": []any{fmt.Sprintf("arn:aws:iam::%s:role/team%d-app", genAccounts[t%len(genAccounts)], t), fmt.Sprintf("arn:aws:iam::%s:user/dev%d", acct, t*5+3)}},
				"Action": []any{"kms:Decrypt", "kms:GenerateDataKey*"}, "Resource": "*",
				"Condition": obj{"StringEquals": obj{"aws:PrincipalTag/team": fmt.Sprintf("team%d", t)}},
			}))
		}
	case 2: // open to the organization, with guards
		stmts = append(stmts, root,
			stmt("Allow", obj{
				"Sid": "OrgDecrypt", "Principal": obj{"AWS": "*"}, "Action": []any{"kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"}, "Resource": "*",
				"Condition": obj{"StringEquals": obj{"aws:PrincipalOrgID": genOrgID}, "StringLike": obj{"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::reports-*"}},
			}),
			stmt("Deny", obj{
				"Sid": "DenyOutsideOrg", "Principal": "*", "Action": "kms:*", "Resource": "*",
				"Condition": obj{"StringNotEqualsIfExists": obj{"aws:PrincipalOrgID": genOrgID}, "Bool": obj{"aws:PrincipalIsAWSService": "false"}},
			}),
			stmt("Deny", obj{
				"Sid": "DenyDeletion", "Principal": "*", "Action": []any{"kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"}, "Resource": "*",
				"Condition": obj{"ArnNotLike": obj{"aws:PrincipalArn": "arn:aws:iam::*:role/KeyAdmin"}},
			}))
	default: // an AWS managed key, as AWS writes its policy
		k.awsManaged = true
		stmts = append(stmts,
			stmt("Allow", obj{
				"Sid": "Allow access through S3 for all principals in the account that are authorized to use S3", "Principal": obj{"AWS": "*"},
				"Action": []any{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}, "Resource": "*",
				"Condition": obj{"StringEquals": obj{"kms:CallerAccount": acct, "kms:ViaService": "s3." + region + ".amazonaws.com"}},
			}),
			stmt("Allow", obj{
				"Sid": "Allow direct access to key metadata to the account", "Principal": obj{"AWS": "arn:aws:iam::" + acct + ":root"},
				"Action": []any{"kms:Describe*", "kms:Get*", "kms:List*"}, "Resource": "*",
			}))
	}
	policy := any(doc(stmts...))
	if i%3 == 0 {
		policy = obj{"name": "key policy", "arn": k.arn, "document": mustJSON(policy)} // as GetKeyPolicy returns it: a string
	}
	k.policy = policy
	if i%3 == 1 {
		for g := range 1 + i%3 {
			grant := obj{
				"GrantId":          fmt.Sprintf("%064x", i*100+g),
				"GranteePrincipal": fmt.Sprintf("arn:aws:iam::%s:role/team%d-app", genAccounts[(i+g)%len(genAccounts)], (i+g)%12),
				"Operations":       []any{"Decrypt", "GenerateDataKey", "DescribeKey"},
				"IssuingAccount":   "arn:aws:iam::" + acct + ":root",
			}
			if g%2 == 0 {
				grant["Constraints"] = obj{"EncryptionContextSubset": obj{"AppName": "ExampleApp"}}
			}
			k.grants = append(k.grants, grant)
		}
	}
	return k
}

// genManagedPolicies returns 40 identity policies: KMS use, S3 access, admin,
// role assumption, guards; every third as IAM returns it (URL-encoded).
func genManagedPolicies() []any {
	var out []any
	for i := range 40 {
		var d obj
		switch i % 5 {
		case 0:
			d = doc(stmt("Allow", obj{"Action": []any{"kms:Decrypt", "kms:GenerateDataKey*", "kms:Encrypt"}, "Resource": fmt.Sprintf("arn:aws:kms:*:%s:key/*", genAccounts[i%3])}))
		case 1:
			d = doc(
				stmt("Allow", obj{"Action": []any{"s3:GetObject", "s3:PutObject", "s3:ListBucket"}, "Resource": []any{fmt.Sprintf("arn:aws:s3:::reports-%d", i%3), fmt.Sprintf("arn:aws:s3:::reports-%d/*", i%3)}}),
				stmt("Allow", obj{"Action": "kms:Decrypt", "Resource": "*", "Condition": obj{"StringLike": obj{"kms:ViaService": "s3.*.amazonaws.com"}}}),
			)
		case 2:
			d = doc(
				stmt("Allow", obj{"Action": "kms:*", "Resource": "*", "Condition": obj{"StringEquals": obj{"aws:RequestedRegion": []any{"us-east-1", "eu-west-1"}}}}),
				stmt("Deny", obj{"Action": []any{"kms:ScheduleKeyDeletion", "kms:DisableKey"}, "Resource": "*", "Condition": obj{"BoolIfExists": obj{"aws:MultiFactorAuthPresent": "false"}}}),
			)
		case 3:
			d = doc(
				stmt("Allow", obj{"Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/deploy-*"}),
				stmt("Allow", obj{"Action": []any{"kms:Decrypt", "kms:DescribeKey"}, "Resource": "*", "Condition": obj{"StringEquals": obj{"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}}),
			)
		default:
			d = doc(
				stmt("Allow", obj{"NotAction": []any{"iam:*", "organizations:*"}, "Resource": "*"}),
				stmt("Deny", obj{"Action": "kms:*", "Resource": "*", "Condition": obj{"NotIpAddress": obj{"aws:SourceIp": []any{"10.0.0.0/8", "192.0.2.0/24"}}, "Bool": obj{"aws:ViaAWSService": "false"}}}),
			)
		}
		name := fmt.Sprintf("managed-%d", i)
		arn := "arn:aws:iam::" + genAccounts[i%len(genAccounts)] + ":policy/" + name
		switch i % 3 {
		case 0:
			out = append(out, obj{"name": name, "arn": arn, "document": url.QueryEscape(mustJSON(d))})
		case 1:
			out = append(out, obj{"name": name, "arn": arn, "document": d})
		default:
			out = append(out, d)
		}
	}
	return out
}

func genSCPs(acct string) []any {
	full := obj{"name": "FullAWSAccess", "arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess", "document": doc(stmt("Allow", obj{"Action": "*", "Resource": "*"}))}
	regions := obj{"name": "RegionGuard", "document": doc(stmt("Deny", obj{
		"NotAction": []any{"iam:*", "sts:*", "organizations:*", "support:*"}, "Resource": "*",
		"Condition": obj{"StringNotEquals": obj{"aws:RequestedRegion": []any{"us-east-1", "eu-west-1"}}, "ArnNotLike": obj{"aws:PrincipalArn": "arn:aws:iam::*:role/OrgAdmin"}},
	}))}
	keys := obj{"name": "ProtectKeys", "document": doc(stmt("Deny", obj{
		"Action": []any{"kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"}, "Resource": "*",
		"Condition": obj{"ArnNotLike": obj{"aws:PrincipalArn": []any{"arn:aws:iam::*:role/KeyAdmin", "arn:aws:iam::*:role/OrgAdmin"}}},
	}))}
	switch acct {
	case genAccounts[0], genAccounts[1]:
		return []any{[]any{full}, []any{full, regions}, []any{full}}
	case genAccounts[2]:
		return []any{[]any{full}, []any{full, keys}, []any{full, regions}, []any{full}}
	default:
		return []any{[]any{full, keys}, []any{full}}
	}
}

func genRCPs() []any {
	full := obj{"name": "RCPFullAWSAccess", "document": doc(stmt("Allow", obj{"Principal": "*", "Action": "*", "Resource": "*"}))}
	perimeter := obj{"name": "DataPerimeter", "document": doc(stmt("Deny", obj{
		"Principal": "*", "Action": []any{"kms:*", "s3:*", "sts:*"}, "Resource": "*",
		"Condition": obj{"StringNotEqualsIfExists": obj{"aws:PrincipalOrgID": genOrgID}, "BoolIfExists": obj{"aws:PrincipalIsAWSService": "false"}},
	}))}
	return []any{[]any{full, perimeter}, []any{full}}
}

func genTrustPolicy(i int) any {
	if i%2 == 0 {
		return doc(stmt("Allow", obj{"Principal": obj{"AWS": "arn:aws:iam::" + genAccounts[i%len(genAccounts)] + ":root"}, "Action": "sts:AssumeRole"}))
	}
	return doc(stmt("Allow", obj{
		"Principal": obj{"AWS": []any{"arn:aws:iam::" + genAccounts[i%len(genAccounts)] + ":root", "arn:aws:iam::" + genAccounts[(i+2)%len(genAccounts)] + ":role/team1-app"}},
		"Action":    "sts:AssumeRole",
		"Condition": obj{"StringEquals": obj{"sts:ExternalId": fmt.Sprintf("ext-%d", i)}, "Bool": obj{"aws:MultiFactorAuthPresent": "true"}},
	}))
}

func genBucketPolicy(b int) any {
	return doc(
		stmt("Allow", obj{"Principal": obj{"AWS": "arn:aws:iam::" + genAccounts[(b+1)%len(genAccounts)] + ":root"}, "Action": "s3:GetObject", "Resource": fmt.Sprintf("arn:aws:s3:::reports-%d/*", b)}),
		stmt("Deny", obj{"Principal": "*", "Action": "s3:*", "Resource": fmt.Sprintf("arn:aws:s3:::reports-%d/*", b), "Condition": obj{"Bool": obj{"aws:SecureTransport": "false"}}}),
	)
}

// genContext gives what a request's context may tell: often the caller's
// organization, Region and tags, sometimes the calling service or source IP;
// keys left out are unknown (unless the context is complete).
func genContext(rng *rand.Rand, p genPrincipal) obj {
	ctx := obj{}
	if p.account != genOutside && rng.IntN(4) != 0 {
		ctx["aws:PrincipalOrgID"] = genOrgID
	}
	if rng.IntN(3) != 0 {
		ctx["aws:RequestedRegion"] = genRegions[rng.IntN(len(genRegions))]
	}
	if rng.IntN(2) == 0 {
		ctx["aws:PrincipalTag/team"] = fmt.Sprintf("team%d", rng.IntN(12))
	}
	switch rng.IntN(3) {
	case 0:
		ctx["kms:ViaService"] = nil
		ctx["aws:ViaAWSService"] = false
	case 1:
		ctx["kms:ViaService"] = "s3.us-east-1.amazonaws.com"
		ctx["aws:ViaAWSService"] = true
	}
	if rng.IntN(4) != 0 {
		ctx["aws:SourceIp"] = fmt.Sprintf("10.%d.%d.7", rng.IntN(256), rng.IntN(256))
		ctx["aws:MultiFactorAuthPresent"] = rng.IntN(2) == 0
	}
	if rng.IntN(5) == 0 {
		ctx["aws:EpochTime"] = 1790000000 + rng.IntN(1000)
	}
	return ctx
}
