package fakeaws

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// writeJSON writes a JSON-protocol answer. The answers below are each
// service's, in its protocol: what each seeded account holds.
func writeJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	// DynamoDB's client checks the body against it.
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(b)), 10))
	_, _ = w.Write(b)
}

// query writes a query-protocol answer.
func query(w http.ResponseWriter, op, inner string) {
	w.Header().Set("Content-Type", "text/xml")
	_, _ = fmt.Fprintf(w, "<%sResponse><%sResult>%s</%sResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></%sResponse>", op, op, inner, op, op)
}

func (s *Server) answer(w http.ResponseWriter, c Call, form url.Values, in map[string]any) {
	if s.extra(w, c, form, in) {
		return
	}
	switch c.Service {
	case "sts":
		s.sts(w, c, form)
	case "iam":
		s.iam(w, c, form)
	case "organizations":
		s.organizations(w, c, in)
	case "kms":
		s.kms(w, c)
	case "s3":
		s.s3(w, c)
	case "ec2":
		s.ec2(w, c)
	case "sqs":
		s.sqs(w, c)
	case "rds":
		s.rds(w, c)
	default:
		// Every other call finds nothing: an empty answer, which the SDK
		// reads as empty lists.
		if p := protocol(c.Service); p == "json" || p == "restjson" {
			writeJSON(w, map[string]any{})
		}
	}
}

func (s *Server) sts(w http.ResponseWriter, c Call, form url.Values) {
	switch c.Op {
	case "GetCallerIdentity":
		query(w, c.Op, "<Arn>"+esc(s.callerARN(c))+"</Arn><UserId>AIDAFAKE</UserId><Account>"+c.Account+"</Account>")
	case "AssumeRole":
		// arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME, in the partition of
		// the STS endpoint's Region, of a role that exists.
		role := form.Get("RoleArn")
		parts := strings.SplitN(role, ":", 6)
		var name string
		if len(parts) == 6 && strings.HasPrefix(parts[5], "role/") {
			name = parts[5][strings.LastIndex(parts[5], "/")+1:]
		}
		if name == "" || parts[1] != Partition(c.Region) || parts[2] != "iam" || !s.known(parts[4]) ||
			s.RoleNames != nil && !slices.Contains(s.RoleNames[parts[4]], name) {
			s.fail(w, c, http.StatusForbidden, "AccessDenied", "User: "+s.callerARN(c)+" is not authorized to perform: sts:AssumeRole on resource: "+role)
			return
		}
		session := "arn:" + parts[1] + ":sts::" + parts[4] + ":assumed-role/" + name + "/" + form.Get("RoleSessionName")
		s.mu.Lock()
		key := fmt.Sprintf("ASIAFAKE%sS%d", parts[4], len(s.sessions))
		s.sessions[key] = session
		s.mu.Unlock()
		exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		query(w, c.Op, "<Credentials><AccessKeyId>"+key+"</AccessKeyId><SecretAccessKey>fake</SecretAccessKey><SessionToken>fake</SessionToken><Expiration>"+exp+
			"</Expiration></Credentials><AssumedRoleUser><Arn>"+esc(session)+"</Arn><AssumedRoleId>AROAFAKE:s</AssumedRoleId></AssumedRoleUser>")
	default:
		query(w, c.Op, "")
	}
}

func (s *Server) iam(w http.ResponseWriter, c Call, form url.Values) {
	if c.Op != "GetAccountAuthorizationDetails" {
		query(w, c.Op, "")
		return
	}
	start, _ := strconv.Atoi(form.Get("Marker"))
	end := min(start+s.RolesPerPage, s.Roles)
	p := Partition(c.Region)
	trust := url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:` + p + `:iam::` + s.Management + `:root"},"Action":"sts:AssumeRole"}]}`)
	var b strings.Builder
	b.WriteString("<RoleDetailList>")
	for i := start; i < end; i++ {
		fmt.Fprintf(&b, "<member><Path>/</Path><RoleName>r%d</RoleName><RoleId>AROAFAKE%d</RoleId><Arn>arn:%s:iam::%s:role/r%d</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>%s</AssumeRolePolicyDocument></member>",
			i, i, p, c.Account, i, trust)
	}
	b.WriteString("</RoleDetailList><UserDetailList/><GroupDetailList/><Policies/>")
	if end < s.Roles {
		fmt.Fprintf(&b, "<IsTruncated>true</IsTruncated><Marker>%d</Marker>", end)
	} else {
		b.WriteString("<IsTruncated>false</IsTruncated>")
	}
	query(w, c.Op, b.String())
}

