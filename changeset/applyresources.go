package changeset

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// resLoc is where a bucket, snapshot or secret is in the new snapshot.
type resLoc struct {
	account, region string
	index           int
}

// findBucket finds a bucket by name or ARN (bucket names are global).
func (a *applier) findBucket(ref string) (resLoc, bool) {
	name := strings.TrimPrefix(strings.TrimPrefix(ref, "arn:"+a.partition+":s3:::"), "arn:aws:s3:::")
	for _, id := range a.accountIDs() {
		acc := a.out.Accounts[id]
		for _, rid := range regionIDs(acc) {
			if r := acc.Regions[rid]; r != nil && r.S3 != nil {
				if i := slices.IndexFunc(r.S3.Buckets, func(b snapshot.Bucket) bool { return b.Name == name }); i >= 0 {
					return resLoc{id, rid, i}, true
				}
			}
		}
	}
	return resLoc{}, false
}

// bucket sets or deletes a bucket's policy or default encryption; a bucket
// not in the snapshot is added where the change or the defaults place it.
func (a *applier) bucket(c *Change) error {
	l, ok := a.findBucket(c.Target)
	name := strings.TrimPrefix(c.Target, "arn:"+a.partition+":s3:::")
	if !ok {
		if c.Op == OpRemove {
			a.unplaced(c, "no such bucket in the snapshot")
			return nil
		}
		account, region := a.place(c, "", "")
		if account == "" || region == "" {
			a.unplaced(c, "bucket %s is not in the snapshot, and its account or Region is not known", name)
			return nil
		}
		s3 := a.s3(account, region)
		s3.Buckets = append(s3.Buckets, snapshot.Bucket{Name: name})
		l = resLoc{account, region, len(s3.Buckets) - 1}
	}
	b := &a.s3(l.account, l.region).Buckets[l.index]
	arn := "arn:" + a.partition + ":s3:::" + b.Name
	a.res.add(arn)
	switch {
	case c.Kind == KindBucketPolicy && c.Op == OpRemove:
		b.Policy = nil
	case c.Kind == KindBucketPolicy:
		doc := a.docOrUnknown(c, arn)
		b.Policy = &doc
	case c.Op == OpRemove:
		b.ServerSideEncryptionConfiguration = nil
	case c.IsUnknown("key"):
		// Which key is not known: the encryption stays as it is, noted.
		a.unknown(c, "key", arn, "the bucket's key is unknown until apply: its encryption is left as collected")
	default:
		cfg, err := encryptionConfig(c)
		if err != nil {
			return err
		}
		b.ServerSideEncryptionConfiguration = cfg
	}
	a.entry(c, arn, !ok)
	return nil
}

// encryptionConfig is the bucket encryption c sets: its Document in
// GetBucketEncryption's shape, or SSE-KMS with c.Key (SSE-S3 without).
func encryptionConfig(c *Change) (*snapshot.ServerSideEncryptionConfiguration, error) {
	if c.Document != "" {
		var cfg snapshot.ServerSideEncryptionConfiguration
		if err := json.Unmarshal([]byte(c.Document), &cfg); err != nil {
			return nil, fmt.Errorf("bucket encryption of %s: not a ServerSideEncryptionConfiguration: %w", c.Target, err)
		}
		return &cfg, nil
	}
	by := &snapshot.ServerSideEncryptionByDefault{SSEAlgorithm: "AES256"}
	if c.Key != "" {
		by = &snapshot.ServerSideEncryptionByDefault{SSEAlgorithm: "aws:kms", KMSMasterKeyID: c.Key}
	}
	return &snapshot.ServerSideEncryptionConfiguration{Rules: []snapshot.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: by}}}, nil
}

