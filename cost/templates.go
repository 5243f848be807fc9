package cost

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Stack names the model knows (see package stacks).
const (
	logArchiveStack = "SessionAudit-LogArchive"
	memberStack     = "SessionAudit-Member"
	signInStack     = "SessionAudit-SignIn"
	receiverPrefix  = "SessionAudit-Receiver-"
)

// once are the stacks deployed once per installation.
var once = map[string]bool{"SessionAudit-MemberStackSet": true, "SessionAudit-Forwarders": true, "SessionAudit-Guardrails": true}

// Resource is one resource of a template.
type Resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	Condition  string         `json:"Condition"`
}

// Template is one synthesized stack.
type Template struct {
	Resources map[string]Resource `json:"Resources"`
}

// App is the synthesized app: its templates and the regions they show.
type App struct {
	// Templates by stack name.
	Templates map[string]*Template
	// Home is the log-archive home region (the receiver without a key replica).
	Home string
	// Regions are the governed regions (one receiver stack each).
	Regions []string
	// SignInRegions are the extra regions of SessionAudit-SignIn (its StackSet's regions).
	SignInRegions []string
}

// ReadDir reads every <stack>.template.json of dir (cdk.out, or a directory of golden templates).
func ReadDir(dir string) (*App, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no *.template.json in %s: run `make synth` first", dir)
	}
	a := &App{Templates: map[string]*Template{}}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var t Template
		if err := json.Unmarshal(data, &t); err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		a.Templates[strings.TrimSuffix(filepath.Base(f), ".template.json")] = &t
	}
	for name, t := range a.Templates {
		region, ok := strings.CutPrefix(name, receiverPrefix)
		if !ok {
			continue
		}
		a.Regions = append(a.Regions, region)
		if len(t.of("AWS::KMS::ReplicaKey")) == 0 {
			a.Home = region
		}
	}
	sort.Strings(a.Regions)
	for _, name := range []string{logArchiveStack, memberStack} {
		if a.Templates[name] == nil {
			return nil, fmt.Errorf("%s: no %s template", dir, name)
		}
	}
	if a.Home == "" || len(a.Regions) < 2 {
		return nil, fmt.Errorf("%s: the model scales from a home region and at least one other governed region; synthesize with two or more regions (found %v)", dir, a.Regions)
	}
	for _, r := range a.Templates["SessionAudit-MemberStackSet"].of("AWS::CloudFormation::StackSet") {
		if r.Properties["StackSetName"] == signInStack {
			for _, g := range list(r.Properties["StackInstancesGroup"]) {
				for _, region := range list(dig(g, "Regions")) {
					a.SignInRegions = append(a.SignInRegions, fmt.Sprint(region))
				}
			}
		}
	}
	return a, nil
}

// Scale is an organization size.
type Scale struct {
	Accounts, Regions int
}

// instances is how many times a resource of a stack is deployed at scale s.
func (a *App) instances(stack, id string, r Resource, s Scale) (float64, error) {
	accounts, regions := float64(s.Accounts), float64(s.Regions)
	switch {
	case stack == logArchiveStack:
		// One stream (and its alarms) per governed region: named after its source region.
		for _, region := range a.Regions {
			if strings.Contains(id, alnum(region)) {
				return regions / float64(len(a.Regions)), nil
			}
		}
		return 1, nil
	case stack == receiverPrefix+a.Home:
		return 1, nil
	case strings.HasPrefix(stack, receiverPrefix):
		return (regions - 1) / float64(len(a.Regions)-1), nil
	case stack == memberStack && r.Condition == "IsHomeRegion":
		return accounts, nil
	case stack == memberStack:
		return accounts * regions, nil
	case stack == signInStack:
		return accounts * float64(len(a.SignInRegions)), nil
	case once[stack]:
		return 1, nil
	}
	return 0, fmt.Errorf("%s: unknown stack, the model does not know how often it is deployed", stack)
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]`)

func alnum(s string) string { return nonAlnum.ReplaceAllString(s, "") }

// of returns the resources of a type by logical ID.
func (t *Template) of(typ string) map[string]Resource {
	out := map[string]Resource{}
	for id, r := range t.Resources {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

// first returns the resource of a type whose logical ID starts with prefix.
func (t *Template) first(typ, prefix string) (Resource, error) {
	ids := []string{}
	for id := range t.of(typ) {
		if strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return Resource{}, fmt.Errorf("no %s %s… in the template", typ, prefix)
	}
	sort.Strings(ids)
	return t.Resources[ids[0]], nil
}

// dig follows keys (or list indexes) through decoded JSON; nil when missing.
func dig(v any, keys ...any) any {
	for _, k := range keys {
		switch key := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[key]
		case int:
			l, _ := v.([]any)
			if key >= len(l) {
				return nil
			}
			v = l[key]
		}
	}
	return v
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func number(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case string:
		var f float64
		fmt.Sscan(n, &f)
		return f
	}
	return 0
}
