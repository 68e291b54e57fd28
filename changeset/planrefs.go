package changeset

import (
	"encoding/json"
	"regexp"
	"strings"
)

// planRefs links a value unknown until apply to a resource the same plan
// creates, through the configuration's references
// (configuration.root_module.resources[].expressions.ATTR.references, and
// module_calls' modules): aws_kms_alias.x.target_key_id referring to
// aws_kms_key.y names the key aws_kms_key.y creates. That is the plan's own
// wiring, not a guess; anything else stays unknown.
type planRefs struct {
	// refs: configuration address → attribute → references.
	refs map[string]map[string][]string
	// set: configuration address → the attributes its configuration sets
	// (an absent address: configuration not in the plan).
	set map[string]map[string]bool
	// created: configuration address → the target a created resource is
	// named by in its changes (its address while its ID is unknown, or its name).
	created map[string]string
	// instances counts resource changes per configuration address: only a
	// single instance (no count or for_each) can be linked.
	instances map[string]int
}

type configModule struct {
	Resources []struct {
		Address     string                     `json:"address"`
		Expressions map[string]json.RawMessage `json:"expressions"`
	} `json:"resources"`
	ModuleCalls map[string]struct {
		Module configModule `json:"module"`
	} `json:"module_calls"`
}

// readRefs reads the configuration's references.
func readRefs(raw json.RawMessage) *planRefs {
	p := &planRefs{refs: map[string]map[string][]string{}, set: map[string]map[string]bool{}, created: map[string]string{}, instances: map[string]int{}}
	var cfg struct {
		RootModule configModule `json:"root_module"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &cfg) != nil {
		return p
	}
	p.addModule("", &cfg.RootModule)
	return p
}

func (p *planRefs) addModule(prefix string, m *configModule) {
	for _, r := range m.Resources {
		attrs := map[string][]string{}
		set := map[string]bool{}
		for attr, raw := range r.Expressions {
			set[attr] = true
			var e struct {
				References []string `json:"references"`
			}
			if json.Unmarshal(raw, &e) == nil && len(e.References) > 0 {
				attrs[attr] = e.References
			}
		}
		p.refs[prefix+r.Address] = attrs
		p.set[prefix+r.Address] = set
	}
	for name, call := range m.ModuleCalls {
		p.addModule(prefix+"module."+name+".", &call.Module)
	}
}

var instanceKey = regexp.MustCompile(`\[[^\]]*\]`)

// configAddress is a resource instance's address without instance keys.
func configAddress(addr string) string { return instanceKey.ReplaceAllString(addr, "") }

// resolve returns the target of the resource the plan creates that the
// attribute of the resource at addr refers to.
func (p *planRefs) resolve(addr, attr string) (string, bool) {
	if p == nil {
		return "", false
	}
	ca := configAddress(addr)
	module := ""
	if i := strings.LastIndex(ca, "module."); i >= 0 {
		// module.a.module.b.aws_x.y: references inside are relative to module.a.module.b.
		rest := ca[i+len("module."):]
		if j := strings.IndexByte(rest, '.'); j >= 0 {
			module = ca[:i+len("module.")+j+1]
		}
	}
	for _, ref := range p.refs[ca][attr] {
		parts := strings.Split(ref, ".")
		if len(parts) < 2 || parts[0] == "var" || parts[0] == "local" || parts[0] == "data" || parts[0] == "module" {
			continue
		}
		target := module + configAddress(parts[0]+"."+parts[1])
		if t, ok := p.created[target]; ok && p.instances[target] == 1 {
			return t, true
		}
	}
	return "", false
}

// notConfigured reports whether the plan's configuration shows the
// resource at addr and it does not set attr: a computed value is then the
// provider's default, not one the configuration will give.
func (p *planRefs) notConfigured(addr, attr string) bool {
	if p == nil {
		return false
	}
	set, ok := p.set[configAddress(addr)]
	return ok && !set[attr]
}
