package fakeaws

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The calls issue #13 added to a scan ("what to collect besides"): VPC
// endpoints, buckets' Object Ownership, the account's S3 Block Public
// Access, keys' last use, multi-Region secrets. Without Server.Extras each
// finds none, as in an account that has none of them; with it every
// account holds:
//
//   - per Region, two VPC endpoints over two DescribeVpcEndpoints pages
//     (EndpointID): a KMS interface endpoint whose policy allows only
//     kms:Decrypt, and an S3 gateway endpoint without a policy document;
//   - BucketOwnerEnforced on every bucket;
//   - an account Block Public Access with BlockPublicPolicy and
//     RestrictPublicBuckets on, the other two off;
//   - key 0 last used for Decrypt (KeyUsed), the other keys not used;
//   - per Region, a secret "db" whose primary is the first Region,
//     replicated to the others (one replica each, with its own key), and a
//     secret "plain" that is not replicated.

// EndpointID is the ID of VPC endpoint i (0: KMS, 1: S3) of account in region.
func (s *Server) EndpointID(account, region string, i int) string {
	return fmt.Sprintf("vpce-%d%d%s", i, slices.Index(s.Regions, region), account)
}

// KeyUsed is the time GetKeyLastUsage gives for key 0 with Extras.
const KeyUsed = "2026-11-20T08:15:00Z"

// TrackingStart is every key's TrackingStartDate.
const TrackingStart = "2026-01-01T00:00:00Z"

// SecretARN is the ARN of a seeded secret ("db" or "plain") of account in region.
func (s *Server) SecretARN(account, region, name string) string {
	return "arn:aws:secretsmanager:" + region + ":" + account + ":secret:" + name + "-AbCdEf"
}

// extra answers the calls of issue #13; it reports whether c was one.
func (s *Server) extra(w http.ResponseWriter, c Call, form url.Values, in map[string]any) bool {
	switch c.Service + ":" + c.Op {
	case "ec2:DescribeVpcEndpoints":
		s.vpcEndpoints(w, c, form)
	case "s3:GetBucketOwnershipControls":
		switch region := s.bucketRegion(c.Account, c.Resource); {
		case region == "":
			s.fail(w, c, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
			return true
		case region != c.Region:
			s.fail(w, c, http.StatusMovedPermanently, "PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.")
			return true
		}
		if !s.Extras {
			s.fail(w, c, http.StatusNotFound, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found")
			return true
		}
		w.Header().Set("Content-Type", "application/xml")
		_, _ = io.WriteString(w, "<OwnershipControls><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>")
	case "s3control:GetPublicAccessBlock":
		switch {
		case c.Resource != c.Account: // the AccountId asked for
			s.fail(w, c, http.StatusForbidden, "AccessDenied", "Access Denied")
		case !s.Extras:
			s.fail(w, c, http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
		default:
			w.Header().Set("Content-Type", "application/xml")
			_, _ = io.WriteString(w, "<PublicAccessBlockConfiguration><BlockPublicAcls>false</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>")
		}
	case "kms:GetKeyLastUsage":
		out := map[string]any{"KeyId": c.Resource, "TrackingStartDate": 1767225600} // TrackingStart
		if s.Extras && (c.Resource == s.keyID(c.Account, c.Region, 0) || c.Resource == s.KeyARN(c.Account, c.Region, 0)) {
			out["KeyLastUsage"] = map[string]any{
				"Operation": "Decrypt", "Timestamp": 1795162500, // KeyUsed
				"CloudTrailEventId": "ct-" + c.Account, "KmsRequestId": "req-" + c.Account,
			}
		}
		writeJSON(w, out)
	case "secretsmanager:ListSecrets":
		var list []any
		if s.Extras {
			list = append(list,
				map[string]any{"ARN": s.SecretARN(c.Account, c.Region, "db"), "Name": "db", "PrimaryRegion": s.Regions[0]},
				map[string]any{"ARN": s.SecretARN(c.Account, c.Region, "plain"), "Name": "plain"})
		}
		writeJSON(w, map[string]any{"SecretList": list})
	case "secretsmanager:DescribeSecret":
		var status []any
		for _, r := range s.Regions[1:] {
			status = append(status, map[string]any{"Region": r, "KmsKeyId": s.KeyARN(c.Account, r, 0), "Status": "InSync", "StatusMessage": "Replication succeeded"})
		}
		writeJSON(w, map[string]any{"ARN": in["SecretId"], "Name": "db", "PrimaryRegion": s.Regions[0], "ReplicationStatus": status})
	default:
		return false
	}
	return true
}

// vpcEndpoints answers DescribeVpcEndpoints, one endpoint a page.
func (s *Server) vpcEndpoints(w http.ResponseWriter, c Call, form url.Values) {
	var inner strings.Builder
	inner.WriteString("<vpcEndpointSet>")
	page := form.Get("NextToken")
	if s.Extras {
		if page == "" {
			fmt.Fprintf(&inner, "<item><vpcEndpointId>%s</vpcEndpointId><vpcEndpointType>Interface</vpcEndpointType><vpcId>vpc-%s</vpcId><serviceName>com.amazonaws.%s.kms</serviceName>"+
				"<state>available</state><ownerId>%s</ownerId><privateDnsEnabled>true</privateDnsEnabled><subnetIdSet><item>subnet-1</item></subnetIdSet>"+
				"<policyDocument>%s</policyDocument><creationTimestamp>2026-01-01T00:00:00.000Z</creationTimestamp></item>",
				s.EndpointID(c.Account, c.Region, 0), c.Account, c.Region, c.Account,
				esc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}`))
		} else {
			fmt.Fprintf(&inner, "<item><vpcEndpointId>%s</vpcEndpointId><vpcEndpointType>Gateway</vpcEndpointType><vpcId>vpc-%s</vpcId><serviceName>com.amazonaws.%s.s3</serviceName>"+
				"<state>available</state><ownerId>%s</ownerId><routeTableIdSet><item>rtb-1</item></routeTableIdSet></item>",
				s.EndpointID(c.Account, c.Region, 1), c.Account, c.Region, c.Account)
		}
	}
	inner.WriteString("</vpcEndpointSet>")
	if s.Extras && page == "" {
		inner.WriteString("<nextToken>2</nextToken>")
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = fmt.Fprintf(w, "<DescribeVpcEndpointsResponse><requestId>fake</requestId>%s</DescribeVpcEndpointsResponse>", inner.String())
}

// s3ControlOp names an S3 Control request (signed as s3, under
// /v20180820/) and the account it asks about (x-amz-account-id).
func s3ControlOp(r *http.Request) (op, account string) {
	if strings.HasSuffix(r.URL.Path, "/configuration/publicAccessBlock") && r.Method == http.MethodGet {
		return "GetPublicAccessBlock", r.Header.Get("X-Amz-Account-Id")
	}
	return r.Method + " " + r.URL.Path, r.Header.Get("X-Amz-Account-Id")
}

// bucketRegion is the Region of account's bucket name, "" for none.
func (s *Server) bucketRegion(account, name string) string {
	for i := range s.Buckets {
		if n, region := s.Bucket(account, i); n == name {
			return region
		}
	}
	return ""
}
