package cloudtrail

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
)

// GenOptions shape a generated month of events.
type GenOptions struct {
	Seed  uint64
	Start time.Time // default 2026-11-01T00:00:00Z
	Days  int       // default 30
	// Total is the number of events the times spread over (default 1,000,000).
	Total int
	// Unexplained is the share of KMS events that are successful calls the
	// graph denies (default 0.005), Denied the share that are AccessDenied
	// by a caller the graph denies (default 0.015); a negative share is none.
	Unexplained, Denied float64
}

// Generator writes realistic CloudTrail records for an organization's
// principals and keys, deterministically from its seed: Zipf-distributed
// callers (a few busy roles, many quiet ones), mostly their own account's
// keys, and mostly calls the graph allows — by a principal who-can lists
// for the key and operation, through a service only where the key allows
// it — with GenOptions' small shares of calls the snapshot cannot explain
// and of AccessDenied by callers it denies; cross-account calls in both
// copies (caller's and key owner's, linked by sharedEventID), calls through
// S3, EBS, RDS, Secrets Manager, DynamoDB and Lambda with their encryption
// contexts, role sessions with and without sessionContext, keys named by
// ARN, alias or key ID, and a fifth of events from other services. Each
// record is about as long as a real one (1–1.5 KB). It streams: what it
// keeps grows with the organization (who may use each key, the questions
// asked of the graph), not with the events written.
type Generator struct {
	g          *graph.Graph
	rng        *rand.Rand
	zipf       *rand.Zipf // over principals
	keyZipf    *rand.Zipf // over keys
	o          GenOptions
	principals []*graph.Principal
	keys       []*graph.Key
	byAccount  map[string][]int // indices into keys
	// users are, per key and operation (kmsOps), the principals who-can
	// says may make it (ALLOW or CONDITIONAL, as themselves).
	users [][][]*graph.Principal
	asked map[genQuery]bool
	n     int
}

// NewGenerator returns a generator over g's principals and customer keys.
func NewGenerator(g *graph.Graph, o GenOptions) (*Generator, error) {
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	}
	if o.Days == 0 {
		o.Days = 30
	}
	if o.Total == 0 {
		o.Total = 1_000_000
	}
	switch {
	case o.Unexplained == 0:
		o.Unexplained = 0.005
	case o.Unexplained < 0:
		o.Unexplained = 0
	}
	switch {
	case o.Denied == 0:
		o.Denied = 0.015
	case o.Denied < 0:
		o.Denied = 0
	}
	gn := &Generator{g: g, rng: rand.New(rand.NewPCG(o.Seed, 0x6b68)), o: o, byAccount: map[string][]int{}, asked: map[genQuery]bool{}} //nolint:gosec // deterministic test data, not secrets
	for _, p := range g.Principals() {
		if !p.ServiceLinked() {
			gn.principals = append(gn.principals, p)
		}
	}
	for _, k := range g.Keys() {
		gn.keys = append(gn.keys, k)
		gn.byAccount[k.Account] = append(gn.byAccount[k.Account], len(gn.keys)-1)
	}
	if len(gn.principals) == 0 || len(gn.keys) == 0 {
		return nil, fmt.Errorf("generate events: the organization has %d principals and %d keys", len(gn.principals), len(gn.keys))
	}
	var err error
	if gn.users, err = whoMay(g, gn.keys); err != nil {
		return nil, err
	}
	gn.zipf = rand.NewZipf(gn.rng, 1.2, 4, uint64(len(gn.principals)-1)) //nolint:gosec // a length, not negative
	gn.keyZipf = rand.NewZipf(gn.rng, 1.2, 4, uint64(len(gn.keys)-1))    //nolint:gosec // a length, not negative
	return gn, nil
}

// WriteTrail writes n records as one trail log file, {"Records": [...]}.
func (gn *Generator) WriteTrail(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	_, _ = bw.WriteString(`{"Records":[`)
	var buf []byte
	for i := range n {
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, ',', '\n')
		}
		buf = gn.Append(buf)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	_, _ = bw.WriteString("]}\n")
	return bw.Flush()
}

