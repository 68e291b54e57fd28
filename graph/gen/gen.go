// Package gen writes realistic synthetic organizations for tests and
// benchmarks: mixed key-policy styles (root delegation, named principals,
// "*" with organization conditions), cross-account trusts and role chains,
// grants, SCPs and RCPs, conditions, AWS managed keys, and encrypted
// resources; at a chosen share, roles that may escalate to a key
// (Options.EscalationShare). The same options and seed always give the same
// snapshot.
package gen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// Options size the organization.
type Options struct {
	Accounts        int
	Regions         int
	RolesPerAccount int
	KeysPerRegion   int
	ResourcesPerKey int
	Seed            uint64
	// EscalationShare is the share (0 to 1) of each member account's roles
	// given permissions that escalate to a key (escalation.go); 0, none:
	// the organization as before them. keyhound gen defaults to 0.02.
	EscalationShare float64
}

var regionNames = []string{"us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2", "eu-central-1", "ca-central-1"}

const orgID = "o-gen0000001"

func acct(i int) string { return fmt.Sprintf("%012d", 100000000000+i) }

func doc(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only marshals maps and slices built here
	}
	return string(b)
}

type m = map[string]any

func stmt(effect string, fields m) m {
	s := m{"Effect": effect}
	for k, v := range fields {
		s[k] = v
	}
	return s
}

func policy(stmts ...m) string { return doc(m{"Version": "2012-10-17", "Statement": stmts}) }

// Organization generates a snapshot.
func Organization(o Options) *snapshot.Snapshot {
	if o.Regions < 1 {
		o.Regions = 1
	}
	if o.Regions > len(regionNames) {
		o.Regions = len(regionNames)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6b6579686f756e64)) //nolint:gosec // G404: repeatable synthetic data, no secrets
	mgmt := acct(0)
	s := &snapshot.Snapshot{
		Format: snapshot.Format, CollectedAt: "2026-11-22T12:00:00Z", Partition: "aws",
		Tool: &snapshot.Tool{Name: "keyhound gen"}, Accounts: map[string]*snapshot.Account{},
	}
	org := &snapshot.Organization{
		Organization: &snapshot.OrganizationInfo{ID: orgID, MasterAccountID: mgmt, FeatureSet: "ALL"},
		Roots: []snapshot.Root{{ID: "r-gen1", Name: "Root", PolicyTypes: []snapshot.PolicyTypeSummary{
			{Type: snapshot.PolicyTypeSCP, Status: "ENABLED"}, {Type: snapshot.PolicyTypeRCP, Status: "ENABLED"},
		}}},
	}
	const ous = 10
	for i := range ous {
		org.OrganizationalUnits = append(org.OrganizationalUnits, snapshot.OrganizationalUnit{ID: fmt.Sprintf("ou-gen1-%08d", i), Name: fmt.Sprintf("ou-%d", i), ParentID: "r-gen1"})
	}
	org.Accounts = append(org.Accounts, snapshot.OrgAccount{ID: mgmt, Name: "management", Status: "ACTIVE", ParentID: "r-gen1"})
	for i := 1; i <= o.Accounts; i++ {
		org.Accounts = append(org.Accounts, snapshot.OrgAccount{ID: acct(i), Name: fmt.Sprintf("account-%d", i), Status: "ACTIVE", ParentID: fmt.Sprintf("ou-gen1-%08d", i%ous)})
	}
	full := policy(stmt("Allow", m{"Action": "*", "Resource": "*"}))
	org.Policies = []snapshot.OrgPolicy{
		{
			PolicySummary: snapshot.PolicySummary{ID: "p-FullAWSAccess", Name: "FullAWSAccess", Type: snapshot.PolicyTypeSCP, AwsManaged: true}, Content: full,
			Targets: []snapshot.PolicyTarget{{TargetID: "r-gen1", Type: "ROOT"}},
		},
		{
			PolicySummary: snapshot.PolicySummary{ID: "p-nodecrypt", Name: "NoDecryptInOU9", Type: snapshot.PolicyTypeSCP},
			Content:       policy(stmt("Deny", m{"Action": "kms:Decrypt", "Resource": "*", "Condition": m{"ArnNotLike": m{"aws:PrincipalArn": "arn:aws:iam::*:role/break-glass"}}})),
			Targets:       []snapshot.PolicyTarget{{TargetID: "ou-gen1-00000009", Type: "ORGANIZATIONAL_UNIT"}},
		},
		{
			PolicySummary: snapshot.PolicySummary{ID: "p-RCPFullAWSAccess", Name: "RCPFullAWSAccess", Type: snapshot.PolicyTypeRCP, AwsManaged: true},
			Content:       policy(stmt("Allow", m{"Principal": "*", "Action": "*", "Resource": "*"})), Targets: []snapshot.PolicyTarget{{TargetID: "r-gen1", Type: "ROOT"}},
		},
		{
			PolicySummary: snapshot.PolicySummary{ID: "p-perimeter", Name: "DataPerimeter", Type: snapshot.PolicyTypeRCP},
			Content: policy(stmt("Deny", m{
				"Principal": "*", "Action": []string{"kms:*", "s3:*", "secretsmanager:*", "sqs:*"}, "Resource": "*",
				"Condition": m{"StringNotEqualsIfExists": m{"aws:PrincipalOrgID": orgID}, "Bool": m{"aws:PrincipalIsAWSService": "false"}},
			})),
			Targets: []snapshot.PolicyTarget{{TargetID: "r-gen1", Type: "ROOT"}},
		},
	}
	s.Organization = org
	for i := 1; i <= o.Accounts; i++ {
		s.Accounts[acct(i)] = account(rng, o, i)
		addEscalation(o, i, s.Accounts[acct(i)])
	}
	s.Accounts[mgmt] = &snapshot.Account{IAM: &snapshot.IAM{
		UserDetailList: []snapshot.UserDetail{}, GroupDetailList: []snapshot.GroupDetail{}, Policies: []snapshot.ManagedPolicyDetail{},
		RoleDetailList: []snapshot.RoleDetail{role(mgmt, "OrgAdmin", policy(stmt("Allow", m{"Principal": m{"AWS": "arn:aws:iam::" + mgmt + ":root"}, "Action": "sts:AssumeRole"})),
			[]snapshot.PolicyDetail{{PolicyName: "admin", PolicyDocument: full}})},
	}}
	return s
}

