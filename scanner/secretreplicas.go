package scanner

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// collectSecretReplication keeps where a multi-Region secret comes from and
// where it is replicated to. ListSecrets gives PrimaryRegion (set on the
// secrets of a multi-Region set); only DescribeSecret gives the replicas
// with their keys (ReplicationStatus), and only the primary has them
// (Secrets Manager UG, "Replicate secrets across Regions"): DescribeSecret
// is called for primaries alone. A failure is recorded under the secret's
// ARN and leaves ReplicationStatus missing (not collected).
func collectSecretReplication(ctx context.Context, c secretsAPI, region string, e smtypes.SecretListEntry, s *snapshot.Secret, rec *recorder) {
	s.PrimaryRegion = deref(e.PrimaryRegion)
	if s.PrimaryRegion != region {
		return // not replicated, or a replica
	}
	d, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: e.ARN})
	if err != nil {
		rec.add("secretsmanager", region, "DescribeSecret", s.ARN, err)
		return
	}
	status := []snapshot.ReplicationStatusType{}
	for _, r := range d.ReplicationStatus {
		rs, err := convert[snapshot.ReplicationStatusType](r)
		if err != nil {
			rec.add("secretsmanager", region, "DescribeSecret", s.ARN, err)
			return
		}
		status = append(status, rs)
	}
	s.ReplicationStatus = status
}
