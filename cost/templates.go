package cost

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/sessionaudit/sessionaudit/config"
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
	// Phase is the rollout phase of the configuration the app wrote next to the templates
	// (config.WrittenFile), "" when there is none (a directory of golden templates).
	Phase string
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
	if _, err := os.Stat(filepath.Join(dir, config.WrittenFile)); err == nil {
		cfg, err := config.LoadFile(filepath.Join(dir, config.WrittenFile))
		if err != nil {
			return nil, err
		}
		a.Phase = cfg.Rollout.Phase
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
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

// Governed is where an organization's governed regions are, for pricing: the home region, the
// other configured regions, and how many regions it governs. Count may differ from the configured
// regions (the grid of make cost): the home region is always one of them, and the other Count-1
// are priced as the configured other regions, in equal shares. Home "" prices every region at the
// prices file's own region.
type Governed struct {
	Home   string
	Others []string
	Count  int
}

// Governed is the app's governed regions, scaled to count regions.
func (a *App) Governed(count int) Governed {
	var others []string
	for _, r := range a.Regions {
		if r != a.Home {
			others = append(others, r)
		}
	}
	return Governed{Home: a.Home, Others: others, Count: count}
}

// share is how many of the governed regions a region stands for.
type share struct {
	region string
	n      float64
}

// shares splits the governed regions: the home region once, the others' Count-1 evenly over the
// configured other regions.
func (g Governed) shares() []share {
	if g.Home == "" || len(g.Others) == 0 {
		return []share{{g.Home, float64(g.Count)}}
	}
	out := []share{{g.Home, 1}}
	for _, r := range g.Others {
		out = append(out, share{r, float64(g.Count-1) / float64(len(g.Others))})
	}
	return out
}

// instances is how many times a resource of a stack is deployed at scale s, and in which regions.
func (a *App) instances(stack, id string, r Resource, s Scale) ([]share, error) {
	accounts, regions := float64(s.Accounts), float64(s.Regions)
	home := func(n float64) []share { return []share{{a.Home, n}} }
	switch {
	case stack == logArchiveStack:
		// One stream (and its alarms) per governed region, in the home region: named after its
		// source region.
		for _, region := range a.Regions {
			if strings.Contains(id, alnum(region)) {
				return home(regions / float64(len(a.Regions))), nil
			}
		}
		return home(1), nil
	case stack == receiverPrefix+a.Home:
		return home(1), nil
	case strings.HasPrefix(stack, receiverPrefix):
		return []share{{strings.TrimPrefix(stack, receiverPrefix), (regions - 1) / float64(len(a.Regions)-1)}}, nil
	case stack == memberStack && r.Condition == "IsHomeRegion":
		return home(accounts), nil
	case stack == memberStack:
		var out []share
		for _, sh := range a.Governed(s.Regions).shares() {
			out = append(out, share{sh.region, accounts * sh.n})
		}
		return out, nil
	case stack == signInStack:
		var out []share
		for _, region := range a.SignInRegions {
			out = append(out, share{region, accounts})
		}
		return out, nil
	case once[stack]:
		return home(1), nil
	}
	return nil, fmt.Errorf("%s: unknown stack, the model does not know how often it is deployed", stack)
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
