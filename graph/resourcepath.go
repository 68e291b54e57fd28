package graph

import "strconv"

// resourceList is the list of a Region of the snapshot a resource is an
// item of (Resource.Path).
type resourceList uint8

const (
	listNone resourceList = iota
	listS3Buckets
	listEC2Volumes
	listEC2Snapshots
	listRDSDBInstances
	listRDSDBSnapshots
	listRDSDBClusterSnapshots
	listSecrets
	listSQSQueues
	listSNSTopics
	listDynamoDBTables
	listLambdaFunctions
	listLogGroups
)

// resourceListPaths are the lists' JSON paths in a Region.
var resourceListPaths = [...]string{
	listNone:                  "",
	listS3Buckets:             ".s3.Buckets",
	listEC2Volumes:            ".ec2.Volumes",
	listEC2Snapshots:          ".ec2.Snapshots",
	listRDSDBInstances:        ".rds.DBInstances",
	listRDSDBSnapshots:        ".rds.DBSnapshots",
	listRDSDBClusterSnapshots: ".rds.DBClusterSnapshots",
	listSecrets:               ".secretsmanager.Secrets",
	listSQSQueues:             ".sqs.Queues",
	listSNSTopics:             ".sns.Topics",
	listDynamoDBTables:        ".dynamodb.Tables",
	listLambdaFunctions:       ".lambda.Functions",
	listLogGroups:             ".logs.LogGroups",
}

// Path is the resource's JSON path in the snapshot
// (accounts["ID"].regions["REGION"].s3.Buckets[3]), made when asked.
func (r *Resource) Path() string {
	if r.list == listNone {
		return r.regionPath
	}
	return r.regionPath + resourceListPaths[r.list] + "[" + strconv.Itoa(int(r.index)) + "]"
}

// listIndex is a list index as a Resource keeps it.
func listIndex(i int) int32 {
	return int32(min(i, 1<<31-1)) //nolint:gosec // G115: bounded just above
}
