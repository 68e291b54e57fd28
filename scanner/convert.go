package scanner

import "encoding/json"

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
