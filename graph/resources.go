package graph

import (
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// Resource is a resource encrypted with a KMS key (or by default encryption).
type Resource struct {
	ARN     string `json:"arn"`
	Type    string `json:"type"` // s3:bucket, ec2:volume, ec2:snapshot, rds:snapshot, …
	Account string `json:"account"`
	Region  string `json:"region"`
	// KeyRef is the key reference as the resource gives it (key ID, key ARN,
	// alias name or alias ARN); "" when the resource names none.
	KeyRef string `json:"key_ref,omitempty"`
	// Key is the resolved key ARN; "" when unresolved (see KeyUnresolved).
	Key           string `json:"key,omitempty"`
	KeyUnresolved bool   `json:"key_unresolved,omitempty"`
	// BucketKey is set for S3 buckets with an S3 Bucket Key: the encryption
	// context then names the bucket, not the object.
	BucketKey bool `json:"bucket_key,omitempty"`
	// list and index, with regionPath, say where the resource is in the
	// snapshot (Path): one string for a Region's resources, not one each
	// (32 MB of 5,000 generated accounts' graph). They sit beside the flags.
	list  resourceList
	index int32
	// KeyGap says its encryption (which key, if any) was not collected;
	// nil: known. Answers through the resource are then never ALLOW on
	// their account, and name it.
	KeyGap *Issue `json:"key_gap,omitempty"`
	// regionPath is the JSON path of the resource's Region in the
	// snapshot.
	regionPath string
	// attrShared lists the accounts its sharing attributes (snapshot
	// permissions) share it with; collGap is its policy's (or sharing
	// attribute's) collection gap.
	attrShared []string
	collGap    *Issue
	// side is what its policy document makes of it, worked out when first
	// asked (resourcepolicy.go): Policy, PolicyGap, SharedWith.
	side *resourceSide
	// block is a bucket's S3 Block Public Access (s3block.go): use blockOf.
	block *publicBlock
}

func (b *builder) buildResources(account, region string, reg *snapshot.Region, base string) {
	var failed failures
	if a := b.g.Snapshot.Accounts[account]; a != nil {
		failed = indexFailures(a.Errors)
	}
	add := func(r *Resource) {
		r.Account, r.Region = account, region
		r.attrShared = sharedWith(r, nil) // sorted
		b.resources = append(b.resources, r)
	}
	// gap records what was not collected about r (what: "policy", "key"…).
	gap := func(r *Resource, path, what string, e *snapshot.CollectionError) *Issue {
		why := "not collected"
		if e != nil {
			why += " (" + describeFailure(e) + ")"
		}
		iss := Issue{Account: account, Region: region, Item: r.ARN, Path: path, Message: "the " + what + " of " + r.ARN + " was " + why + ": answers through it are unknown"}
		b.issue(iss)
		return &iss
	}
	// policyOf gives r its resource policy document, at r.Path()+suffix in
	// the snapshot, parsed when first asked (resourcepolicy.go); a failed
	// read (e) is a gap.
	policyOf := func(r *Resource, doc *string, suffix string, e *snapshot.CollectionError) {
		switch {
		case e != nil:
			r.collGap = gap(r, r.Path()+suffix, "resource policy", e)
		case doc == nil || *doc == "":
		default:
			r.side = &resourceSide{lazyDoc: lazyDoc{doc: *doc, res: r, suffix: suffix, table: b.g.docs}}
		}
	}
	if s3 := reg.S3; s3 != nil && len(s3.Buckets) > 0 {
		ab := b.accountBlockOf(account)
		for i, bk := range s3.Buckets {
			r := &Resource{ARN: "arn:" + b.partition + ":s3:::" + bk.Name, Type: "s3:bucket", regionPath: base, list: listS3Buckets, index: listIndex(i)}
			if e := failed.of("GetBucketEncryption", r.ARN, "arn:aws:s3:::"+bk.Name); e != nil {
				r.KeyGap = gap(r, r.Path()+".ServerSideEncryptionConfiguration", "default encryption", e)
			}
			if c := bk.ServerSideEncryptionConfiguration; c != nil {
				for _, rule := range c.Rules {
					if d := rule.ApplyServerSideEncryptionByDefault; d != nil && strings.HasPrefix(d.SSEAlgorithm, "aws:kms") {
						r.KeyRef, r.BucketKey = d.KMSMasterKeyID, rule.BucketKeyEnabled
						if r.KeyRef == "" {
							r.KeyRef = "alias/aws/s3"
						}
					}
				}
			}
			policyOf(r, bk.Policy, ".Policy", failed.of("GetBucketPolicy", r.ARN, "arn:aws:s3:::"+bk.Name))
			add(r)
			b.bucketBlock(r, &s3.Buckets[i], ab, failed)
		}
	}
	if ec2 := reg.EC2; ec2 != nil {
		for i, v := range ec2.Volumes {
			if v.Encrypted {
				add(&Resource{
					ARN: "arn:" + b.partition + ":ec2:" + region + ":" + account + ":volume/" + v.VolumeID, Type: "ec2:volume", KeyRef: orDefault(v.KmsKeyID, "alias/aws/ebs"),
					regionPath: base, list: listEC2Volumes, index: listIndex(i),
				})
			}
		}
		for i, s := range ec2.Snapshots {
			r := &Resource{ARN: "arn:" + b.partition + ":ec2:" + region + "::snapshot/" + s.SnapshotID, Type: "ec2:snapshot", regionPath: base, list: listEC2Snapshots, index: listIndex(i)}
			if s.Encrypted {
				r.KeyRef = orDefault(s.KmsKeyID, "alias/aws/ebs")
			}
			for _, p := range s.CreateVolumePermissions {
				if p.Group == "all" {
					r.attrShared = append(r.attrShared, "all")
				} else if p.UserID != "" {
					r.attrShared = append(r.attrShared, p.UserID)
				}
			}
			if e := failed.of("DescribeSnapshotAttribute", s.SnapshotID, r.ARN); e != nil || s.CreateVolumePermissions == nil {
				r.collGap = gap(r, r.Path()+".CreateVolumePermissions", "createVolumePermission", e)
			}
			add(r)
		}
	}
	if rds := reg.RDS; rds != nil {
		for i, db := range rds.DBInstances {
			if db.StorageEncrypted {
				add(&Resource{ARN: db.DBInstanceArn, Type: "rds:db", KeyRef: orDefault(db.KmsKeyID, "alias/aws/rds"), regionPath: base, list: listRDSDBInstances, index: listIndex(i)})
			}
		}
		for i, s := range rds.DBSnapshots {
			r := &Resource{ARN: s.DBSnapshotArn, Type: "rds:snapshot", regionPath: base, list: listRDSDBSnapshots, index: listIndex(i)}
			if s.Encrypted {
				r.KeyRef = orDefault(s.KmsKeyID, "alias/aws/rds")
			}
			r.attrShared = restoreAttribute(s.Attributes)
			if e := failed.of("DescribeDBSnapshotAttributes", s.DBSnapshotArn, s.DBSnapshotIdentifier); e != nil || s.Attributes == nil {
				r.collGap = gap(r, r.Path()+".Attributes", "restore attribute", e)
			}
			add(r)
		}
		for i, s := range rds.DBClusterSnapshots {
			r := &Resource{ARN: s.DBClusterSnapshotArn, Type: "rds:cluster-snapshot", regionPath: base, list: listRDSDBClusterSnapshots, index: listIndex(i)}
			if s.StorageEncrypted {
				r.KeyRef = orDefault(s.KmsKeyID, "alias/aws/rds")
			}
			r.attrShared = restoreAttribute(s.Attributes)
			if e := failed.of("DescribeDBClusterSnapshotAttributes", s.DBClusterSnapshotArn, s.DBClusterSnapshotIdentifier); e != nil || s.Attributes == nil {
				r.collGap = gap(r, r.Path()+".Attributes", "restore attribute", e)
			}
			add(r)
		}
	}
	if sm := reg.SecretsManager; sm != nil {
		for i, s := range sm.Secrets {
			r := &Resource{ARN: s.ARN, Type: "secretsmanager:secret", KeyRef: orDefault(s.KmsKeyID, "alias/aws/secretsmanager"), regionPath: base, list: listSecrets, index: listIndex(i)}
			policyOf(r, s.ResourcePolicy, ".ResourcePolicy", failed.of("GetResourcePolicy", s.ARN))
			add(r)
		}
	}
	if sqs := reg.SQS; sqs != nil {
		for i, q := range sqs.Queues {
			r := &Resource{ARN: q.Attributes["QueueArn"], Type: "sqs:queue", KeyRef: q.Attributes["KmsMasterKeyId"], regionPath: base, list: listSQSQueues, index: listIndex(i)}
			if r.ARN == "" {
				r.ARN = q.QueueURL
			}
			if pol, ok := q.Attributes["Policy"]; ok {
				policyOf(r, &pol, ".Attributes.Policy", nil)
			}
			if e := failed.of("GetQueueAttributes", q.QueueURL, r.ARN); e != nil || q.Attributes == nil {
				// Its policy and its key are attributes.
				r.collGap = gap(r, r.Path()+".Attributes", "policy", e)
				r.KeyGap = gap(r, r.Path()+".Attributes", "encryption", e)
			}
			add(r)
		}
	}
	if sns := reg.SNS; sns != nil {
		for i, tp := range sns.Topics {
			r := &Resource{ARN: tp.TopicArn, Type: "sns:topic", KeyRef: tp.Attributes["KmsMasterKeyId"], regionPath: base, list: listSNSTopics, index: listIndex(i)}
			if pol, ok := tp.Attributes["Policy"]; ok {
				policyOf(r, &pol, ".Attributes.Policy", nil)
			}
			if e := failed.of("GetTopicAttributes", tp.TopicArn); e != nil || tp.Attributes == nil {
				r.collGap = gap(r, r.Path()+".Attributes", "policy", e)
				r.KeyGap = gap(r, r.Path()+".Attributes", "encryption", e)
			}
			add(r)
		}
	}
	if ddb := reg.DynamoDB; ddb != nil {
		for i, t := range ddb.Tables {
			r := &Resource{ARN: t.TableArn, Type: "dynamodb:table", regionPath: base, list: listDynamoDBTables, index: listIndex(i)}
			if s := t.SSEDescription; s != nil && s.SSEType == "KMS" {
				r.KeyRef = orDefault(s.KMSMasterKeyArn, "alias/aws/dynamodb")
			}
			if e := failed.of("DescribeTable", t.TableArn, t.TableName); e != nil {
				// A table without SSEDescription uses an AWS owned key; one
				// that could not be described may use any.
				r.KeyGap = gap(r, r.Path()+".SSEDescription", "encryption", e)
			}
			policyOf(r, t.ResourcePolicy, ".ResourcePolicy", failed.of("GetResourcePolicy", t.TableArn))
			add(r)
		}
	}
	if lam := reg.Lambda; lam != nil {
		for i, f := range lam.Functions {
			r := &Resource{ARN: f.FunctionArn, Type: "lambda:function", KeyRef: f.KMSKeyArn, regionPath: base, list: listLambdaFunctions, index: listIndex(i)}
			policyOf(r, f.Policy, ".Policy", failed.of("GetPolicy", f.FunctionArn))
			add(r)
		}
	}
	if logs := reg.Logs; logs != nil {
		for i, lg := range logs.LogGroups {
			if lg.KmsKeyID != "" {
				add(&Resource{ARN: strings.TrimSuffix(lg.Arn, ":*"), Type: "logs:log-group", KeyRef: lg.KmsKeyID, regionPath: base, list: listLogGroups, index: listIndex(i)})
			}
		}
	}
}

// resolveResources makes the resources b built the graph's, and links
// each to its key. Runs once all keys are known.
func (b *builder) resolveResources() {
	g := b.g
	g.resources = b.resources
	for _, r := range g.resources {
		r.Key, r.KeyUnresolved = g.resolvedKey(r)
	}
	g.sortResources()
}

// sortResources sorts the resources by ARN and indexes them.
func (g *Graph) sortResources() {
	sortByARN(g.resources, func(r *Resource) string { return r.ARN })
	if len(g.resourceARNs) == 0 {
		g.resourceARNs = make(map[string]*Resource, len(g.resources)) // at its size: no growing
	}
	for _, r := range g.resources {
		g.resourceARNs[r.ARN] = r
	}
}

// resolvedKey is the key ARN r's key reference resolves to ("" and
// unresolved true when it resolves to none): key IDs and alias names
// resolve in the resource's own account and Region.
func (g *Graph) resolvedKey(r *Resource) (key string, unresolved bool) {
	if r.KeyRef == "" {
		return "", false
	}
	if k, err := g.ResolveKey(r.KeyRef, r.Account, r.Region); err == nil && (strings.HasPrefix(strings.TrimSpace(r.KeyRef), "arn:") || k.Account == r.Account) {
		return k.ARN, false
	}
	return "", true
}

// sharedWith is a resource's sharing attributes (attrShared) with the
// accounts its resource policy (np, or nil) names, sorted.
func sharedWith(r *Resource, np *eval.NamedPolicy) []string {
	out := slices.Clone(r.attrShared)
	if np != nil {
		for _, st := range np.Policy.Statements {
			if st.Effect != 0 || st.Principal == nil || st.NotPrincipal {
				continue
			}
			if st.Principal.Any {
				out = append(out, "all")
			}
			for _, e := range st.Principal.AWS {
				if e == "*" {
					out = append(out, "all")
				} else if p, err := arn.ParsePrincipal(e); err == nil && p.AccountID != "" && p.AccountID != r.Account {
					out = append(out, p.AccountID)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Resources returns the encrypted (or sharable) resources, sorted by ARN.
func (g *Graph) Resources() []*Resource {
	g.needResources()
	return g.resources
}

// Resource returns the resource with that ARN, or nil.
func (g *Graph) Resource(arn string) *Resource {
	g.needResources()
	return g.resourceARNs[arn]
}

// AWS-managed key aliases ("alias/aws/s3") name keys that exist in every
// account and Region even when the scanner's ListKeys did not return them.
func isAWSManagedAlias(ref string) bool {
	return strings.HasPrefix(ref, "alias/aws/") || strings.Contains(ref, ":alias/aws/")
}

func restoreAttribute(attrs []snapshot.DBSnapshotAttribute) []string {
	for _, a := range attrs {
		if a.AttributeName == "restore" {
			return slices.Clone(a.AttributeValues)
		}
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