var (
	kmsOps = []struct {
		name string
		pct  int
	}{{"Decrypt", 55}, {"GenerateDataKey", 25}, {"Encrypt", 8}, {"GenerateDataKeyWithoutPlaintext", 5}, {"DescribeKey", 4}, {"CreateGrant", 2}, {"ReEncrypt", 1}}
	viaServices = []struct{ service, ctxKey, ctxVal string }{
		{"s3.amazonaws.com", "aws:s3:arn", "arn:aws:s3:::data-%d/part-%05d.parquet"},
		{"ec2.amazonaws.com", "aws:ebs:id", "vol-%08x%08x"},
		{"rds.amazonaws.com", "aws:rds:db-id", "db-%d-%05d"},
		{"secretsmanager.amazonaws.com", "SecretARN", "arn:aws:secretsmanager:us-east-1:%012d:secret:s-%05d"},
		{"dynamodb.amazonaws.com", "aws:dynamodb:tableName", "table-%d-%05d"},
		{"lambda.amazonaws.com", "aws:lambda:FunctionArn", "arn:aws:lambda:us-east-1:%012d:function:f-%05d"},
	}
	otherEvents = []struct{ source, name string }{
		{"s3.amazonaws.com", "GetObject"},
		{"sts.amazonaws.com", "AssumeRole"},
		{"ec2.amazonaws.com", "DescribeInstances"},
		{"iam.amazonaws.com", "GetRole"},
		{"lambda.amazonaws.com", "Invoke"},
	}
)

func q(b []byte, s string) []byte { return strconv.AppendQuote(b, s) }

