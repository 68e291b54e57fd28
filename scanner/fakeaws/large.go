package fakeaws

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Large listings, paginated as AWS paginates them: EBS snapshots and
// volumes, SQS queues. Their counts are the Server's Snapshots, Volumes and
// Queues, in every account and Region.

// maxPage is the largest page AWS answers for DescribeSnapshots and
// ListQueues.
const maxPage = 1000

// SnapshotID is the ID of EBS snapshot i (of any account and Region).
func SnapshotID(i int) string { return fmt.Sprintf("snap-%017x", i) }

// VolumeID is the ID of EBS volume i.
func VolumeID(i int) string { return fmt.Sprintf("vol-%017x", i) }

// SnapshotShares says with whom snapshot i is shared (its
// createVolumePermission): every 100th with the Management account, every
// 1,000th also with everyone (group "all").
func (s *Server) SnapshotShares(i int) (accounts []string, public bool) {
	if i%100 == 0 {
		accounts = []string{s.Management}
	}
	return accounts, i%1000 == 0
}

// QueueURL is the URL of queue i of account in region.
func QueueURL(account, region string, i int) string {
	return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/q%05d", region, account, i)
}

// page is the part [start, end) of n items a request asks for: from its
// token (an index), at most max items, max 0 meaning all.
func page(token string, n, maxItems int) (start, end int) {
	start, _ = strconv.Atoi(token)
	start = min(max(start, 0), n)
	end = n
	if maxItems > 0 {
		end = min(start+maxItems, n)
	}
	return start, end
}

// describeSnapshots answers the account's own snapshots (OwnerIds self).
// As EC2 does (API Reference, DescribeSnapshots): with MaxResults, at most
// that many (1,000 at most) and a NextToken when more remain; without it,
// every snapshot in one answer.
func (s *Server) describeSnapshots(c Call) string {
	limit := 0
	if c.MaxResults > 0 {
		limit = min(c.MaxResults, maxPage)
	}
	start, end := page(c.Token, s.Snapshots, limit)
	keyARN := s.KeyARN(c.Account, c.Region, 0)
	var b strings.Builder
	b.WriteString("<snapshotSet>")
	for i := start; i < end; i++ {
		fmt.Fprintf(&b, "<item><snapshotId>%s</snapshotId><volumeId>%s</volumeId><status>completed</status><startTime>2026-01-01T00:00:00.000Z</startTime>"+
			"<progress>100%%</progress><ownerId>%s</ownerId><volumeSize>8</volumeSize><encrypted>true</encrypted><kmsKeyId>%s</kmsKeyId></item>",
			SnapshotID(i), VolumeID(i), c.Account, keyARN)
	}
	b.WriteString("</snapshotSet>")
	if end < s.Snapshots && limit > 0 {
		fmt.Fprintf(&b, "<nextToken>%d</nextToken>", end)
	}
	return b.String()
}

// describeSnapshotAttribute answers a snapshot's createVolumePermission.
func (s *Server) describeSnapshotAttribute(w http.ResponseWriter, c Call) (string, bool) {
	i, err := strconv.ParseInt(strings.TrimPrefix(c.Resource, "snap-"), 16, 64)
	if err != nil || !strings.HasPrefix(c.Resource, "snap-") || int(i) >= s.Snapshots {
		s.fail(w, c, http.StatusBadRequest, "InvalidSnapshot.NotFound", "The snapshot '"+c.Resource+"' does not exist.")
		return "", false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<snapshotId>%s</snapshotId><createVolumePermission>", c.Resource)
	accounts, public := s.SnapshotShares(int(i))
	for _, a := range accounts {
		fmt.Fprintf(&b, "<item><userId>%s</userId></item>", a)
	}
	if public {
		b.WriteString("<item><group>all</group></item>")
	}
	b.WriteString("</createVolumePermission>")
	return b.String(), true
}

// describeVolumes answers the account's volumes: with MaxResults at most
// that many (500 at most for volumes) and a NextToken, without it all.
func (s *Server) describeVolumes(c Call) string {
	limit := 0
	if c.MaxResults > 0 {
		limit = min(c.MaxResults, 500)
	}
	start, end := page(c.Token, s.Volumes, limit)
	var b strings.Builder
	b.WriteString("<volumeSet>")
	for i := start; i < end; i++ {
		fmt.Fprintf(&b, "<item><volumeId>%s</volumeId><size>8</size><status>in-use</status><encrypted>true</encrypted><kmsKeyId>%s</kmsKeyId></item>",
			VolumeID(i), s.KeyARN(c.Account, c.Region, 0))
	}
	b.WriteString("</volumeSet>")
	if end < s.Volumes && limit > 0 {
		fmt.Fprintf(&b, "<nextToken>%d</nextToken>", end)
	}
	return b.String()
}

// sqs answers ListQueues and GetQueueAttributes. As SQS does (Developer
// Guide, "Amazon SQS list queue pagination"): ListQueues without
// MaxResults answers at most 1,000 queues and no NextToken; with
// MaxResults (1 to 1,000) at most that many, and a NextToken when more
// remain.
func (s *Server) sqs(w http.ResponseWriter, c Call) {
	switch c.Op {
	case "ListQueues":
		limit := maxPage
		if c.MaxResults > 0 {
			limit = min(c.MaxResults, maxPage)
		}
		start, end := page(c.Token, s.Queues, limit)
		urls := []string{}
		for i := start; i < end; i++ {
			urls = append(urls, QueueURL(c.Account, c.Region, i))
		}
		out := map[string]any{"QueueUrls": urls}
		if end < s.Queues && c.MaxResults > 0 {
			out["NextToken"] = strconv.Itoa(end)
		}
		writeJSON(w, out)
	case "GetQueueAttributes":
		i := -1
		if u, err := url.Parse(c.Resource); err == nil {
			parts := strings.Split(strings.Trim(u.Path, "/"), "/")
			if len(parts) == 2 && parts[0] == c.Account && strings.HasPrefix(parts[1], "q") {
				i, _ = strconv.Atoi(parts[1][1:])
			}
		}
		if i < 0 || i >= s.Queues || QueueURL(c.Account, c.Region, i) != c.Resource {
			s.fail(w, c, http.StatusBadRequest, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")
			return
		}
		writeJSON(w, map[string]any{"Attributes": map[string]string{
			"QueueArn":       fmt.Sprintf("arn:aws:sqs:%s:%s:q%05d", c.Region, c.Account, i),
			"KmsMasterKeyId": s.KeyARN(c.Account, c.Region, 0),
		}})
	default:
		writeJSON(w, map[string]any{})
	}
}