func role(account, name, trust string, inline []snapshot.PolicyDetail) snapshot.RoleDetail {
	return snapshot.RoleDetail{
		Path: "/", RoleName: name, RoleID: "AROA" + name, Arn: "arn:aws:iam::" + account + ":role/" + name,
		AssumeRolePolicyDocument: trust, RolePolicyList: inline, AttachedManagedPolicies: []snapshot.AttachedPolicy{},
	}
}

func account(rng *rand.Rand, o Options, i int) *snapshot.Account {
	id := acct(i)
	peer := acct(1 + (i % o.Accounts)) // the next account: its data-reader trusts this one's role-0
	prev := acct(1 + (i+o.Accounts-2)%o.Accounts)
	other := acct(1 + rng.IntN(o.Accounts)) // a random one
	a := &snapshot.Account{IAM: &snapshot.IAM{UserDetailList: []snapshot.UserDetail{}, GroupDetailList: []snapshot.GroupDetail{}, Policies: []snapshot.ManagedPolicyDetail{
		{
			PolicyName: "KmsReadOnly", Arn: "arn:aws:iam::" + id + ":policy/KmsReadOnly", DefaultVersionID: "v1",
			PolicyVersionList: []snapshot.PolicyVersion{{VersionID: "v1", IsDefaultVersion: true, Document: policy(stmt("Allow", m{"Action": []string{"kms:Describe*", "kms:List*"}, "Resource": "*"}))}},
		},
	}}, Regions: map[string]*snapshot.Region{}}
	trustAccount := policy(stmt("Allow", m{"Principal": m{"AWS": "arn:aws:iam::" + id + ":root"}, "Action": "sts:AssumeRole"}))
	trustPeer := policy(stmt("Allow", m{
		"Principal": m{"AWS": "arn:aws:iam::" + prev + ":role/role-0"}, "Action": "sts:AssumeRole",
		"Condition": m{"StringEquals": m{"aws:PrincipalOrgID": orgID}},
	}))
	for r := range o.RolesPerAccount {
		name := fmt.Sprintf("role-%d", r)
		var inline []snapshot.PolicyDetail
		switch r % 5 {
		case 0: // reads this account's keys, may hop to the peer's data role
			inline = append(inline, snapshot.PolicyDetail{PolicyName: "kms-use", PolicyDocument: policy(
				stmt("Allow", m{"Action": []string{"kms:Decrypt", "kms:GenerateDataKey*"}, "Resource": "arn:aws:kms:*:" + id + ":key/*"}),
				stmt("Allow", m{"Action": "sts:AssumeRole", "Resource": "arn:aws:iam::" + acct(1+(i%o.Accounts)) + ":role/data-reader"}))})
		case 1: // reads another account's keys
			inline = append(inline, snapshot.PolicyDetail{PolicyName: "cross-kms", PolicyDocument: policy(
				stmt("Allow", m{"Action": "kms:Decrypt", "Resource": "arn:aws:kms:*:" + other + ":key/*"}),
				stmt("Allow", m{"Action": []string{"s3:GetObject", "s3:PutObject"}, "Resource": "*"}))})
		case 2: // tag-based
			inline = append(inline, snapshot.PolicyDetail{PolicyName: "abac", PolicyDocument: policy(
				stmt("Allow", m{"Action": "kms:Decrypt", "Resource": "*", "Condition": m{"StringEquals": m{"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}}))})
		case 3: // application role through services only
			inline = append(inline, snapshot.PolicyDetail{PolicyName: "app", PolicyDocument: policy(
				stmt("Allow", m{"Action": []string{"secretsmanager:GetSecretValue", "sqs:*", "s3:GetObject"}, "Resource": "*"}),
				stmt("Allow", m{"Action": "kms:Decrypt", "Resource": "*", "Condition": m{"StringLike": m{"kms:ViaService": []string{"secretsmanager.*.amazonaws.com", "sqs.*.amazonaws.com", "s3.*.amazonaws.com"}}}}))})
		default: // nothing about KMS
			inline = append(inline, snapshot.PolicyDetail{PolicyName: "ec2", PolicyDocument: policy(stmt("Allow", m{"Action": []string{"ec2:Describe*", "logs:*"}, "Resource": "*"}))})
		}
		rd := role(id, name, trustAccount, inline)
		rd.AttachedManagedPolicies = []snapshot.AttachedPolicy{{PolicyName: "KmsReadOnly", PolicyArn: "arn:aws:iam::" + id + ":policy/KmsReadOnly"}}
		rd.Tags = []snapshot.Tag{{Key: "team", Value: fmt.Sprintf("team-%d", r%7)}}
		a.IAM.RoleDetailList = append(a.IAM.RoleDetailList, rd)
	}
	a.IAM.RoleDetailList = append(a.IAM.RoleDetailList, role(id, "data-reader", trustPeer, []snapshot.PolicyDetail{{
		PolicyName:     "read",
		PolicyDocument: policy(stmt("Allow", m{"Action": []string{"kms:Decrypt", "s3:GetObject"}, "Resource": "*"})),
	}}))
	for ri := range o.Regions {
		region := regionNames[ri]
		reg := &snapshot.Region{
			KMS: &snapshot.KMS{Keys: []snapshot.Key{}}, S3: &snapshot.S3{Buckets: []snapshot.Bucket{}},
			SecretsManager: &snapshot.SecretsManager{Secrets: []snapshot.Secret{}}, SQS: &snapshot.SQS{Queues: []snapshot.Queue{}},
		}
		for _, svc := range []string{"s3", "ebs"} {
			kid := fmt.Sprintf("aaaaaaaa-%04d-4000-8000-%012d", ri, i) + svc[:1]
			reg.KMS.Keys = append(reg.KMS.Keys, awsKey(id, region, kid, svc))
		}
		for k := range o.KeysPerRegion {
			kid := fmt.Sprintf("%08x-%04x-4000-8000-%012x", i, ri*1000+k, rng.Uint64()&0xffffffffffff)
			karn := "arn:aws:kms:" + region + ":" + id + ":key/" + kid
			root := stmt("Allow", m{"Sid": "Enable IAM User Permissions", "Principal": m{"AWS": "arn:aws:iam::" + id + ":root"}, "Action": "kms:*", "Resource": "*"})
			var pol string
			var grants []snapshot.Grant
			switch k % 4 {
			case 0:
				pol = policy(root)
			case 1:
				pol = policy(root, stmt("Allow", m{
					"Sid": "Users", "Principal": m{"AWS": []string{"arn:aws:iam::" + id + ":role/role-3", "arn:aws:iam::" + id + ":role/role-8"}},
					"Action": []string{"kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"}, "Resource": "*",
				}))
			case 2:
				pol = policy(root, stmt("Allow", m{"Sid": "Partner", "Principal": m{"AWS": "arn:aws:iam::" + other + ":root"}, "Action": []string{"kms:Decrypt", "kms:DescribeKey"}, "Resource": "*"}))
				grants = append(grants, snapshot.Grant{
					GrantID: fmt.Sprintf("g%016x", rng.Uint64()), KeyID: karn, GranteePrincipal: "arn:aws:iam::" + peer + ":role/role-2",
					Operations: []string{"Decrypt"}, Constraints: &snapshot.GrantConstraints{EncryptionContextSubset: map[string]string{"app": "billing"}},
				})
			default:
				pol = policy(root, stmt("Allow", m{
					"Sid": "Org", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
					"Condition": m{"StringEquals": m{"aws:PrincipalOrgID": orgID}},
				}))
			}
			rot := k%3 != 0
			reg.KMS.Keys = append(reg.KMS.Keys, snapshot.Key{
				KeyMetadata: snapshot.KeyMetadata{AWSAccountID: id, KeyID: kid, Arn: karn, Enabled: true, KeyState: "Enabled", KeyManager: "CUSTOMER", KeySpec: "SYMMETRIC_DEFAULT", Origin: "AWS_KMS"},
				Policy:      &pol, Grants: append([]snapshot.Grant{}, grants...), Aliases: []snapshot.Alias{{AliasName: fmt.Sprintf("alias/app-%d", k), TargetKeyID: kid}},
				KeyRotationEnabled: &rot, Tags: []snapshot.KMSTag{{TagKey: "team", TagValue: fmt.Sprintf("team-%d", k%7)}},
			})
			for x := range o.ResourcesPerKey {
				name := fmt.Sprintf("%s-%s-k%d-r%d", id, region, k, x)
				switch x % 3 {
				case 0:
					bp := policy(stmt("Allow", m{"Principal": m{"AWS": "arn:aws:iam::" + other + ":root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + name + "/*"}))
					reg.S3.Buckets = append(reg.S3.Buckets, snapshot.Bucket{Name: name, Policy: &bp, ServerSideEncryptionConfiguration: &snapshot.ServerSideEncryptionConfiguration{
						Rules: []snapshot.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &snapshot.ServerSideEncryptionByDefault{SSEAlgorithm: "aws:kms", KMSMasterKeyID: karn}, BucketKeyEnabled: true}},
					}})
				case 1:
					reg.SecretsManager.Secrets = append(reg.SecretsManager.Secrets, snapshot.Secret{ARN: "arn:aws:secretsmanager:" + region + ":" + id + ":secret:" + name, Name: name, KmsKeyID: kid})
				default:
					reg.SQS.Queues = append(reg.SQS.Queues, snapshot.Queue{
						QueueURL:   "https://sqs." + region + ".amazonaws.com/" + id + "/" + name,
						Attributes: map[string]string{"QueueArn": "arn:aws:sqs:" + region + ":" + id + ":" + name, "KmsMasterKeyId": "alias/app-" + fmt.Sprint(k)},
					})
				}
			}
		}
		a.Regions[region] = reg
	}
	return a
}

func awsKey(account, region, kid, svc string) snapshot.Key {
	via := svc
	if svc == "ebs" {
		via = "ec2"
	}
	pol := policy(
		stmt("Allow", m{
			"Principal": m{"AWS": "*"}, "Action": []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"}, "Resource": "*",
			"Condition": m{"StringEquals": m{"kms:CallerAccount": account, "kms:ViaService": via + "." + region + ".amazonaws.com"}},
		}),
		stmt("Allow", m{"Principal": m{"AWS": "arn:aws:iam::" + account + ":root"}, "Action": []string{"kms:Describe*", "kms:Get*", "kms:List*"}, "Resource": "*"}))
	rot := true
	return snapshot.Key{
		KeyMetadata: snapshot.KeyMetadata{AWSAccountID: account, KeyID: kid, Arn: "arn:aws:kms:" + region + ":" + account + ":key/" + kid, Enabled: true, KeyState: "Enabled", KeyManager: "AWS", KeySpec: "SYMMETRIC_DEFAULT"},
		Policy:      &pol, Grants: []snapshot.Grant{}, Aliases: []snapshot.Alias{{AliasName: "alias/aws/" + svc, TargetKeyID: kid}}, KeyRotationEnabled: &rot,
	}
}