func (s *Server) kms(w http.ResponseWriter, c Call) {
	idx := -1 // the key a call names
	if c.Resource != "" {
		for i := range s.Keys {
			if s.keyID(c.Account, c.Region, i) == c.Resource || s.KeyARN(c.Account, c.Region, i) == c.Resource {
				idx = i
			}
		}
		if idx < 0 {
			s.fail(w, c, http.StatusBadRequest, "NotFoundException", "Key '"+c.Resource+"' does not exist")
			return
		}
	}
	switch c.Op {
	case "ListKeys":
		var keys []any
		for i := range s.Keys {
			keys = append(keys, map[string]any{"KeyId": s.keyID(c.Account, c.Region, i), "KeyArn": s.KeyARN(c.Account, c.Region, i)})
		}
		writeJSON(w, map[string]any{"Keys": keys, "Truncated": false})
	case "ListAliases":
		var aliases []any
		for i := range s.Keys {
			aliases = append(aliases, map[string]any{
				"AliasName": fmt.Sprintf("alias/k%d", i),
				"AliasArn":  fmt.Sprintf("arn:%s:kms:%s:%s:alias/k%d", Partition(c.Region), c.Region, c.Account, i), "TargetKeyId": s.keyID(c.Account, c.Region, i),
			})
		}
		writeJSON(w, map[string]any{"Aliases": aliases, "Truncated": false})
	case "DescribeKey":
		writeJSON(w, map[string]any{"KeyMetadata": map[string]any{
			"AWSAccountId": c.Account, "KeyId": s.keyID(c.Account, c.Region, idx), "Arn": s.KeyARN(c.Account, c.Region, idx),
			"CreationDate": 1.7e9, "Enabled": true, "KeyState": "Enabled", "KeyManager": "CUSTOMER", "KeyUsage": "ENCRYPT_DECRYPT",
			"KeySpec": "SYMMETRIC_DEFAULT", "Origin": "AWS_KMS",
		}})
	case "GetKeyPolicy":
		writeJSON(w, map[string]any{"PolicyName": "default", "Policy": `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:` + Partition(c.Region) + `:iam::` +
			c.Account + `:root"},"Action":"kms:*","Resource":"*"}]}`})
	case "ListGrants":
		var grants []any
		if idx == 0 {
			grants = append(grants, map[string]any{
				"KeyId": s.KeyARN(c.Account, c.Region, 0), "GrantId": "g-" + c.Account, "Name": "reports",
				"GranteePrincipal": "arn:" + Partition(c.Region) + ":iam::" + s.Management + ":root", "IssuingAccount": "arn:" + Partition(c.Region) + ":iam::" + c.Account + ":root",
				"Operations": []string{"Decrypt"}, "CreationDate": 1.7e9,
			})
		}
		writeJSON(w, map[string]any{"Grants": grants, "Truncated": false})
	case "GetKeyRotationStatus":
		writeJSON(w, map[string]any{"KeyRotationEnabled": true})
	case "ListResourceTags":
		writeJSON(w, map[string]any{"Tags": []any{map[string]any{"TagKey": "team", "TagValue": "k" + strconv.Itoa(idx)}}, "Truncated": false})
	default:
		writeJSON(w, map[string]any{})
	}
}

