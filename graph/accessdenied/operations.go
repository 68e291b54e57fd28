package accessdenied

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
)

// operationsFile is the table of operations (operations.txt): which services
// keyhound models have an operation of each name, and the IAM action it needs.
//
//go:embed operations.txt
var operationsFile string

// opEntry is one service's operation.
type opEntry struct {
	service, operation, action string // action "" when keyhound does not know it
}

// operations indexes opEntry by lower-case operation name.
var operations = mustLoadOperations(operationsFile)

func mustLoadOperations(text string) map[string][]opEntry {
	ops, err := loadOperations(text)
	if err != nil {
		panic(err)
	}
	return ops
}

// loadOperations reads the table's format: "[prefix] comment" starts a
// service; "Operation [action|-]" lines follow.
func loadOperations(text string) (map[string][]opEntry, error) {
	ops := map[string][]opEntry{}
	service := ""
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "["); ok {
			name, _, ok := strings.Cut(rest, "]")
			if !ok || name == "" {
				return nil, fmt.Errorf("operations.txt line %d: want [prefix]", i+1)
			}
			service = name
			continue
		}
		f := strings.Fields(line)
		if service == "" || len(f) > 2 {
			return nil, fmt.Errorf("operations.txt line %d: want an operation and, optionally, its action, under a [prefix]", i+1)
		}
		e := opEntry{service: service, operation: f[0], action: service + ":" + f[0]}
		if len(f) == 2 {
			e.action = f[1]
			if f[1] == "-" {
				e.action = ""
			} else if !strings.Contains(f[1], ":") {
				return nil, fmt.Errorf("operations.txt line %d: action %q is not prefix:Action", i+1, f[1])
			}
		}
		key := strings.ToLower(e.operation)
		for _, o := range ops[key] {
			if o.service == service {
				return nil, fmt.Errorf("operations.txt line %d: %s is listed twice under [%s]", i+1, e.operation, service)
			}
		}
		ops[key] = append(ops[key], e)
	}
	return ops, nil
}

// OperationServices lists, sorted, the services keyhound models (by the
// prefix of their IAM actions) that have an API operation of this name,
// compared without regard to case. More than one means the name alone does
// not tell which service was called.
func OperationServices(operation string) []string {
	var out []string
	for _, e := range operations[strings.ToLower(operation)] {
		out = append(out, e.service)
	}
	slices.Sort(out)
	return out
}

// OperationAction is the IAM action ("s3:GetObject") that service's API
// operation needs, and the operation's name as AWS spells it. ok is false
// when keyhound does not know the service's operation, or its action.
func OperationAction(service, operation string) (action, name string, ok bool) {
	for _, e := range operations[strings.ToLower(operation)] {
		if e.service == service {
			return e.action, e.operation, e.action != ""
		}
	}
	return "", "", false
}
