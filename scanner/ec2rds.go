package scanner

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
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
// createVolumePermission (DescribeSnapshotAttribute, ResourceWorkers
// snapshots at a time, in DescribeSnapshots order). Both listings are
// paginated (MaxResults): unpaginated, they draw on EC2's smaller token
// bucket and may time out ("Request throttling for the Amazon EC2 API";
// "Pagination in the Amazon EC2 API"); DescribeSnapshots answers at most
// 1,000 a page, DescribeVolumes 500.
func collectEC2(ctx context.Context, c ec2API, account, region string, rec *recorder) *snapshot.EC2 {
	out := &snapshot.EC2{Volumes: []snapshot.Volume{}}
	vp := ec2.NewDescribeVolumesPaginator(c, &ec2.DescribeVolumesInput{MaxResults: aws.Int32(500)})
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
	var owned []snapshot.EBSSnapshot
	listed := true
	sp := ec2.NewDescribeSnapshotsPaginator(c, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, MaxResults: aws.Int32(1000)})
	for sp.HasMorePages() {
		page, err := sp.NextPage(ctx)
		if err != nil {
			rec.add("ec2", region, "DescribeSnapshots", "", err)
			listed = false // not collected, rather than the pages read so far
			break
		}
		for _, s := range page.Snapshots {
			if deref(s.OwnerId) != account {
				continue // only the account's own snapshots
			}
			if ss, err := convert[snapshot.EBSSnapshot](s); err == nil {
				owned = append(owned, ss)
			}
		}
	}
	if listed {
		out.Snapshots = readEach(owned, ResourceWorkers, func(ss *snapshot.EBSSnapshot) snapshot.EBSSnapshot {
			attr, err := c.DescribeSnapshotAttribute(ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: &ss.SnapshotID, Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission})
			if err != nil {
				rec.add("ec2", region, "DescribeSnapshotAttribute", ss.SnapshotID, err)
				return *ss // createVolumePermission not collected
			}
			ss.CreateVolumePermissions = []snapshot.CreateVolumePermission{}
			for _, p := range attr.CreateVolumePermissions {
				ss.CreateVolumePermissions = append(ss.CreateVolumePermissions, snapshot.CreateVolumePermission{UserID: deref(p.UserId), Group: string(p.Group)})
			}
			return *ss
		})
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

// collectRDS reads DB instances, and the account's DB snapshots and Aurora
// cluster snapshots with their "restore" attribute. RDS pages by Marker
// (MaxRecords, 100 at most), which the paginators follow to the end.
func collectRDS(ctx context.Context, c rdsAPI, region string, rec *recorder) *snapshot.RDS {
	out := &snapshot.RDS{DBInstances: []snapshot.DBInstance{}}
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
	out.DBSnapshots = collectDBSnapshots(ctx, c, region, rec)
	out.DBClusterSnapshots = collectClusterSnapshots(ctx, c, region, rec)
	return out
}

// collectDBSnapshots reads the account's DB snapshots, then each one's
// "restore" attribute, ResourceWorkers at a time, in listing order.
func collectDBSnapshots(ctx context.Context, c rdsAPI, region string, rec *recorder) []snapshot.DBSnapshot {
	var listed []snapshot.DBSnapshot
	sp := rds.NewDescribeDBSnapshotsPaginator(c, &rds.DescribeDBSnapshotsInput{})
	for sp.HasMorePages() {
		page, err := sp.NextPage(ctx)
		if err != nil {
			rec.add("rds", region, "DescribeDBSnapshots", "", err)
			return nil
		}
		for _, s := range page.DBSnapshots {
			if ds, err := convert[snapshot.DBSnapshot](s); err == nil {
				listed = append(listed, ds)
			}
		}
	}
	return readEach(listed, ResourceWorkers, func(ds *snapshot.DBSnapshot) snapshot.DBSnapshot {
		attr, err := c.DescribeDBSnapshotAttributes(ctx, &rds.DescribeDBSnapshotAttributesInput{DBSnapshotIdentifier: &ds.DBSnapshotIdentifier})
		if err != nil {
			rec.add("rds", region, "DescribeDBSnapshotAttributes", ds.DBSnapshotArn, err)
		} else if attr.DBSnapshotAttributesResult != nil {
			ds.Attributes = []snapshot.DBSnapshotAttribute{}
			for _, a := range attr.DBSnapshotAttributesResult.DBSnapshotAttributes {
				ds.Attributes = append(ds.Attributes, snapshot.DBSnapshotAttribute{AttributeName: deref(a.AttributeName), AttributeValues: a.AttributeValues})
			}
		}
		return *ds
	})
}

// collectClusterSnapshots reads the account's manual Aurora cluster
// snapshots, then each one's "restore" attribute (shared like DB
// snapshots), ResourceWorkers at a time, in listing order.
func collectClusterSnapshots(ctx context.Context, c rdsAPI, region string, rec *recorder) []snapshot.DBClusterSnapshot {
	var listed []snapshot.DBClusterSnapshot
	cp := rds.NewDescribeDBClusterSnapshotsPaginator(c, &rds.DescribeDBClusterSnapshotsInput{})
	for cp.HasMorePages() {
		page, err := cp.NextPage(ctx)
		if err != nil {
			rec.add("rds", region, "DescribeDBClusterSnapshots", "", err)
			return nil
		}
		for _, s := range page.DBClusterSnapshots {
			if cs, err := convert[snapshot.DBClusterSnapshot](s); err == nil {
				listed = append(listed, cs)
			}
		}
	}
	return readEach(listed, ResourceWorkers, func(cs *snapshot.DBClusterSnapshot) snapshot.DBClusterSnapshot {
		attr, err := c.DescribeDBClusterSnapshotAttributes(ctx, &rds.DescribeDBClusterSnapshotAttributesInput{DBClusterSnapshotIdentifier: &cs.DBClusterSnapshotIdentifier})
		if err != nil {
			rec.add("rds", region, "DescribeDBClusterSnapshotAttributes", cs.DBClusterSnapshotArn, err)
		} else if attr.DBClusterSnapshotAttributesResult != nil {
			cs.Attributes = []snapshot.DBSnapshotAttribute{}
			for _, a := range attr.DBClusterSnapshotAttributesResult.DBClusterSnapshotAttributes {
				cs.Attributes = append(cs.Attributes, snapshot.DBSnapshotAttribute{AttributeName: deref(a.AttributeName), AttributeValues: a.AttributeValues})
			}
		}
		return *cs
	})
}