func (s *Server) s3(w http.ResponseWriter, c Call) {
	w.Header().Set("Content-Type", "application/xml")
	if c.Op == "ListBuckets" {
		// With max-buckets, a page and a ContinuationToken when more
		// remain; without, every bucket (S3 API Reference, ListBuckets).
		limit := c.MaxResults
		if limit > 0 && s.BucketsPerPage > 0 {
			limit = min(limit, s.BucketsPerPage)
		}
		start, end := page(c.Token, s.Buckets, limit)
		var b strings.Builder
		b.WriteString(`<ListAllMyBucketsResult><Owner><ID>fake</ID></Owner><Buckets>`)
		for i := start; i < end; i++ {
			name, region := s.Bucket(c.Account, i)
			fmt.Fprintf(&b, "<Bucket><Name>%s</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate><BucketRegion>%s</BucketRegion></Bucket>", name, region)
		}
		b.WriteString("</Buckets>")
		if end < s.Buckets {
			fmt.Fprintf(&b, "<ContinuationToken>%d</ContinuationToken>", end)
		}
		b.WriteString("</ListAllMyBucketsResult>")
		_, _ = io.WriteString(w, b.String())
		return
	}
	region := ""
	for i := range s.Buckets {
		if name, rg := s.Bucket(c.Account, i); name == c.Resource {
			region = rg
		}
	}
	if region == "" {
		s.fail(w, c, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	if c.Op != "GetBucketLocation" && region != c.Region {
		s.fail(w, c, http.StatusMovedPermanently, "PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.")
		return
	}
	keyARN := s.KeyARN(c.Account, region, 0)
	switch c.Op {
	case "GetBucketLocation":
		if region == "us-east-1" {
			region = ""
		}
		_, _ = io.WriteString(w, "<LocationConstraint>"+region+"</LocationConstraint>")
	case "GetBucketPolicy":
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:`+Partition(c.Region)+`:iam::`+s.Management+`:root"},"Action":"s3:GetObject","Resource":"arn:`+Partition(c.Region)+`:s3:::`+c.Resource+`/*"}]}`)
	case "GetBucketEncryption":
		_, _ = io.WriteString(w, "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>"+keyARN+
			"</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>")
	case "GetPublicAccessBlock":
		_, _ = io.WriteString(w, "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>")
	default:
		s.fail(w, c, http.StatusNotImplemented, "NotImplemented", "fakeaws: "+c.Op)
	}
}

func (s *Server) ec2(w http.ResponseWriter, c Call) {
	var inner string
	switch c.Op {
	case "DescribeRegions":
		var b strings.Builder
		b.WriteString("<regionInfo>")
		for _, r := range s.Regions {
			fmt.Fprintf(&b, "<item><regionName>%s</regionName><regionEndpoint>ec2.%s.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>", r, r)
		}
		b.WriteString("</regionInfo>")
		inner = b.String()
	case "GetEbsEncryptionByDefault":
		inner = "<ebsEncryptionByDefault>true</ebsEncryptionByDefault>"
	case "GetEbsDefaultKmsKeyId":
		inner = "<kmsKeyId>" + s.KeyARN(c.Account, c.Region, 0) + "</kmsKeyId>"
	case "DescribeSnapshots":
		inner = s.describeSnapshots(c)
	case "DescribeVolumes":
		inner = s.describeVolumes(c)
	case "DescribeSnapshotAttribute":
		var ok bool
		if inner, ok = s.describeSnapshotAttribute(w, c); !ok {
			return
		}
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = fmt.Fprintf(w, "<%sResponse><requestId>fake</requestId>%s</%sResponse>", c.Op, inner, c.Op)
}

func (s *Server) rds(w http.ResponseWriter, c Call) {
	if s.Keys == 0 {
		query(w, c.Op, "")
		return
	}
	arn := s.ClusterSnapshotARN(c.Account, c.Region)
	switch c.Op {
	case "DescribeDBClusterSnapshots":
		query(w, c.Op, "<DBClusterSnapshots><DBClusterSnapshot><DBClusterSnapshotIdentifier>ledger-manual</DBClusterSnapshotIdentifier><DBClusterSnapshotArn>"+arn+
			"</DBClusterSnapshotArn><DBClusterIdentifier>ledger</DBClusterIdentifier><SnapshotType>manual</SnapshotType><Engine>aurora-postgresql</Engine><Status>available</Status><StorageEncrypted>true</StorageEncrypted><KmsKeyId>"+
			s.KeyARN(c.Account, c.Region, 0)+"</KmsKeyId></DBClusterSnapshot></DBClusterSnapshots>")
	case "DescribeDBClusterSnapshotAttributes":
		query(w, c.Op, "<DBClusterSnapshotAttributesResult><DBClusterSnapshotIdentifier>ledger-manual</DBClusterSnapshotIdentifier><DBClusterSnapshotAttributes><DBClusterSnapshotAttribute><AttributeName>restore</AttributeName><AttributeValues><AttributeValue>"+
			s.Management+"</AttributeValue></AttributeValues></DBClusterSnapshotAttribute></DBClusterSnapshotAttributes></DBClusterSnapshotAttributesResult>")
	default:
		query(w, c.Op, "")
	}
}
