package snapshot

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
)

// itemTypes are the types of the lists decodeSlice decodes item by item:
// every slice of structs reachable from Snapshot, and strings.
func itemTypes() []reflect.Type {
	seen := map[reflect.Type]bool{}
	out := []reflect.Type{reflect.TypeFor[string]()}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		switch t.Kind() {
		case reflect.Pointer, reflect.Map:
			walk(t.Elem())
		case reflect.Slice:
			if t.Elem().Kind() == reflect.Struct && !seen[t.Elem()] {
				out = append(out, t.Elem())
			}
			walk(t.Elem())
		case reflect.Struct:
			if seen[t] {
				return
			}
			seen[t] = true
			for i := range t.NumField() {
				walk(t.Field(i).Type)
			}
		}
	}
	walk(reflect.TypeFor[Snapshot]())
	return out
}

// Every item type has a plan: none falls back to encoding/json as a rule.
func TestFastItemCoversEveryItemType(t *testing.T) {
	for _, typ := range itemTypes() {
		if typ.Kind() == reflect.Struct && planOf(typ) == nil {
			t.Errorf("%v: no plan", typ)
		}
	}
}

// The demo organization's items all decode fast, as encoding/json decodes
// them.
func TestFastItemDecodesTheDemo(t *testing.T) {
	data := demo.Snapshot()
	var slow, fast int
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				walk(v.MapIndex(k))
			}
		case reflect.Slice:
			for i := range v.Len() {
				e := v.Index(i)
				raw, err := json.Marshal(e.Interface())
				if err != nil {
					t.Fatal(err)
				}
				got := reflect.New(e.Type())
				if !fastItem(raw, got.Elem()) {
					slow++
					continue
				}
				fast++
				want := reflect.New(e.Type())
				if err := json.Unmarshal(raw, want.Interface()); err != nil || !reflect.DeepEqual(got.Elem().Interface(), want.Elem().Interface()) {
					t.Fatalf("%s: fast %+v, encoding/json %+v %v", raw, got.Elem(), want.Elem(), err)
				}
				walk(e)
			}
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i))
			}
		}
	}
	s, _, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	walk(reflect.ValueOf(s))
	if slow > 0 || fast < 50 {
		t.Errorf("%d items decoded fast, %d not", fast, slow)
	}
}

// fastItem decodes what it takes as encoding/json does, into every item
// type.
func FuzzFastItem(f *testing.F) {
	for _, s := range []string{
		`{"KeyMetadata": {"KeyId": "k", "Arn": "a", "Enabled": true, "PendingDeletionWindowInDays": 7, "EncryptionAlgorithms": ["x", null]}, "Policy": "{\"a\":\"\\u00e9\\n\"}", "Grants": [], "Tags": null}`,
		`{"RoleName": "r", "Arn": "a", "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": "%7B%7D"}], "Tags": [{"Key": "k", "Value": "v"}], "RoleLastUsed": {}}`,
		`{"QueueUrl": "q", "Attributes": {"Policy": "{}", "a": "b", "a": "c"}}`,
		`{"GrantId": "g", "Operations": ["Decrypt"], "Constraints": {"EncryptionContextEquals": {"k": "v"}}}`,
		`{"Name": "b", "name": "c"}`, `{"AttachmentCount": 1.5}`, `{"AttachmentCount": -12}`, `{"AttachmentCount": 99999999999999999999}`,
		`"us-east-1"`, `"\u00e9"`, `"\u003c\u0026\u003E"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\u00"`, "\"\xff\"", `"a\/b\\c"`, `null`, `5`, `[]`, `{"Arn": "a", "Arn": "b"}`,
	} {
		f.Add([]byte(s))
	}
	types := itemTypes()
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		for _, typ := range types {
			got := reflect.New(typ)
			if !fastItem(data, got.Elem()) {
				continue
			}
			want := reflect.New(typ)
			if err := json.Unmarshal(data, want.Interface()); err != nil || !reflect.DeepEqual(got.Elem().Interface(), want.Elem().Interface()) {
				t.Fatalf("%v from %s: fast %+v, encoding/json %+v %v", typ, data, got.Elem(), want.Elem(), err)
			}
		}
	})
}