// Append appends one record.
func (gn *Generator) Append(b []byte) []byte {
	r := gn.rng
	i := gn.n
	gn.n++
	span := time.Duration(gn.o.Days) * 24 * time.Hour
	t := gn.o.Start.Add(time.Duration(int64(span) / int64(gn.o.Total) * int64(i%gn.o.Total)))
	p := gn.principals[gn.zipf.Uint64()]
	session := "s-" + strconv.Itoa(r.IntN(1000))
	source, name := "kms.amazonaws.com", ""
	var k *graph.Key
	via, denied := -1, false
	if r.IntN(100) < 20 {
		ev := otherEvents[r.IntN(len(otherEvents))]
		source, name = ev.source, ev.name
		k = gn.keys[r.IntN(len(gn.keys))]
		if own := gn.byAccount[p.Account]; len(own) > 0 {
			k = gn.keys[own[r.IntN(len(own))]]
		}
	} else {
		c := gn.drawCall(p, gn.kindOf())
		p, k, name, via, denied = c.p, gn.keys[c.ki], kmsOps[c.op].name, c.via, c.kind == genDenied
	}
	cross := k.Account != p.Account
	// The key owner's copy names the caller by unique ID only; a call
	// through a service is written as the caller's copy, which says so
	// (invokedBy).
	ownerCopy := cross && r.IntN(2) == 0 && via < 0

	b = append(b, `{"eventVersion":"1.11","userIdentity":{`...)
	switch {
	case ownerCopy:
		b = append(b, `"type":"AWSAccount","principalId":`...)
		b = q(b, p.ID+":"+session)
		b = append(b, `,"accountId":`...)
		b = q(b, p.Account)
	case p.Kind == arn.KindUser:
		b = append(b, `"type":"IAMUser","principalId":`...)
		b = q(b, p.ID)
		b = append(b, `,"arn":`...)
		b = q(b, p.ARN)
		b = append(b, `,"accountId":`...)
		b = q(b, p.Account)
		b = append(b, `,"accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":`...)
		b = q(b, p.Name)
	default:
		b = append(b, `"type":"AssumedRole","principalId":`...)
		b = q(b, p.ID+":"+session)
		b = append(b, `,"arn":`...)
		b = q(b, "arn:aws:sts::"+p.Account+":assumed-role/"+p.Name+"/"+session)
		b = append(b, `,"accountId":`...)
		b = q(b, p.Account)
		b = append(b, `,"accessKeyId":"ASIAIOSFODNN7EXAMPLE"`...)
		if r.IntN(10) > 0 {
			b = append(b, `,"sessionContext":{"sessionIssuer":{"type":"Role","principalId":`...)
			b = q(b, p.ID)
			b = append(b, `,"arn":`...)
			b = q(b, p.ARN)
			b = append(b, `,"accountId":`...)
			b = q(b, p.Account)
			b = append(b, `,"userName":`...)
			b = q(b, p.Name)
			b = append(b, `},"attributes":{"creationDate":`...)
			b = q(b, t.Add(-time.Duration(r.IntN(3600))*time.Second).Format(time.RFC3339))
			b = append(b, `,"mfaAuthenticated":"false"}}`...)
		}
	}
	if via >= 0 && !ownerCopy {
		b = append(b, `,"invokedBy":`...)
		b = q(b, viaServices[via].service)
	}
	b = append(b, `},"eventTime":`...)
	b = q(b, t.Format(time.RFC3339))
	b = append(b, `,"eventSource":`...)
	b = q(b, source)
	b = append(b, `,"eventName":`...)
	b = q(b, name)
	b = append(b, `,"awsRegion":`...)
	b = q(b, k.Region)
	if via >= 0 {
		b = append(b, `,"sourceIPAddress":`...)
		b = q(b, viaServices[via].service)
		b = append(b, `,"userAgent":`...)
		b = q(b, viaServices[via].service)
	} else {
		b = append(b, `,"sourceIPAddress":"203.0.113.`...)
		b = strconv.AppendInt(b, int64(r.IntN(250)), 10)
		b = append(b, `","userAgent":"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/kms#1.35.3"`...)
	}
	if denied {
		b = append(b, `,"errorCode":"AccessDenied","errorMessage":`...)
		caller := p.ARN
		if p.Kind != arn.KindUser {
			caller = "arn:aws:sts::" + p.Account + ":assumed-role/" + p.Name + "/" + session
		}
		b = q(b, "User: "+caller+" is not authorized to perform: "+serviceOf(source)+":"+name+" on resource: "+k.ARN+" because no identity-based policy allows the "+serviceOf(source)+":"+name+" action")
	}
	if source != "kms.amazonaws.com" {
		b = append(b, `,"requestParameters":{"bucketName":"data-`...)
		b = strconv.AppendInt(b, int64(i%97), 10)
		b = append(b, `","key":"part-00001.parquet","Host":"s3.amazonaws.com"},"responseElements":null`...)
	} else {
		b = append(b, `,"requestParameters":{"keyId":`...)
		switch x := r.IntN(10); {
		case x < 7 || cross:
			b = q(b, k.ARN)
		case x < 9 && len(k.Aliases) > 0:
			b = q(b, k.Aliases[0])
		default:
			b = q(b, k.ID)
		}
		if name != "DescribeKey" {
			b = append(b, `,"encryptionAlgorithm":"SYMMETRIC_DEFAULT"`...)
		}
		if via >= 0 {
			v := viaServices[via]
			b = append(b, `,"encryptionContext":{`...)
			b = q(b, v.ctxKey)
			b = append(b, ':')
			b = q(b, fmt.Sprintf(v.ctxVal, i%1000, r.IntN(100000)))
			b = append(b, '}')
		}
		if name == "GenerateDataKey" {
			b = append(b, `,"keySpec":"AES_256"`...)
		}
		b = append(b, `},"responseElements":null`...)
	}
	b = append(b, `,"requestID":`...)
	b = q(b, uuid(r))
	b = append(b, `,"eventID":`...)
	b = q(b, uuid(r))
	b = append(b, `,"readOnly":true`...)
	if source == "kms.amazonaws.com" && !denied {
		b = append(b, `,"resources":[{"accountId":`...)
		b = q(b, k.Account)
		b = append(b, `,"type":"AWS::KMS::Key","ARN":`...)
		b = q(b, k.ARN)
		b = append(b, `}]`...)
	}
	b = append(b, `,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":`...)
	switch {
	case ownerCopy:
		b = q(b, k.Account)
	default:
		b = q(b, p.Account)
	}
	if cross && source == "kms.amazonaws.com" {
		b = append(b, `,"sharedEventID":`...)
		b = q(b, uuid(r))
	}
	b = append(b, `,"eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"kms.`...)
	b = append(b, k.Region...)
	b = append(b, `.amazonaws.com"}}`...)
	return b
}

func serviceOf(source string) string {
	for i := range len(source) {
		if source[i] == '.' {
			return source[:i]
		}
	}
	return source
}

func uuid(r *rand.Rand) string {
	a, c := r.Uint64(), r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", a>>32, (a>>16)&0xffff, a&0xfff, (c>>48)&0xfff, c&0xffffffffffff)
}
