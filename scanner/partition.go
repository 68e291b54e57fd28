package scanner

import "strings"

// partitions maps a Region name's prefix to its partition, most specific
// first: the regionRegex of each partition in the AWS SDK for Go v2's
// endpoint rules (aws-sdk-go-v2/internal/endpoints/awsrulesfn/partitions.json):
// cn-* is aws-cn, us-gov-* aws-us-gov, us-iso-* aws-iso, us-isob-* aws-iso-b,
// us-isof-* aws-iso-f, eu-isoe-* aws-iso-e, eusc-* aws-eusc; every other
// Region is in aws.
var partitions = []struct{ prefix, partition string }{
	{"cn-", "aws-cn"},
	{"us-gov-", "aws-us-gov"},
	{"us-isob-", "aws-iso-b"},
	{"us-isof-", "aws-iso-f"},
	{"us-iso-", "aws-iso"},
	{"eu-isoe-", "aws-iso-e"},
	{"eusc-", "aws-eusc"},
}

// PartitionOf returns the partition of a Region ("us-gov-west-1" →
// "aws-us-gov", "cn-north-1" → "aws-cn"); "" and unknown names are in "aws".
func PartitionOf(region string) string {
	for _, p := range partitions {
		if strings.HasPrefix(region, p.prefix) {
			return p.partition
		}
	}
	return "aws"
}

func partitionOf(region string) string { return PartitionOf(region) }
