package scanner

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// enabledRegions lists the Regions enabled for the account (opted in, or
// not needing it), sorted.
func enabledRegions(ctx context.Context, c ec2API) ([]string, error) {
	out, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		return nil, err
	}
	var regions []string
	for _, r := range out.Regions {
		switch deref(r.OptInStatus) {
		case "", "opt-in-not-required", "opted-in":
			regions = append(regions, deref(r.RegionName))
		}
	}
	slices.Sort(regions)
	return regions, nil
}

// collectEC2 reads EBS volumes and the account's own snapshots with their
// createVolumePermission.
func collectEC2(ctx context.Context, c ec2API, account, region string, rec *recorder) *snapshot.EC2 {
	out := &snapshot.EC2{Volumes: []snapshot.Volume{}, Snapshots: []snapshot.EBSSnapshot{}}
	vp := ec2.NewDescribeVolumesPaginator(c, &ec2.DescribeVolumesInput{})
	for vp.HasMorePages() {
		page, err := vp.NextPage(ctx)
		if err != nil {
			rec.add("ec2", region, "DescribeVolumes", "", err)
			out.Volumes = nil
			break
		}
		for _, v := range page.Volumes {
			if sv, err := convert[snapshot.Volume](v); err == nil {
				out.Volumes = append(out.Volumes, sv)
			}
		}
	}
	sp := ec2.NewDescribeSnapshotsPaginator(c, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
	for sp.HasMorePages() {
		page, err := sp.NextPage(ctx)
		if err != nil {
			rec.add("ec2", region, "DescribeSnapshots", "", err)
			out.Snapshots = nil
			break
		}
		for _, s := range page.Snapshots {
			if deref(s.OwnerId) != account {
				continue // only the account's own snapshots
			}
			ss, err := convert[snapshot.EBSSnapshot](s)
			if err != nil {
				continue
			}
			ss.CreateVolumePermissions = []snapshot.CreateVolumePermission{}
			attr, err := c.DescribeSnapshotAttribute(ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: s.SnapshotId, Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission})
			if err != nil {
				rec.add("ec2", region, "DescribeSnapshotAttribute", deref(s.SnapshotId), err)
				ss.CreateVolumePermissions = nil // not collected
			} else {
				for _, p := range attr.CreateVolumePermissions {
					ss.CreateVolumePermissions = append(ss.CreateVolumePermissions, snapshot.CreateVolumePermission{UserID: deref(p.UserId), Group: string(p.Group)})
				}
			}
			out.Snapshots = append(out.Snapshots, ss)
		}
	}
	// EBS encryption by default: new volumes (and copies) get this key,
	// aws/ebs unless the account chose another.
	if enc, err := c.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{}); err != nil {
		rec.add("ec2", region, "GetEbsEncryptionByDefault", "", err)
	} else {
		out.EbsEncryptionByDefault = enc.EbsEncryptionByDefault
	}
	if key, err := c.GetEbsDefaultKmsKeyId(ctx, &ec2.GetEbsDefaultKmsKeyIdInput{}); err != nil {
		rec.add("ec2", region, "GetEbsDefaultKmsKeyId", "", err)
	} else {
		out.EbsDefaultKmsKeyID = key.KmsKeyId
	}
	out.VpcEndpoints = collectVpcEndpoints(ctx, c, region, rec)
	return out
}

// collectRDS reads DB instances and the account's manual DB snapshots with
// their "restore" attribute.
func collectRDS(ctx context.Context, c rdsAPI, region string, rec *recorder) *snapshot.RDS {
	out := &snapshot.RDS{DBInstances: []snapshot.DBInstance{}, DBSnapshots: []snapshot.DBSnapshot{}}
	ip := rds.NewDescribeDBInstancesPaginator(c, &rds.DescribeDBInstancesInput{})
	for ip.HasMorePages() {
		page, err := ip.NextPage(ctx)
		if err != nil {
			rec.add("rds", region, "DescribeDBInstances", "", err)
			out.DBInstances = nil
			break
		}
		for _, db := range page.DBInstances {
			if d, err := convert[snapshot.DBInstance](db); err == nil {
				out.DBInstances = append(out.DBInstances, d)
			}
		}
	}
	sp := rds.NewDescribeDBSnapshotsPaginator(c, &rds.DescribeDBSnapshotsInput{})
	for sp.HasMorePages() {
		page, err := sp.NextPage(ctx)
		if err != nil {
			rec.add("rds", region, "DescribeDBSnapshots", "", err)
			out.DBSnapshots = nil
			break
		}
		for _, s := range page.DBSnapshots {
			ds, err := convert[snapshot.DBSnapshot](s)
			if err != nil {
				continue
			}
			attr, err := c.DescribeDBSnapshotAttributes(ctx, &rds.DescribeDBSnapshotAttributesInput{DBSnapshotIdentifier: s.DBSnapshotIdentifier})
			if err != nil {
				rec.add("rds", region, "DescribeDBSnapshotAttributes", deref(s.DBSnapshotArn), err)
			} else if attr.DBSnapshotAttributesResult != nil {
				ds.Attributes = []snapshot.DBSnapshotAttribute{}
				for _, a := range attr.DBSnapshotAttributesResult.DBSnapshotAttributes {
					ds.Attributes = append(ds.Attributes, snapshot.DBSnapshotAttribute{AttributeName: deref(a.AttributeName), AttributeValues: a.AttributeValues})
				}
			}
			out.DBSnapshots = append(out.DBSnapshots, ds)
		}
	}
	out.DBClusterSnapshots = collectClusterSnapshots(ctx, c, region, rec)
	return out
}

// collectClusterSnapshots reads the account's manual Aurora cluster
// snapshots with their "restore" attribute (shared like DB snapshots).
func collectClusterSnapshots(ctx context.Context, c rdsAPI, region string, rec *recorder) []snapshot.DBClusterSnapshot {
	out := []snapshot.DBClusterSnapshot{}
	cp := rds.NewDescribeDBClusterSnapshotsPaginator(c, &rds.DescribeDBClusterSnapshotsInput{})
	for cp.HasMorePages() {
		page, err := cp.NextPage(ctx)
		if err != nil {
			rec.add("rds", region, "DescribeDBClusterSnapshots", "", err)
			return nil
		}
		for _, s := range page.DBClusterSnapshots {
			cs, err := convert[snapshot.DBClusterSnapshot](s)
			if err != nil {
				continue
			}
			attr, err := c.DescribeDBClusterSnapshotAttributes(ctx, &rds.DescribeDBClusterSnapshotAttributesInput{DBClusterSnapshotIdentifier: s.DBClusterSnapshotIdentifier})
			if err != nil {
				rec.add("rds", region, "DescribeDBClusterSnapshotAttributes", deref(s.DBClusterSnapshotArn), err)
			} else if attr.DBClusterSnapshotAttributesResult != nil {
				cs.Attributes = []snapshot.DBSnapshotAttribute{}
				for _, a := range attr.DBClusterSnapshotAttributesResult.DBClusterSnapshotAttributes {
					cs.Attributes = append(cs.Attributes, snapshot.DBSnapshotAttribute{AttributeName: deref(a.AttributeName), AttributeValues: a.AttributeValues})
				}
			}
			out = append(out, cs)
		}
	}
	return out
}
