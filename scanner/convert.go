package scanner

import (
	"encoding/json"
	"time"
)

// convert copies an AWS SDK value into the snapshot type of the same AWS
// shape. The SDK's field names are AWS's, so the JSON forms agree; times
// become RFC 3339 strings.
func convert[T any](from any) (T, error) {
	var to T
	data, err := json.Marshal(from)
	if err != nil {
		return to, err
	}
	err = json.Unmarshal(data, &to)
	return to, err
}

// timeString is an SDK time as the snapshot keeps it (RFC 3339, UTC); "" for none.
func timeString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
