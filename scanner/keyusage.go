package scanner

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// collectKeyUsage reads when a customer managed key was last used for a
// successful cryptographic operation (KMS GetKeyLastUsage: the operation,
// its time, CloudTrail event and KMS request IDs, since TrackingStartDate).
// AWS managed keys are left out, as for rotation: keyhound reports on the
// keys an account manages. A failure is recorded and leaves KeyLastUsage
// missing (not collected); an answer without KeyLastUsage is kept as {}:
// not used since tracking began.
func collectKeyUsage(ctx context.Context, c kmsAPI, region, id, keyARN string, k *snapshot.Key, rec *recorder) {
	if k.KeyMetadata.KeyManager == "AWS" {
		return
	}
	u, err := c.GetKeyLastUsage(ctx, &kms.GetKeyLastUsageInput{KeyId: &id})
	if err != nil {
		rec.add("kms", region, "GetKeyLastUsage", keyARN, err)
		return
	}
	usage := snapshot.KeyLastUsageData{}
	if u.KeyLastUsage != nil {
		if usage, err = convert[snapshot.KeyLastUsageData](u.KeyLastUsage); err != nil {
			rec.add("kms", region, "GetKeyLastUsage", keyARN, err)
			return
		}
	}
	k.KeyLastUsage = &usage
	k.TrackingStartDate = timeString(u.TrackingStartDate)
}
