package scanner

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/sourcegraph/conc"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// collectKMS reads a Region's keys: DescribeKey, the default key policy,
// grants, aliases, rotation status and tags. A key whose policy cannot be
// read keeps what was read and leaves the rest not collected (nil), which
// keyhound shows as unknown, never as "no access".
func collectKMS(ctx context.Context, c kmsAPI, region string, rec *recorder) *snapshot.KMS {
	out := &snapshot.KMS{Keys: []snapshot.Key{}}
	// Aliases are listed while the keys are.
	aliases := map[string][]snapshot.Alias{}
	var wg conc.WaitGroup
	wg.Go(func() {
		ap := kms.NewListAliasesPaginator(c, &kms.ListAliasesInput{Limit: aws.Int32(100)})
		for ap.HasMorePages() {
			page, err := ap.NextPage(ctx)
			if err != nil {
				rec.add("kms", region, "ListAliases", "", err)
				return
			}
			for _, a := range page.Aliases {
				if a.TargetKeyId == nil {
					continue
				}
				if sa, err := convert[snapshot.Alias](a); err == nil {
					aliases[*a.TargetKeyId] = append(aliases[*a.TargetKeyId], sa)
				}
			}
		}
	})
	var entries [][2]string // key ID, ARN
	// The largest pages KMS gives (ListKeys 1,000, ListAliases 100): fewer calls.
	kp := kms.NewListKeysPaginator(c, &kms.ListKeysInput{Limit: aws.Int32(1000)})
	for kp.HasMorePages() {
		page, err := kp.NextPage(ctx)
		if err != nil {
			rec.add("kms", region, "ListKeys", "", err)
			wg.Wait()
			return nil
		}
		for _, entry := range page.Keys {
			entries = append(entries, [2]string{deref(entry.KeyId), deref(entry.KeyArn)})
		}
	}
	wg.Wait()
	// Keys are read KeyWorkers at a time (the token buckets keep the calls
	// within the quotas); each lands at its ListKeys position.
	out.Keys = readEach(entries, KeyWorkers, func(e *[2]string) snapshot.Key {
		return collectKey(ctx, c, region, e[0], e[1], aliases, rec)
	})
	return out
}

// KeyWorkers is how many keys of one account and Region are read at once;
// RegionWorkers how many Regions of one account.
var (
	KeyWorkers    = 8
	RegionWorkers = 4
)

func collectKey(ctx context.Context, c kmsAPI, region, id, keyARN string, aliases map[string][]snapshot.Alias, rec *recorder) snapshot.Key {
	k := snapshot.Key{KeyMetadata: snapshot.KeyMetadata{KeyID: id, Arn: keyARN}, Aliases: aliases[id]}
	if k.Aliases == nil {
		k.Aliases = []snapshot.Alias{}
	}
	if d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id}); err != nil {
		rec.add("kms", region, "DescribeKey", keyARN, err)
	} else if md, err := convert[snapshot.KeyMetadata](d.KeyMetadata); err == nil {
		k.KeyMetadata = md
	}
	policyName := "default"
	if p, err := c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: &id, PolicyName: &policyName}); err != nil {
		rec.add("kms", region, "GetKeyPolicy", keyARN, err)
	} else {
		k.Policy = p.Policy
	}
	grants := []snapshot.Grant{}
	gp := kms.NewListGrantsPaginator(c, &kms.ListGrantsInput{KeyId: &id})
	for gp.HasMorePages() {
		page, err := gp.NextPage(ctx)
		if err != nil {
			rec.add("kms", region, "ListGrants", keyARN, err)
			grants = nil // not collected
			break
		}
		for _, g := range page.Grants {
			if sg, err := convert[snapshot.Grant](g); err == nil {
				grants = append(grants, sg)
			}
		}
	}
	k.Grants = grants
	if k.KeyMetadata.KeyManager != "AWS" {
		if r, err := c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: &id}); err != nil {
			rec.add("kms", region, "GetKeyRotationStatus", keyARN, err)
		} else {
			rot := r.KeyRotationEnabled
			k.KeyRotationEnabled = &rot
		}
	}
	collectKeyUsage(ctx, c, region, id, keyARN, &k, rec)
	tags := []snapshot.KMSTag{}
	tp := kms.NewListResourceTagsPaginator(c, &kms.ListResourceTagsInput{KeyId: &id})
	for tp.HasMorePages() {
		page, err := tp.NextPage(ctx)
		if err != nil {
			rec.add("kms", region, "ListResourceTags", keyARN, err)
			tags = nil
			break
		}
		for _, t := range page.Tags {
			tags = append(tags, snapshot.KMSTag{TagKey: deref(t.TagKey), TagValue: deref(t.TagValue)})
		}
	}
	k.Tags = tags
	return k
}