// snapshotSharing shares an EBS snapshot with an account or everyone, or stops.
func (a *applier) snapshotSharing(c *Change) error {
	if c.IsUnknown("grantee") {
		a.unplaced(c, "who it is shared with is unknown until apply")
		return nil
	}
	if c.Grantee == "" {
		return fmt.Errorf("snapshot sharing of %s: no grantee (an account ID or \"all\")", c.Target)
	}
	id := c.Target
	if _, _, _, res, ok := arnParts(id); ok {
		id = strings.TrimPrefix(res, "snapshot/")
	}
	var loc resLoc
	found := false
	for _, acct := range a.accountIDs() {
		acc := a.out.Accounts[acct]
		for _, rid := range regionIDs(acc) {
			if r := acc.Regions[rid]; !found && r != nil && r.EC2 != nil {
				if i := slices.IndexFunc(r.EC2.Snapshots, func(s snapshot.EBSSnapshot) bool { return s.SnapshotID == id }); i >= 0 {
					loc, found = resLoc{acct, rid, i}, true
				}
			}
		}
	}
	if !found {
		a.unplaced(c, "no EBS snapshot %s in the snapshot", id)
		return nil
	}
	s := &a.ec2(loc.account, loc.region).Snapshots[loc.index]
	perm := snapshot.CreateVolumePermission{UserID: c.Grantee}
	if c.Grantee == "all" {
		perm = snapshot.CreateVolumePermission{Group: "all"}
	}
	perms := slices.DeleteFunc(slices.Clone(s.CreateVolumePermissions), func(p snapshot.CreateVolumePermission) bool { return p == perm })
	if c.Op != OpRemove {
		perms = append(perms, perm)
	}
	s.CreateVolumePermissions = perms
	arn := "arn:" + a.partition + ":ec2:" + loc.region + "::snapshot/" + id
	a.res.add(arn)
	a.entry(c, arn, false)
	return nil
}

// secret sets a secret's key and policy (remove: deletes its policy); a
// secret not in the snapshot is added where its ARN or the defaults place it.
func (a *applier) secret(c *Change) error {
	_, arnRegion, arnAccount, res, isARN := arnParts(c.Target)
	name := c.Target
	if isARN {
		name = strings.TrimPrefix(res, "secret:")
	}
	var loc resLoc
	found := false
	for _, acct := range a.accountIDs() {
		acc := a.out.Accounts[acct]
		for _, rid := range regionIDs(acc) {
			r := acc.Regions[rid]
			if found || r == nil || r.SecretsManager == nil {
				continue
			}
			if i := slices.IndexFunc(r.SecretsManager.Secrets, func(s snapshot.Secret) bool {
				return s.ARN == c.Target || (!isARN && s.Name == name)
			}); i >= 0 {
				loc, found = resLoc{acct, rid, i}, true
			}
		}
	}
	if !found {
		if c.Op == OpRemove {
			a.unplaced(c, "no such secret in the snapshot")
			return nil
		}
		account, region := a.place(c, arnAccount, arnRegion)
		if account == "" || region == "" {
			a.unplaced(c, "secret %s is not in the snapshot, and its account or Region is not known", name)
			return nil
		}
		arn := c.Target
		if !isARN {
			arn = "arn:" + a.partition + ":secretsmanager:" + region + ":" + account + ":secret:" + name
		}
		sm := a.secrets(account, region)
		sm.Secrets = append(sm.Secrets, snapshot.Secret{ARN: arn, Name: name})
		loc = resLoc{account, region, len(sm.Secrets) - 1}
	}
	s := &a.secrets(loc.account, loc.region).Secrets[loc.index]
	a.res.add(s.ARN)
	if c.Op == OpRemove {
		s.ResourcePolicy = nil
	} else {
		if c.IsUnknown("key") {
			a.unknown(c, "key", s.ARN, "the secret's key is unknown until apply: left as collected")
		} else if c.Key != "" || !found {
			s.KmsKeyID = c.Key
		}
		if c.Document != "" || c.IsUnknown("document") {
			doc := a.docOrUnknown(c, s.ARN)
			s.ResourcePolicy = &doc
		}
	}
	a.entry(c, s.ARN, !found)
	return nil
}
